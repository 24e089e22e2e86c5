// 160-bit content digest for DEBUG DIGEST / DIGEST-VALUE, bit for bit Redis 7.0's (debug.c):
// SHA-1 based, so a dataset's digest is the same on Sable and on redis-server. Ordered data is
// chained with Mix, unordered data is combined with Add (XOR, so the order does not matter).
// Equal logical content gives equal digests whatever the encoding. Not for security.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

struct Digest {
  uint8_t bytes[20] = {};  // all zero: the digest of nothing (an empty dataset, a missing key)

  // Order-sensitive (mixDigest): this = SHA1(this ^ SHA1(s)).
  void Mix(std::string_view s);
  // Mix of v's 4 bytes in network order (Redis mixes htonl(type) and htonl(db id)).
  void MixBigEndian32(uint32_t v);
  // Order-insensitive (xorDigest): this ^= SHA1(s).
  void Add(std::string_view s);
  // Add of d's 20 bytes: this ^= SHA1(d) (an element's own digest folded into an unordered
  // whole: a key into the dataset, a zset element or a hash pair into the value).
  void Add(const Digest& d);
  // 40 lower-case hex characters.
  std::string Hex() const;
};

}  // namespace sable
