#include <doctest/doctest.h>

#include <cstring>

#include "persistence/crc64.h"

TEST_CASE("crc64 matches Redis's check value") {
  const char* s = "123456789";
  CHECK(sable::Crc64(0, s, strlen(s)) == 0xe9c6d914c4b8d9caULL);
  // Incremental use gives the same result as one call.
  uint64_t c = sable::Crc64(0, s, 4);
  CHECK(sable::Crc64(c, s + 4, 5) == 0xe9c6d914c4b8d9caULL);
}

TEST_CASE("crc64: the 8-byte folding equals byte-at-a-time for every length and alignment") {
  unsigned char buf[300];
  uint64_t x = 0x1234567;
  for (auto& b : buf) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    b = static_cast<unsigned char>(x >> 56);
  }
  for (size_t off = 0; off < 8; ++off) {
    for (size_t len = 0; len + off <= sizeof(buf); len += 7) {
      uint64_t bytewise = 0;
      for (size_t i = 0; i < len; ++i) bytewise = sable::Crc64(bytewise, buf + off + i, 1);
      CHECK(sable::Crc64(0, buf + off, len) == bytewise);
    }
  }
}
