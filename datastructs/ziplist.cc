#include "datastructs/ziplist.h"

namespace sable {

namespace {

uint64_t LoadLe(const uint8_t* p, int n) {
  uint64_t v = 0;
  for (int i = n - 1; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

constexpr uint8_t kEnd = 0xFF;
constexpr uint8_t kBigPrevlen = 0xFE;

}  // namespace

bool ZiplistDecode(const uint8_t* zl, size_t size, std::vector<LpValue>* out) {
  if (size < kZiplistHeaderSize + 1 || size > UINT32_MAX) return false;
  if (LoadLe(zl, 4) != size || zl[size - 1] != kEnd) return false;
  const uint64_t tail = LoadLe(zl + 4, 4);
  if (tail > size - 1) return false;
  const uint16_t header_count = static_cast<uint16_t>(LoadLe(zl + 8, 2));

  const uint8_t* p = zl + kZiplistHeaderSize;
  const uint8_t* end = zl + size - 1;  // the terminator
  const uint8_t* last = nullptr;
  size_t prev_size = 0, count = 0;
  while (p < end && *p != kEnd) {
    size_t avail = static_cast<size_t>(end - p);
    // prevlen
    size_t prevlen_bytes = p[0] < kBigPrevlen ? 1 : 5;
    if (avail < prevlen_bytes + 1) return false;
    size_t prevlen = prevlen_bytes == 1 ? p[0] : static_cast<size_t>(LoadLe(p + 1, 4));
    if (prevlen != prev_size) return false;
    const uint8_t* e = p + prevlen_bytes;
    avail -= prevlen_bytes;
    const uint8_t b = e[0];
    LpValue v;
    size_t hdr, len;  // encoding bytes, data bytes
    if (b < 0xC0) {   // string
      if (b < 0x40) {
        hdr = 1;
        len = b & 0x3F;
      } else if (b < 0x80) {
        if (avail < 2) return false;
        hdr = 2;
        len = (static_cast<size_t>(b & 0x3F) << 8) | e[1];
      } else {
        if (avail < 5) return false;
        hdr = 5;
        len = static_cast<size_t>(e[1]) << 24 | static_cast<size_t>(e[2]) << 16 |
              static_cast<size_t>(e[3]) << 8 | e[4];
      }
      if (avail - hdr < len) return false;
      v.str = reinterpret_cast<const char*>(e + hdr);
      v.len = len;
    } else {
      hdr = 1;
      switch (b) {
        case 0xC0: len = 2; break;
        case 0xD0: len = 4; break;
        case 0xE0: len = 8; break;
        case 0xF0: len = 3; break;
        case 0xFE: len = 1; break;
        default:
          if (b < 0xF1 || b > 0xFD) return false;  // includes a stray 0xFF
          len = 0;
      }
      if (avail - hdr < len) return false;
      uint64_t u = LoadLe(e + 1, static_cast<int>(len));
      switch (b) {
        case 0xC0: v.ival = static_cast<int16_t>(u); break;
        case 0xD0: v.ival = static_cast<int32_t>(u); break;
        case 0xE0: v.ival = static_cast<int64_t>(u); break;
        case 0xF0:
          v.ival = u >= (1u << 23) ? static_cast<int64_t>(u) - (int64_t{1} << 24)
                                   : static_cast<int64_t>(u);
          break;
        case 0xFE: v.ival = static_cast<int8_t>(u); break;
        default: v.ival = (b & 0x0F) - 1;
      }
    }
    out->push_back(v);
    prev_size = prevlen_bytes + hdr + len;
    last = p;
    p += prev_size;
    ++count;
  }
  if (p != end) return false;  // entries must end exactly at the terminator
  if (last != nullptr && zl + tail != last) return false;  // zltail: the last entry
  return header_count == UINT16_MAX || header_count == count;
}

}  // namespace sable
