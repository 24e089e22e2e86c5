// Sorted sets: the two encodings Redis 7.0 uses and one handle over both.
//
//  - Listpack: ONE allocation of (member, score) pairs in (score, member) order, scores stored
//    as integers when exact (Redis's double2ll) and otherwise as d2string text. Used while the
//    set is small (zset-max-listpack-entries / -value); RDB stores the blob verbatim.
//  - ZSet: a Skiplist (order, ranks) plus a Dict indexing the same nodes by member (scores in
//    O(1)). The index chains through each node's spare pointer: no per-member allocation
//    beyond the skiplist node, and score updates never touch the index.
//
// ZObj is a non-owning handle on either, stored in KvEntry's pointer slot with the low bit set
// for a listpack (malloc alignment leaves it free), so a skiplist-encoded set costs no tag
// check beyond one bit test. Mutators may move a listpack or replace the encoding: callers
// store raw() back into the entry afterwards.
#ifndef SABLE_DATASTRUCTS_ZSET_H_
#define SABLE_DATASTRUCTS_ZSET_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "datastructs/dict.h"
#include "datastructs/hash.h"
#include "datastructs/listpack.h"
#include "datastructs/skiplist.h"

namespace sable {

// ---- parsing ------------------------------------------------------------------------------------

// zslParseRange: each bound is a C string (it ends at a NUL byte) read by strtod, optionally
// after "(" (exclusive). strtod's leniency stays (leading spaces, hex, "inf", the empty string
// as 0); trailing bytes and NaN are rejected.
bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* out);
// zslParseLexRange: "-", "+", "[x" or "(x". The range's views point into the arguments.
bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* out);

// Redis's double2ll: true (with *out) if v is integral and within +-(2^63-1)/2.
bool DoubleToInt64Exact(double v, int64_t* out);

// ---- skiplist encoding ------------------------------------------------------------------------

struct ZslNodeTraits {
  static ZslNode* Next(const ZslNode* n) { return n->hash_next(); }
  static void SetNext(ZslNode* n, ZslNode* next) { n->set_hash_next(next); }
  static std::string_view Key(const ZslNode* n) { return n->member(); }
};

class ZSet {
 public:
  // `seed` keys the member hash and must outlive the set.
  explicit ZSet(const HashSeed* seed) : seed_(seed), index_(seed) {}
  ~ZSet() = default;  // the index owns no nodes; the list frees them
  ZSet(const ZSet&) = delete;
  ZSet& operator=(const ZSet&) = delete;

  size_t size() const { return list_.size(); }
  const Skiplist& list() const { return list_; }
  Skiplist& list() { return list_; }

  ZslNode* Find(std::string_view member) { return index_.Find(member); }
  uint64_t Hash(std::string_view member) const { return index_.HashKey(member); }
  ZslNode* Find(std::string_view member, uint64_t hash) { return index_.Find(member, hash); }
  // REQUIRES: member absent (hash = Hash(member) when given).
  ZslNode* Insert(double score, std::string_view member);
  ZslNode* Insert(double score, std::string_view member, uint64_t hash);
  void UpdateScore(ZslNode* n, double score) { list_.UpdateScore(n, score); }
  bool Erase(std::string_view member);
  // Removes the element `n` (of this set).
  void EraseNode(ZslNode* n);

  // Range deletions (ranks 1-based inclusive); return the count removed.
  size_t DeleteRangeByScore(const ZScoreRange& r);
  size_t DeleteRangeByLex(const ZLexRange& r);
  size_t DeleteRangeByRank(uint64_t start, uint64_t end);

  // Bulk load of elements in (score, member) order, e.g. from a listpack: O(1) per element.
  // REQUIRES: each element sorts after the previous ones and is not yet present.
  using AppendCursor = Skiplist::AppendCursor;
  void BeginAppend(AppendCursor* c) const { list_.BeginAppend(c); }
  void Append(AppendCursor* c, double score, std::string_view member);

