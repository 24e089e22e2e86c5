// Test helper: builds a ziplist (pre-7.0 RDB encoding) entry by entry, as Redis 6 would write
// it (header with zlbytes, zltail and zllen; each entry with its prevlen).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace sable {

class ZiplistBuilder {
 public:
  void Str(const std::string& s) {
    std::string e = PrevLen();
    if (s.size() < 64) {
      e += static_cast<char>(s.size());
    } else if (s.size() < 16384) {
      e += static_cast<char>(0x40 | (s.size() >> 8));
      e += static_cast<char>(s.size() & 0xff);
    } else {
      e += static_cast<char>(0x80);
      for (int i = 3; i >= 0; --i) e += static_cast<char>((s.size() >> (8 * i)) & 0xff);
    }
    Add(e + s);
  }
  void Int(int64_t v) {
    std::string e = PrevLen();
    int n;
    if (v >= 0 && v <= 12) {
      e += static_cast<char>(0xF1 + v);
      n = 0;
    } else if (v >= INT8_MIN && v <= INT8_MAX) {
      e += static_cast<char>(0xFE);
      n = 1;
    } else if (v >= INT16_MIN && v <= INT16_MAX) {
      e += static_cast<char>(0xC0);
      n = 2;
    } else if (v >= -8388608 && v <= 8388607) {
      e += static_cast<char>(0xF0);
      n = 3;
    } else if (v >= INT32_MIN && v <= INT32_MAX) {
      e += static_cast<char>(0xD0);
      n = 4;
    } else {
      e += static_cast<char>(0xE0);
      n = 8;
    }
    for (int i = 0; i < n; ++i)
      e += static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xff);
    Add(e);
  }
  std::string Build() const {
    std::string zl(10, '\0');
    uint32_t total = static_cast<uint32_t>(10 + body_.size() + 1);
    for (int i = 0; i < 4; ++i) zl[i] = static_cast<char>((total >> (8 * i)) & 0xff);
    uint32_t tail = body_.empty() ? 10 : static_cast<uint32_t>(10 + tail_);
    for (int i = 0; i < 4; ++i) zl[4 + i] = static_cast<char>((tail >> (8 * i)) & 0xff);
    zl[8] = static_cast<char>(count_ & 0xff);
    zl[9] = static_cast<char>(count_ >> 8);
    return zl + body_ + '\xff';
  }

 private:
  std::string PrevLen() const {
    if (last_ < 254) return std::string(1, static_cast<char>(last_));
    std::string p(1, '\xfe');
    for (int i = 0; i < 4; ++i) p += static_cast<char>((last_ >> (8 * i)) & 0xff);
    return p;
  }
  void Add(const std::string& e) {
    tail_ = body_.size();
    body_ += e;
    last_ = e.size();
    ++count_;
  }
  std::string body_;
  size_t last_ = 0;  // size of the last entry (the next one's prevlen)
  size_t tail_ = 0;  // offset of the last entry in body_
  uint16_t count_ = 0;
};

}  // namespace sable
