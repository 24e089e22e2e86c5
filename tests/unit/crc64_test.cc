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
