#include <doctest/doctest.h>

#include <random>
#include <string>

#include "datastructs/listpack.h"
#include "persistence/lzf.h"

namespace sable {
namespace {

std::string Bytes(const uint8_t* p, size_t n) { return std::string(reinterpret_cast<const char*>(p), n); }

TEST_CASE("lzf: round trip of compressible and incompressible data") {
  std::mt19937_64 rng(7);
  for (size_t len : {1, 2, 21, 100, 1000, 65536, 300000}) {
    std::string text;
    while (text.size() < len) text += "hello world " + std::to_string(rng() % 50) + " ";
    text.resize(len);
    std::string packed, back;
    if (LzfCompress(text, text.size(), &packed)) {
      CHECK(packed.size() <= text.size());
      REQUIRE(LzfDecompress(packed, text.size(), &back));
      CHECK(back == text);
    } else {
      CHECK(len < 64);  // only short inputs may not shrink
    }
    std::string noise(len, '\0');
    for (char& c : noise) c = static_cast<char>(rng());
    // Random bytes do not compress below their size minus four (Redis's requirement).
    CHECK_FALSE(LzfCompress(noise, noise.size() > 4 ? noise.size() - 4 : 1, &packed));
    CHECK(packed.empty());
  }
}

TEST_CASE("lzf: output matches the bytes redis-server 7.0 writes") {
  // RPUSH k x*100 x*100 x*100 on redis-server, DUMP: the listpack node, LZF-compressed.
  uint8_t* lp = LpNew(0);
  for (int i = 0; i < 3; ++i) lp = LpAppend(lp, std::string(100, 'x'));
  std::string node = Bytes(lp, LpBytes(lp));
  LpFree(lp);
  REQUIRE(node.size() == 316);
  const std::string redis("\x08<\x01\x00\x00\x03\x00\xe0" "dx\xe0Z\x00\x00" "f\xe0\xc4" "f\x01" "f\xff", 21);
  std::string packed;
  REQUIRE(LzfCompress(node, node.size() - 4, &packed));
  CHECK(packed == redis);
  std::string back;
  REQUIRE(LzfDecompress(redis, node.size(), &back));
  CHECK(back == node);
}

TEST_CASE("lzf: corrupt input is refused without overruns") {
  std::string text(5000, 'a');
  for (size_t i = 0; i < text.size(); i += 7) text[i] = static_cast<char>('a' + i % 26);
  std::string packed, back;
  REQUIRE(LzfCompress(text, text.size(), &packed));
  CHECK_FALSE(LzfDecompress(packed, text.size() - 1, &back));  // wrong length
  CHECK_FALSE(LzfDecompress(packed, text.size() + 1, &back));
  CHECK_FALSE(LzfDecompress(packed.substr(0, packed.size() - 1), text.size(), &back));
  CHECK_FALSE(LzfDecompress(packed, size_t{1} << 40, &back));  // absurd claimed size
  CHECK_FALSE(LzfDecompress("", 10, &back));
  CHECK(LzfDecompress("", 0, &back));
  CHECK(back.empty());
  // A back-reference before the start of the output.
  CHECK_FALSE(LzfDecompress(std::string("\xe0\x10\x50", 3), 20, &back));
  // Random corruption: any result, but never a crash (run under ASan in the sanitized build).
  std::mt19937_64 rng(11);
  for (int i = 0; i < 2000; ++i) {
    std::string bad = packed;
    bad[rng() % bad.size()] = static_cast<char>(rng());
    if (LzfDecompress(bad, text.size(), &back)) CHECK(back.size() == text.size());
  }
}

}  // namespace
}  // namespace sable
