#include "datastructs/zipmap.h"

#include <cstdint>

namespace sable {

namespace {

constexpr uint8_t kBigLen = 254;
constexpr uint8_t kEnd = 255;

}  // namespace

bool ZipmapDecode(std::string_view zm, std::vector<std::string_view>* out) {
  const auto* z = reinterpret_cast<const uint8_t*>(zm.data());
  const size_t size = zm.size();
  if (size < 2 || z[size - 1] != kEnd) return false;
  const size_t end = size - 1;  // offset of the terminator: nothing may reach past it
  size_t pos = 1;
  // Reads a length at pos (1 or 5 bytes) if its bytes lie before the terminator.
  auto read_len = [&](size_t* len) {
    size_t n = z[pos] < kBigLen ? 1 : 5;
    if (n > end - pos) return false;
    if (n == 1) {
      *len = z[pos];
    } else {
      *len = static_cast<size_t>(z[pos + 1]) | static_cast<size_t>(z[pos + 2]) << 8 |
             static_cast<size_t>(z[pos + 3]) << 16 | static_cast<size_t>(z[pos + 4]) << 24;
    }
    pos += n;
    return true;
  };
  size_t pairs = 0;
  while (z[pos] != kEnd) {
    size_t flen, vlen;
    if (!read_len(&flen) || flen > end - pos) return false;
    std::string_view field = zm.substr(pos, flen);
    pos += flen;
    if (pos == end || !read_len(&vlen) || pos == end) return false;
    size_t free_bytes = z[pos++];
    if (vlen > end - pos || free_bytes > end - pos - vlen) return false;
    out->push_back(field);
    out->push_back(zm.substr(pos, vlen));
    pos += vlen + free_bytes;
    ++pairs;
  }
  if (pos != end || pairs == 0) return false;
  return z[0] == kBigLen || z[0] == pairs;
}

}  // namespace sable
