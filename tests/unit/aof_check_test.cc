#include "persistence/aof_check.h"

#include <doctest/doctest.h>

#include <string>

using sable::IsStrictRespArray;

TEST_CASE("aof_check: well-formed records pass") {
  size_t bad = 99;
  CHECK(IsStrictRespArray("*1\r\n$4\r\nPING\r\n", &bad));
  CHECK(IsStrictRespArray("*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$0\r\n\r\n", &bad));
  std::string binary = std::string("*2\r\n$3\r\nGET\r\n$3\r\n") + std::string("\r\n\0", 3) + "\r\n";
  CHECK(IsStrictRespArray(binary, &bad));
}

TEST_CASE("aof_check: every flipped structural byte is caught, with its offset") {
  const std::string rec = "*3\r\n$3\r\nset\r\n$2\r\nk2\r\n$7\r\nvalue-2\r\n";
  for (size_t i = 0; i < rec.size(); ++i) {
    char c = rec[i];
    bool structural = c == '*' || c == '$' || c == '\r' || c == '\n' ||
                      (i > 0 && (rec[i - 1] == '*' || rec[i - 1] == '$'));
    if (!structural) continue;
    std::string bad_rec = rec;
    bad_rec[i] = static_cast<char>(bad_rec[i] ^ 0xFF);
    size_t bad = 0;
    CAPTURE(i);
    CHECK_FALSE(IsStrictRespArray(bad_rec, &bad));
    CHECK(bad <= i);
  }
}

TEST_CASE("aof_check: empty arrays, trailing bytes and short payloads are refused") {
  size_t bad = 0;
  CHECK_FALSE(IsStrictRespArray("*0\r\n", &bad));
  CHECK_FALSE(IsStrictRespArray("*1\r\n$4\r\nPING\r\nX", &bad));
  CHECK(bad == 14);
  CHECK_FALSE(IsStrictRespArray("*1\r\n$5\r\nPING\r\n", &bad));
  CHECK_FALSE(IsStrictRespArray("*1\r\n$-1\r\n", &bad));
  CHECK_FALSE(IsStrictRespArray("*1\r\n$99999999999999999999\r\nx\r\n", &bad));
}
