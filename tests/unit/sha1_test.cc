#include <doctest/doctest.h>

#include <string>

#include "datastructs/sha1.h"

using sable::Sha1Hex;

TEST_CASE("sha1: FIPS and Redis vectors") {
  CHECK(Sha1Hex("") == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
  CHECK(Sha1Hex("abc") == "a9993e364706816aba3e25717850c26c9cd0d89d");
  CHECK(Sha1Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "84983e441c3bd26ebaae4aa1f95129e5e54670f1");
  CHECK(Sha1Hex("Pizza & Mandolino") == "74822d82031af7493c20eefa13bd07ec4fada82f");
  CHECK(Sha1Hex(std::string(1000000, 'a')) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");
  // Lengths around the padding boundary.
  for (size_t n = 50; n < 70; ++n) CHECK(Sha1Hex(std::string(n, 'x')).size() == 40);
}
