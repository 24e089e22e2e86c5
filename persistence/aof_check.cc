#include "persistence/aof_check.h"

#include <cstdint>

namespace sable {

namespace {

// Reads "<prefix><digits>\r\n" at *pos; returns false (with *bad_at) if the shape is wrong.
bool ReadHeader(std::string_view s, char prefix, size_t* pos, uint64_t* value, size_t* bad_at) {
  size_t p = *pos;
  if (p >= s.size() || s[p] != prefix) {
    *bad_at = p;
    return false;
  }
  ++p;
  uint64_t v = 0;
  size_t digits = 0;
  while (p < s.size() && s[p] >= '0' && s[p] <= '9' && digits < 19) {
    v = v * 10 + static_cast<uint64_t>(s[p] - '0');
    ++p;
    ++digits;
  }
  if (digits == 0 || p + 1 >= s.size() || s[p] != '\r' || s[p + 1] != '\n') {
    *bad_at = (digits == 0 || p >= s.size() || s[p] != '\r') ? p : p + 1;
    return false;
  }
  *pos = p + 2;
  *value = v;
  return true;
}

}  // namespace

bool IsStrictRespArray(std::string_view s, size_t* bad_at) {
  size_t pos = 0;
  uint64_t n;
  if (!ReadHeader(s, '*', &pos, &n, bad_at)) return false;
  if (n == 0) {
    *bad_at = 1;
    return false;
  }
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t len;
    if (!ReadHeader(s, '$', &pos, &len, bad_at)) return false;
    if (len > s.size() - pos || s.size() - pos - len < 2) {
      *bad_at = s.size();
      return false;
    }
    pos += len;
    if (s[pos] != '\r' || s[pos + 1] != '\n') {
      *bad_at = s[pos] != '\r' ? pos : pos + 1;
      return false;
    }
    pos += 2;
  }
  if (pos != s.size()) {
    *bad_at = pos;
    return false;
  }
  return true;
}

}  // namespace sable
