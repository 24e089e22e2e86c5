#include <doctest/doctest.h>

#include <string>

#include "datastructs/sha256.h"

using sable::Sha256Hex;

TEST_CASE("sha256: FIPS 180-4 vectors") {
  CHECK(Sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK(Sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK(Sha256Hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq") ==
        "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK(Sha256Hex(std::string(1000000, 'a')) ==
        "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST_CASE("sha256: the ACL password hash of redis's test suite") {
  CHECK(Sha256Hex("passwd4") ==
        "34344e4d60c2b6d639b7bd22e18f2b0b91bc34bf0ac5f9952744435093cfb4e6");
}

TEST_CASE("sha256: block boundaries") {
  // 55, 56, 63, 64 and 65 bytes straddle the padding rules.
  CHECK(Sha256Hex(std::string(55, 'x')).size() == 64);
  sable::Sha256 a;
  std::string s(130, 'q');
  for (char c : s) a.Update(&c, 1);
  auto d = a.Final();
  sable::Sha256 b;
  b.Update(s.data(), s.size());
  CHECK(d == b.Final());
}
