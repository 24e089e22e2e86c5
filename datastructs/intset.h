// Intset: a sorted array of distinct int64 values in ONE allocation, each stored in the smallest
// width (16, 32 or 64 bits) that fits every member. Adding a wider value widens the whole array;
// nothing ever narrows it again (as Redis).
//
// The bytes are Redis's intset format, so an RDB writer can store Blob() verbatim and a loader
// can adopt a blob that passes Validate():
//   0  encoding  uint32 little-endian: 2, 4 or 8 (bytes per element)
//   4  length    uint32 little-endian: element count
//   8  contents  length * encoding bytes, little-endian two's complement, strictly increasing
//
// An Intset* points at that blob. Add/Remove may reallocate it and return the new address; the
// old pointer is then dead. Lookups are binary searches: O(log n); Add/Remove are O(n) moves.
#ifndef SABLE_DATASTRUCTS_INTSET_H_
#define SABLE_DATASTRUCTS_INTSET_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sable {

class Intset {
 public:
  static constexpr uint32_t kEnc16 = 2;
  static constexpr uint32_t kEnc32 = 4;
  static constexpr uint32_t kEnc64 = 8;
  static constexpr size_t kHeaderSize = 8;

  // An empty intset (16-bit encoding). Out of memory aborts.
  static Intset* New();
  static void Free(Intset* is);
  // Byte-identical copy (same encoding).
  static Intset* Clone(const Intset* is);
  // Copies a blob that passed Validate().
  static Intset* FromBlob(std::string_view blob);
  // Checks a blob from outside (RDB): header readable, known encoding, size consistent with the
  // length, not empty; with `deep`, also strictly increasing contents (O(n)).
  static bool Validate(std::string_view blob, bool deep);

  // Adds v. Returns the (possibly moved) intset; *added tells whether v was new.
  [[nodiscard]] static Intset* Add(Intset* is, int64_t v, bool* added);
  // Removes v. Returns the (possibly moved) intset; *removed tells whether v was present.
  [[nodiscard]] static Intset* Remove(Intset* is, int64_t v, bool* removed);

  bool Contains(int64_t v) const;
  uint32_t size() const;
  bool empty() const { return size() == 0; }
  uint32_t encoding() const;
  // REQUIRES: pos < size(). Elements are in increasing order.
  int64_t Get(uint32_t pos) const;
  int64_t Min() const { return Get(0); }
  int64_t Max() const { return Get(size() - 1); }
  // The element at r % size(): pass a uniform random r for a uniform pick. REQUIRES: !empty().
  int64_t Random(uint64_t r) const { return Get(static_cast<uint32_t>(r % size())); }

  // The Redis-format bytes (header + contents).
  std::string_view Blob() const;
  size_t BlobLen() const;
  // Bytes the allocator actually holds for this intset (MEMORY USAGE).
  size_t AllocSize() const;

  // Width needed to store v (kEnc16/32/64).
  static uint32_t EncodingFor(int64_t v);

 private:
  Intset() = delete;
  ~Intset() = delete;

  uint8_t* bytes() { return reinterpret_cast<uint8_t*>(this); }
  const uint8_t* bytes() const { return reinterpret_cast<const uint8_t*>(this); }
  int64_t GetEnc(uint32_t pos, uint32_t enc) const;
  void SetAt(uint32_t pos, int64_t v);
  void set_size(uint32_t n);
  void set_encoding(uint32_t e);
  // Binary search: true and *pos = index if found, else false and *pos = insertion point.
  bool Search(int64_t v, uint32_t* pos) const;
  static Intset* Resize(Intset* is, uint32_t len, uint32_t enc);
  static Intset* UpgradeAndAdd(Intset* is, int64_t v);
};

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_INTSET_H_