  ZslNode* RandomNode() { return index_.RandomNode(); }
  // One ZSCAN step over the index (Redis's reverse-binary cursor); fn(ZslNode*).
  template <class F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    return index_.Scan(cursor, std::forward<F>(fn));
  }
  // Gives the index back its memory once it is sparse (after deletions).
  void MaybeShrink() { index_.MaybeShrink(); }

  ZSet* Clone() const;
  // Bytes held (nodes sampled, index buckets counted).
  size_t MemoryUsage() const;

 private:
  const HashSeed* seed_;
  Skiplist list_;
  Dict<ZslNode, ZslNodeTraits> index_;
};

// ---- listpack encoding ------------------------------------------------------------------------

// The score stored at `sptr` (integer or d2string text, as Redis's zzlGetScore).
double ZlpScore(const uint8_t* sptr);
// Pairs in the listpack.
inline size_t ZlpLength(const uint8_t* lp) { return LpLength(lp) / 2; }
// Member at eptr compared with s (integers compare as their decimal text).
int ZlpCompare(const uint8_t* eptr, std::string_view s);
// The pair whose member is `member`: its member position (and *score), or nullptr.
uint8_t* ZlpFind(uint8_t* lp, std::string_view member, double* score);
// Inserts a pair in order. REQUIRES: member absent.
uint8_t* ZlpInsert(uint8_t* lp, std::string_view member, double score);
// Appends a pair at the end (bulk builds in order).
uint8_t* ZlpAppend(uint8_t* lp, std::string_view member, double score);
// Deletes the pair starting at eptr.
uint8_t* ZlpDelete(uint8_t* lp, uint8_t* eptr);
// Member position of the first/last pair in range (nullptr if none).
uint8_t* ZlpFirstInRange(uint8_t* lp, const ZScoreRange& r);
uint8_t* ZlpLastInRange(uint8_t* lp, const ZScoreRange& r);
uint8_t* ZlpFirstInLexRange(uint8_t* lp, const ZLexRange& r);
uint8_t* ZlpLastInLexRange(uint8_t* lp, const ZLexRange& r);
// Deletions; *deleted gets the count of pairs removed. Ranks 1-based inclusive.
uint8_t* ZlpDeleteRangeByScore(uint8_t* lp, const ZScoreRange& r, size_t* deleted);
uint8_t* ZlpDeleteRangeByLex(uint8_t* lp, const ZLexRange& r, size_t* deleted);
uint8_t* ZlpDeleteRangeByRank(uint8_t* lp, size_t start, size_t end, size_t* deleted);
// Validates a (member, score) listpack from outside (RDB/RESTORE): structure, an even count,
// parseable scores and, with `deep`, no duplicate members.
bool ZlpValidate(const uint8_t* lp, size_t size, bool deep);

// ---- the handle -------------------------------------------------------------------------------

struct ZsetLimits {
  size_t max_entries = 128;  // zset-max-listpack-entries
  size_t max_value = 64;     // zset-max-listpack-value
};

// zsetAdd's input flags and results.
enum ZAddIn : int { kZAddIncr = 1, kZAddNx = 2, kZAddXx = 4, kZAddGt = 8, kZAddLt = 16 };
enum ZAddOut : int { kZAddNan = 1, kZAddAdded = 2, kZAddUpdated = 4, kZAddNop = 8 };

class ZObj {
 public:
  explicit ZObj(void* raw) : raw_(raw) {}
  static ZObj NewListpack();
  static ZObj NewSkiplist();
  // The encoding ZADD starts a new key with (Redis: skiplist if entries == 0 or the first
  // member is longer than the value limit).
  static ZObj ForFirst(const ZsetLimits& limits, size_t first_member_len);
  // A listpack handle for an owned listpack blob.
  static ZObj FromListpack(uint8_t* lp) { return ZObj(Tag(lp)); }

  void* raw() const { return raw_; }
  bool is_listpack() const { return reinterpret_cast<uintptr_t>(raw_) & 1; }
  uint8_t* lp() const {
    return reinterpret_cast<uint8_t*>(reinterpret_cast<uintptr_t>(raw_) & ~uintptr_t{1});
  }
  ZSet* zs() const { return static_cast<ZSet*>(raw_); }

