// Keyed hashing for hash tables that face untrusted keys.
//
// SipHash-1-2 (one compression round, two finalisation rounds): a keyed PRF, so an attacker who
// does not know the seed cannot build keys that collide into one bucket. Two rounds fewer than
// SipHash-2-4 keep short-key hashing cheap, which is the common case for a keyspace.
//
// Output is stable for a given seed and input on every platform (words are read little-endian).

#ifndef SABLE_DATASTRUCTS_HASH_H_
#define SABLE_DATASTRUCTS_HASH_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sable {

struct HashSeed {
  uint64_t k0;
  uint64_t k1;
};

// SipHash-1-2 of n bytes at p.
uint64_t HashBytes(const void* p, size_t n, const HashSeed& seed);

// As HashBytes, but every byte is ASCII-lowercased first, so keys that differ only in ASCII case
// hash equal. Bytes >= 0x80 are hashed unchanged.
uint64_t HashBytesNoCase(const void* p, size_t n, const HashSeed& seed);

// Reference SipHash-2-4; exists so tests can check the shared core against the published
// test vectors. Not meant for the data path.
uint64_t SipHash24(const void* p, size_t n, const HashSeed& seed);

inline uint64_t HashString(std::string_view s, const HashSeed& seed) {
  return HashBytes(s.data(), s.size(), seed);
}

// 128 random bits from /dev/urandom; if that cannot be read, a mix of clocks, pid and an address
// (weak, but never a fixed constant).
HashSeed RandomHashSeed();

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_HASH_H_
