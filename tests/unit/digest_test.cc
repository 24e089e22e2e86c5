#include <doctest/doctest.h>

#include <string>

#include "datastructs/digest.h"

using sable::Digest;

// Expected values are Redis 7.0's mixDigest/xorDigest on the same input (debug.c), computed
// independently with Python's hashlib.
TEST_CASE("digest: zero, Mix and Add as Redis's mixDigest and xorDigest") {
  Digest d;
  CHECK(d.Hex() == std::string(40, '0'));
  d.Add("a");  // xorDigest: 0 ^ SHA1("a")
  CHECK(d.Hex() == "86f7e437faa5a7fce15d1ddcb9eaeaea377667b8");

  Digest m;
  m.Mix("a");
  CHECK(m.Hex() == "667f407de7c6ad07358fa38daed7828a72014b4e");
  m.Mix("b");
  CHECK(m.Hex() == "4fa05a226262027f385006e67882970752436d53");
  Digest joined;  // Mix is not concatenation: "a","b" differs from "ab"
  joined.Mix("ab");
  CHECK(joined.Hex() == "5ba24217175a3a17f539511ef284fa10ccbe5a6a");
}

TEST_CASE("digest: Add is order-insensitive, Mix is not") {
  Digest ab, ba;
  ab.Add("x");
  ab.Add("y");
  ba.Add("y");
  ba.Add("x");
  CHECK(ab.Hex() == ba.Hex());
  Digest mab, mba;
  mab.Mix("x");
  mab.Mix("y");
  mba.Mix("y");
  mba.Mix("x");
  CHECK(mab.Hex() != mba.Hex());
  Digest twice;  // XOR: adding the same element twice cancels out
  twice.Add("x");
  twice.Add("x");
  CHECK(twice.Hex() == Digest().Hex());
}

TEST_CASE("digest: one string key, as redis-server 7.0.15 reports it") {
  // SET k v: DIGEST-VALUE k mixes htonl(OBJ_STRING) then "v"; DEBUG DIGEST mixes htonl(db 0)
  // and XORs in SHA1 of the key's digest (the key, then the value's digest steps).
  Digest value;
  value.MixBigEndian32(0);
  value.Mix("v");
  CHECK(value.Hex() == "d79ee9fe5d5ad902d7f6620efc3b07b75ddd742f");
  Digest key;
  key.Mix("k");
  key.MixBigEndian32(0);
  key.Mix("v");
  Digest all;
  all.MixBigEndian32(0);
  all.Add(key);
  CHECK(all.Hex() == "264ccf65edec66bccfa7cc659414ccca432057d2");
  Digest explicit_bytes;
  explicit_bytes.Mix(std::string("\0\0\0\x06", 4));
  Digest stream_type;
  stream_type.MixBigEndian32(6);
  CHECK(explicit_bytes.Hex() == stream_type.Hex());
}