  size_t size() const { return is_listpack() ? ZlpLength(lp()) : zs()->size(); }
  bool Score(std::string_view member, double* score) const;
  // zsetAdd: returns false only for a NaN result (*out_flags has kZAddNan). May convert the
  // encoding to skiplist. *newscore gets the resulting score when something was done.
  bool Add(double score, std::string_view member, int in_flags, int* out_flags, double* newscore,
           const ZsetLimits& limits);
  bool Delete(std::string_view member);
  // 0-based rank (from the top if reverse), -1 if absent.
  int64_t Rank(std::string_view member, bool reverse) const;

  size_t DeleteRangeByScore(const ZScoreRange& r);
  size_t DeleteRangeByLex(const ZLexRange& r);
  // 0-based inclusive ranks. REQUIRES: 0 <= start <= end < size().
  size_t DeleteRangeByRank(size_t start, size_t end);

  void ConvertToSkiplist();
  void ConvertToListpack();
  // zsetConvertToListpackIfNeeded: a skiplist small enough (count, longest member, total bytes)
  // becomes a listpack.
  void ConvertToListpackIfNeeded(const ZsetLimits& limits, size_t maxelelen, size_t totelelen);

  ZObj Dup() const;
  void Free();
  const char* EncodingName() const { return is_listpack() ? "listpack" : "skiplist"; }
  size_t MemoryUsage() const;

  static void* Tag(uint8_t* lp) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(lp) | 1);
  }

 private:
  void set_lp(uint8_t* lp) { raw_ = Tag(lp); }
  void* raw_;
};

// The process-wide key of member hashes (a keyed hash, random per process).
const HashSeed* ZsetSeed();

// An iterator over either encoding, forward or backward, yielding (member, score).
// Member views stay valid until the next Next(); integers are formatted into the iterator.
// The set must not be modified while iterating.
class ZIter {
 public:
  // `limit` is how many elements the caller may read at most: reverse walks over a skiplist
  // go forward in chunks, and the hint keeps a short read from loading a long chunk.
  // At 0-based rank `start` counted from the low end (forward) or from the high end (reverse).
  // REQUIRES: start < size.
  static ZIter AtRank(ZObj z, size_t start, bool reverse, size_t limit = SIZE_MAX);
  // At the first element in range (reverse: the last); invalid if none.
  static ZIter InScoreRange(ZObj z, const ZScoreRange& r, bool reverse, size_t limit = SIZE_MAX);
  static ZIter InLexRange(ZObj z, const ZLexRange& r, bool reverse, size_t limit = SIZE_MAX);
  // Whole set, in order.
  static ZIter Begin(ZObj z) { return AtRank(z, 0, false); }

  bool Valid() const { return valid_; }
  void Next();
  std::string_view Member();
  double Score() const;
  // For listpack-encoded sets: the member is an integer (then IntMember()).
  bool MemberIsInt() const { return lp_ != nullptr && cur_val_.is_int(); }
  int64_t IntMember() const { return cur_val_.ival; }

 private:
  ZIter() = default;
  void LoadLp();
  void RefillReverse();

  bool valid_ = false;
  bool reverse_ = false;
  // Listpack.
  uint8_t* lp_ = nullptr;
  uint8_t* eptr_ = nullptr;
  uint8_t* sptr_ = nullptr;
  LpValue cur_val_;
  char buf_[kLpIntBufSize];
  // Skiplist.
  const Skiplist* list_ = nullptr;
  ZslNode* node_ = nullptr;
  uint64_t rank_ = 0;        // reverse: 1-based rank of the last node not yet loaded (0: none left)
  size_t limit_ = SIZE_MAX;  // reverse: elements the caller may still read
  static constexpr int kChunk = 32;
  uint64_t next_chunk_ = 8;
  ZslNode* chunk_[kChunk];
  int chunk_pos_ = 0;  // reverse: index of the current node in chunk_ (counts down)
};

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_ZSET_H_
