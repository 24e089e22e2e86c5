// Listpack: a sequence of strings and integers serialized in ONE allocation, byte-compatible
// with Redis 7.0's listpack (RDB stores listpacks verbatim, so the format is the contract).
//
//   <total-bytes: uint32 LE> <count: uint16 LE, 65535 = "count by walking"> <entry>* <0xFF>
//   entry = <encoding [+ data]> <backlen>
//   encoding: 0xxxxxxx 7-bit uint | 10llllll 6-bit-length string | 110xxxxx x 13-bit int |
//             1110llll l 12-bit-length string | F0 + 4-byte length string |
//             F1/F2/F3/F4 16/24/32/64-bit int (little endian, two's complement)
//   backlen: the size of encoding+data in 1-5 bytes, 7 bits per byte, readable right to left
//            (the rightmost byte holds the low bits; bit 7 set = more bytes to the left).
//
// A string that is a canonical int64 ("12", "-7", not "007" or "+1") is stored as an integer;
// reading it back gives the same text, so the encoding is invisible to callers.
//
// Positions are `uint8_t*` into the listpack. Every function that may grow or shrink it
// returns the (possibly moved) listpack: positions taken before such a call are invalid after
// it unless the function hands back an updated one. Out of memory aborts.
// The API is generic: lists, hashes (field/value pairs) and sorted sets (member/score) use it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace sable {

inline constexpr size_t kLpHeaderSize = 6;
// Callers keep listpacks below this size (Redis's LISTPACK_MAX_SAFETY_SIZE); a listpack can
// technically reach 4 GB, but growing one that big is never a good idea.
inline constexpr size_t kLpSafetySize = size_t{1} << 30;
// Longest formatted integer plus a NUL (scratch buffers for LpValue::View).
inline constexpr size_t kLpIntBufSize = 21;

// One element as stored: a view of string bytes inside the listpack, or an integer.
struct LpValue {
  const char* str = nullptr;  // nullptr: the element is the integer `ival`
  size_t len = 0;
  int64_t ival = 0;

  bool is_int() const { return str == nullptr; }
  // The element as text; integers are formatted into `scratch` (>= kLpIntBufSize bytes).
  std::string_view View(char* scratch) const;
};

// Creates an empty listpack, reserving `capacity` bytes (at least the 7 of an empty one).
uint8_t* LpNew(size_t capacity = 0);
void LpFree(uint8_t* lp);
uint8_t* LpDup(const uint8_t* lp);
// Returns the allocation trimmed to LpBytes (after building with a generous capacity).
uint8_t* LpShrinkToFit(uint8_t* lp);

// Total bytes, header and terminator included.
size_t LpBytes(const uint8_t* lp);
// Number of elements; O(1) unless the list holds 65535 or more (then a walk).
size_t LpLength(const uint8_t* lp);

// Encoded size (encoding + data + backlen) an element would take: for capacity checks.
size_t LpEntrySize(std::string_view s);
size_t LpEntrySizeInt(int64_t v);
// Bytes taken by the element at `p` (encoding + data + backlen).
size_t LpEntrySizeAt(const uint8_t* p);

// Navigation: nullptr when there is no such element.
uint8_t* LpFirst(uint8_t* lp);
uint8_t* LpLast(uint8_t* lp);
uint8_t* LpNext(uint8_t* lp, uint8_t* p);
uint8_t* LpPrev(uint8_t* lp, uint8_t* p);
// Element at `index` (negative counts from the end, -1 = last), walking from the nearer end.
uint8_t* LpSeek(uint8_t* lp, long index);
// The end marker: inserting "before" it appends.
uint8_t* LpEnd(uint8_t* lp);

LpValue LpGet(const uint8_t* p);
// True if the element at `p` equals `s` byte for byte (as text).
bool LpEqual(const uint8_t* p, std::string_view s);

// A string prepared once for many comparisons (LREM, LPOS, hash field lookups): integers are
// compared as integers, strings with memcmp, and elements of the other kind are skipped
// without decoding.
class LpMatcher {
 public:
  explicit LpMatcher(std::string_view s);
  bool Matches(const uint8_t* p) const;

 private:
  std::string_view s_;
  int64_t v_ = 0;
  bool is_int_ = false;
};

// Starting at `p`, compares every (skip+1)-th element with `s` (skip = 1 looks only at the
// keys of key/value pairs). Returns the matching position or nullptr.
uint8_t* LpFind(uint8_t* lp, uint8_t* p, std::string_view s, unsigned skip = 0);

enum class LpWhere { kBefore, kAfter };

// Inserts `s` before/after the element at `p` (`p` may be LpEnd for kBefore = append).
// If `newp` is given it receives the position of the inserted element.
uint8_t* LpInsert(uint8_t* lp, uint8_t* p, LpWhere where, std::string_view s,
                  uint8_t** newp = nullptr);
uint8_t* LpInsertInt(uint8_t* lp, uint8_t* p, LpWhere where, int64_t v, uint8_t** newp = nullptr);
uint8_t* LpAppend(uint8_t* lp, std::string_view s);
uint8_t* LpPrepend(uint8_t* lp, std::string_view s);
uint8_t* LpAppendInt(uint8_t* lp, int64_t v);
uint8_t* LpPrependInt(uint8_t* lp, int64_t v);
// Appends (in order) / prepends (each one before the previous: LPUSH order) many elements with
// one reallocation.
uint8_t* LpAppendMany(uint8_t* lp, std::span<const std::string_view> items);
uint8_t* LpPrependMany(uint8_t* lp, std::span<const std::string_view> items);
// Inserts before the element at `index` (index == length appends; negative from the end).
// REQUIRES: -length <= index <= length.
uint8_t* LpInsertAt(uint8_t* lp, long index, std::string_view s);

// Replaces the element at *p; *p is updated to the new element.
uint8_t* LpReplace(uint8_t* lp, uint8_t** p, std::string_view s);
uint8_t* LpReplaceInt(uint8_t* lp, uint8_t** p, int64_t v);

// Deletes the element at `p`; *next (if given) gets the element that followed, or nullptr.
uint8_t* LpDelete(uint8_t* lp, uint8_t* p, uint8_t** next = nullptr);
// Deletes up to `num` elements starting at *p; *p becomes the element after them (or nullptr).
uint8_t* LpDeleteRangeAt(uint8_t* lp, uint8_t** p, size_t num);
// Deletes up to `num` elements starting at `index` (negative from the end).
uint8_t* LpDeleteRange(uint8_t* lp, long index, size_t num);

// Appends all elements of `src` to `dst` (one memcpy: entries are position independent).
// `src` is left untouched; the caller frees it.
uint8_t* LpMerge(uint8_t* dst, const uint8_t* src);
// A new listpack holding `num` elements starting at `p` (a copy; `lp` is not modified).
uint8_t* LpSlice(uint8_t* lp, uint8_t* p, size_t num);

// Validates a listpack of `size` bytes coming from outside (RDB, RESTORE): header, terminator
// and, if `deep`, every entry's bounds, backlen and the element count.
bool LpValidate(const uint8_t* lp, size_t size, bool deep);

// Converts a ziplist (the RDB encoding of small lists, hashes and sorted sets before Redis 7.0)
// into a listpack holding the same elements; nullptr if the ziplist is malformed (validated as
// ZiplistDecode does).
uint8_t* LpFromZiplist(const uint8_t* zl, size_t size);

}  // namespace sable
