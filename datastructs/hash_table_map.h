// HashTableMap: the hash-table encoding of a Redis hash — distinct byte-string fields, each
// with a byte-string value, built for memory.
//
// It is a Dict whose nodes are the pairs themselves: ONE allocation per field holding the chain
// pointer, the field and the value (no dictEntry, no separate key and value strings).
//   0  next    HashNode*   dict chain
//   8  flen    1 byte if < 254; else 254 + uint32, or 255 + uint64 (unaligned)
//      field   [flen]
//      vlen    same length encoding
//      value   [vlen]
// A 10-byte field with a 10-byte value takes 8 + 1 + 10 + 1 + 10 = 30 bytes (jemalloc class 32);
// with the bucket array (one pointer per slot, load factor 0.5..1) that is 40..48 bytes per
// field, against Redis 7.0's ~72 (dictEntry 24 + two sds of 16 + bucket 8..16).
//
// Changing a value reallocates the node in place when the allocator can (same size class) and
// relinks it otherwise. The Dict gives incremental rehashing and Redis's SCAN guarantee: every
// field present for the whole of a full HSCAN iteration is returned at least once.
// Not thread-safe. Views handed out stay valid until that field is changed or removed.
#ifndef SABLE_DATASTRUCTS_HASH_TABLE_MAP_H_
#define SABLE_DATASTRUCTS_HASH_TABLE_MAP_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

#include "datastructs/dict.h"
#include "datastructs/hash.h"
#include "datastructs/string_set.h"  // SetRng

namespace sable {

// One field/value pair: the dict node and both strings in a single allocation (layout above).
class HashNode {
 public:
  static HashNode* New(std::string_view field, std::string_view value);
  static void Free(HashNode* n);
  // Returns a node holding the same field (and chain link) with `value`: `n` itself, resized
  // in place, or a moved copy (then `n` is gone and the caller relinks the result).
  // REQUIRES: `value` does not point into `n`.
  static HashNode* WithValue(HashNode* n, std::string_view value);

  std::string_view field() const {
    size_t len;
    size_t hdr = ReadLen(Body(), &len);
    return {reinterpret_cast<const char*>(Body() + hdr), len};
  }
  std::string_view value() const {
    std::string_view f = field();
    const auto* p = reinterpret_cast<const uint8_t*>(f.data() + f.size());
    size_t len;
    size_t hdr = ReadLen(p, &len);
    return {reinterpret_cast<const char*>(p + hdr), len};
  }
  HashNode* next() const { return next_; }
  void set_next(HashNode* n) { next_ = n; }

  // Bytes requested from the allocator for a pair of these lengths.
  static size_t AllocBytes(size_t flen, size_t vlen) {
    return sizeof(HashNode) + LenBytes(flen) + flen + LenBytes(vlen) + vlen;
  }

 private:
  static constexpr uint8_t kLen32 = 254;
  static constexpr uint8_t kLen64 = 255;
  HashNode() = default;

  const uint8_t* Body() const { return reinterpret_cast<const uint8_t*>(this) + sizeof(HashNode); }
  static size_t LenBytes(size_t n) { return n < kLen32 ? 1 : n <= UINT32_MAX ? 5 : 9; }
  static size_t WriteLen(uint8_t* p, size_t n);
  static size_t ReadLen(const uint8_t* p, size_t* n) {
    if (p[0] < kLen32) {
      *n = p[0];
      return 1;
    }
    if (p[0] == kLen32) {
      uint32_t v;
      memcpy(&v, p + 1, 4);
      *n = v;
      return 5;
    }
    uint64_t v;
    memcpy(&v, p + 1, 8);
    *n = v;
    return 9;
  }

  HashNode* next_;
};

struct HashNodeTraits {
  static HashNode* Next(const HashNode* n) { return n->next(); }
  static void SetNext(HashNode* n, HashNode* next) { n->set_next(next); }
  static std::string_view Key(const HashNode* n) { return n->field(); }
};

class HashTableMap {
 public:
  // `seed` keys the field hash and must outlive the map (and its clones).
  explicit HashTableMap(const HashSeed* seed) : seed_(seed), dict_(seed) {}
  ~HashTableMap();
  HashTableMap(const HashTableMap&) = delete;
  HashTableMap& operator=(const HashTableMap&) = delete;

  size_t size() const { return dict_.size(); }
  bool empty() const { return dict_.empty(); }

  // Sets field to value (a copy of both); returns true if the field is new.
  bool Set(std::string_view field, std::string_view value);
  // Adds a field that must be new; returns false (and changes nothing) if it exists.
  bool Add(std::string_view field, std::string_view value);
  // Removes field; false if absent. Shrinks the table when it gets sparse.
  bool Remove(std::string_view field);
  // The pair holding field, or nullptr.
  const HashNode* Find(std::string_view field) { return dict_.Find(field); }

  // A random pair, close to uniform whatever the chain lengths; nullptr if empty.
  const HashNode* Random(SetRng& rng);

  // fn(const HashNode*) for every pair once. fn must not modify the map.
  template <class F>
  void ForEach(F&& fn) {
    dict_.ForEach([&](HashNode* n) { fn(static_cast<const HashNode*>(n)); });
  }
  // One HSCAN step (see Dict::Scan): fn(const HashNode*) per pair of the visited buckets;
  // returns the next cursor, 0 when the iteration is complete. fn must not modify the map.
  template <class F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    return dict_.Scan(cursor, [&](HashNode* n) { fn(static_cast<const HashNode*>(n)); });
  }

  // Deep copy with the same seed.
  HashTableMap* Clone();
  // Bytes held: this object, the bucket arrays and the pairs (a sample of 16 scaled up).
  size_t MemoryUsage();
  size_t BucketCount() const { return dict_.BucketCount(); }
  bool IsRehashing() const { return dict_.IsRehashing(); }
  // Incremental rehash work; true if still rehashing.
  bool RehashMicroseconds(int us) { return dict_.RehashMicroseconds(us); }

 private:
  const HashSeed* seed_;
  Dict<HashNode, HashNodeTraits> dict_;
};

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_HASH_TABLE_MAP_H_
