// Skiplist: the ordered half of a large sorted set. Elements are (score, member) pairs kept in
// (score, member-bytes) order; every level link carries a span (elements skipped), so rank
// queries and rank lookups are O(log n) as in Redis's zskiplist.
//
// Built for memory: ONE allocation per element holds its tower, score and member bytes, and a
// spare pointer that the member index (a Dict, see zset.h) chains through, so the index costs no
// allocation of its own. There is no backward pointer: reverse walks go by rank in chunks
// (ForEachReverse), and the level-0 span (always 1) is not stored.
//
//   allocation: [level h-1] ... [level 1]   16 bytes each, below `this`: fwd, span, fscore
//   this ->     fwd0 (8) | score (8) | meta (8) | member bytes
// `meta` packs the index's chain link (low 48 bits: user-space addresses fit), the height
// (5 bits) and the member length (11 bits; 2047 means "a uint64 length precedes the bytes").
// A member of up to 24 bytes takes 48 bytes at height 1 (a jemalloc class), 64 at height 2,
// 80 at height 3: with the index's bucket array, 57-74 bytes per member for 7-24 byte members
// (Redis 7.0: 108-133).
//
// Built for speed: a search is a chain of cache misses, one per node visited. Each upper link
// also holds its target's score rounded to float (monotonic, so a strict float comparison
// decides the double one), and a search decides most steps without touching the next node;
// only float ties (equal scores, or doubles closer than float precision) look at it. A score
// update searches the old and the new place at once, interleaved, so their misses overlap.
//
// Heights are drawn with p = 1/2 (Redis: 1/4), capped at kZslMaxLevel: a search then visits
// fewer nodes below the levels that stay in cache (measured ~15-20% faster on a 1M-member set
// than p = 1/4) for 16 bytes more per node on average. Spans are 32-bit: a list holds fewer
// than 2^32 elements. Not thread-safe.
#ifndef SABLE_DATASTRUCTS_SKIPLIST_H_
#define SABLE_DATASTRUCTS_SKIPLIST_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace sable {

inline constexpr int kZslMaxLevel = 32;

// A score interval as ZRANGEBYSCORE takes it ("(" makes a bound exclusive).
struct ZScoreRange {
  double min = 0, max = 0;
  bool minex = false, maxex = false;
};

// A lexicographic bound: "-" (below everything), "+" (above everything), or "[x" / "(x".
struct ZLexBound {
  enum Kind : uint8_t { kNegInf, kPosInf, kValue };
  Kind kind = kNegInf;
  bool ex = false;
  std::string_view s;  // kValue only; the caller keeps the bytes alive
};

struct ZLexRange {
  ZLexBound min, max;
};

// Redis's member order (sdscmp): bytes compared as unsigned, a prefix sorts first.
inline int CompareMembers(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  int c = n ? std::memcmp(a.data(), b.data(), n) : 0;
  if (c != 0) return c;
  return a.size() < b.size() ? -1 : (a.size() > b.size() ? 1 : 0);
}

inline bool ScoreGteMin(double v, const ZScoreRange& r) { return r.minex ? v > r.min : v >= r.min; }
inline bool ScoreLteMax(double v, const ZScoreRange& r) { return r.maxex ? v < r.max : v <= r.max; }
// True if no score can be in the range (min > max, or an empty interval at one point).
inline bool ScoreRangeEmpty(const ZScoreRange& r) {
  return r.min > r.max || (r.min == r.max && (r.minex || r.maxex));
}

// Compares a member with a bound, treating "-" and "+" as minus/plus infinity.
inline int CompareLex(std::string_view v, const ZLexBound& b) {
  if (b.kind == ZLexBound::kNegInf) return 1;
  if (b.kind == ZLexBound::kPosInf) return -1;
  return CompareMembers(v, b.s);
}
inline bool LexGteMin(std::string_view v, const ZLexRange& r) {
  int c = CompareLex(v, r.min);
  return r.min.ex ? c > 0 : c >= 0;
}
inline bool LexLteMax(std::string_view v, const ZLexRange& r) {
  int c = CompareLex(v, r.max);
  return r.max.ex ? c < 0 : c <= 0;
}
// True if no member can be in the range.
bool LexRangeEmpty(const ZLexRange& r);

class ZslNode {
 public:
  ZslNode* next() const { return fwd0_; }
  double score() const { return score_; }
  int height() const { return static_cast<int>((meta_ >> kHeightShift) & 31) + 1; }
  std::string_view member() const {
    const char* p = reinterpret_cast<const char*>(this) + kFixedBytes;
    const uint64_t len = meta_ >> kLenShift;
    if (len != kLongLen) return {p, len};
    uint64_t n;
    std::memcpy(&n, p, sizeof(n));
    return {p + sizeof(n), n};
  }
  // The member index's chain link (the skiplist never reads it).
  ZslNode* hash_next() const { return reinterpret_cast<ZslNode*>(meta_ & kPtrMask); }
  void set_hash_next(ZslNode* n) {
    meta_ = (meta_ & ~kPtrMask) | reinterpret_cast<uintptr_t>(n);
  }

  // Bytes requested from the allocator for a node of this height and member length.
  static size_t AllocBytes(int height, size_t member_len);
  // Start of this node's allocation (for malloc_usable_size).
  const void* alloc_start() const {
    return reinterpret_cast<const char*>(this) - kLevelBytes * (height() - 1);
  }

 private:
  friend class Skiplist;
  struct Level {
    ZslNode* fwd;
    uint32_t span;
    float fscore;  // (float) fwd->score(), when fwd is set
  };
  static constexpr size_t kLevelBytes = sizeof(Level);
  static constexpr size_t kFixedBytes = 24;
  static constexpr uint64_t kPtrMask = (uint64_t{1} << 48) - 1;
  static constexpr int kHeightShift = 48;
  static constexpr int kLenShift = 53;
  static constexpr uint64_t kLongLen = 2047;

  // Creates a node of `height` holding score and member; links are left uninitialised.
  static ZslNode* New(int height, double score, std::string_view member);
  static void Free(ZslNode* n);

  // REQUIRES: 1 <= i < height().
  Level* up(int i) {
    return reinterpret_cast<Level*>(reinterpret_cast<char*>(this) - kLevelBytes * i);
  }
  const Level* up(int i) const {
    return reinterpret_cast<const Level*>(reinterpret_cast<const char*>(this) - kLevelBytes * i);
  }
  ZslNode* fwd(int i) const { return i == 0 ? fwd0_ : up(i)->fwd; }
  void set_fwd(int i, ZslNode* n) {
    if (i == 0) {
      fwd0_ = n;
    } else {
      up(i)->fwd = n;
    }
  }
  uint64_t span(int i) const { return i == 0 ? 1 : up(i)->span; }

  ZslNode() = default;
  ZslNode* fwd0_;
  double score_;
  uint64_t meta_;  // hash link | height - 1 << 48 | member length << 53
  // The member bytes follow (after a uint64 length when it is kLongLen or more).
};

class Skiplist {
 public:
  Skiplist();
  ~Skiplist();  // frees every node
  Skiplist(const Skiplist&) = delete;
  Skiplist& operator=(const Skiplist&) = delete;

  size_t size() const { return length_; }
  int level() const { return level_; }
  ZslNode* first() const { return header_->fwd0_; }
  ZslNode* last() const { return tail_; }

  // Creates and links a node. REQUIRES: no element with this member (the caller's index says).
  ZslNode* Insert(double score, std::string_view member);
  // Unlinks the element (score, member) and frees it; false if absent.
  bool Delete(double score, std::string_view member);
  // Unlinks `n` without freeing it (the caller unindexes it, then calls FreeNode).
  void Unlink(ZslNode* n);
  static void FreeNode(ZslNode* n) { ZslNode::Free(n); }
  // Moves `n` to its place for `score`; the node (and so any index entry) stays the same.
  void UpdateScore(ZslNode* n, double score);

  // 1-based rank of `n` (an element of this list).
  uint64_t Rank(const ZslNode* n) const;
  // Element at 1-based rank, nullptr if out of range.
  ZslNode* ByRank(uint64_t rank) const;

  // First/last element within the range, nullptr if none; *rank (if given) gets its 1-based rank.
  ZslNode* FirstInRange(const ZScoreRange& r, uint64_t* rank = nullptr) const;
  ZslNode* LastInRange(const ZScoreRange& r, uint64_t* rank = nullptr) const;
  ZslNode* FirstInLexRange(const ZLexRange& r, uint64_t* rank = nullptr) const;
  ZslNode* LastInLexRange(const ZLexRange& r, uint64_t* rank = nullptr) const;

  // Range deletions: every removed node is unlinked and handed to on_remove(ZslNode*), which
  // must release it (FreeNode) after unindexing it. Return the number removed.
  template <class F>
  size_t DeleteRangeByScore(const ZScoreRange& r, F&& on_remove);
  template <class F>
  size_t DeleteRangeByLex(const ZLexRange& r, F&& on_remove);
  // Ranks are 1-based and inclusive. REQUIRES: 1 <= start <= end.
  template <class F>
  size_t DeleteRangeByRank(uint64_t start, uint64_t end, F&& on_remove);
  // Unlinks every node, handing each to on_remove (which frees it); the list is then empty.
  template <class F>
  void Clear(F&& on_remove);

  // Visits `count` elements in descending order starting at 1-based rank `rank` (so ranks
  // rank, rank-1, ...): fn(ZslNode*) returns false to stop. Walks forward in chunks, one rank
  // lookup per chunk. REQUIRES: count <= rank <= size(). fn must not modify the list.
  template <class F>
  void ForEachReverse(uint64_t rank, uint64_t count, F&& fn) const;

  // Appending in order (bulk loads of sorted data): O(height) per element, no search. The
  // cursor (the last node of each level and its rank) lives on the caller's stack.
  // REQUIRES: (score, member) sorts after every element already present, and the list is
  // not otherwise modified between BeginAppend and the last Append.
  struct AppendCursor {
    ZslNode* last[kZslMaxLevel];
    uint64_t rank[kZslMaxLevel];
  };
  void BeginAppend(AppendCursor* c) const;
  ZslNode* Append(AppendCursor* c, double score, std::string_view member);

  // Random height for a new node (exposed for tests).
  int RandomLevel();

  // Checks every invariant (order, spans, tail, length, level); for tests.
  bool Verify() const;

 private:
  struct Path {
    ZslNode* update[kZslMaxLevel];
    uint64_t rank[kZslMaxLevel];
  };
  // A search in progress: at node x (rank `rank`) on level i.
  struct Walker {
    ZslNode* x;
    uint64_t rank;
    int i;
    double score;
    float ft;
    std::string_view member;
    Path* path;
  };
  // One move along w.i or one drop to the level below; false once w.path is complete.
  static inline bool Step(Walker& w);
  // Fills path with the last node before (score, member) at each level, and its rank.
  void FindPath(double score, std::string_view member, Path* path) const;
  // Two searches interleaved step by step (their memory accesses overlap).
  void FindTwoPaths(double score_a, std::string_view member_a, Path* a, double score_b,
                    std::string_view member_b, Path* b) const;
  void LinkAt(ZslNode* x, Path* path);
  void UnlinkAt(ZslNode* x, ZslNode** update);
  // Predecessors of the first node with score >= min (exclusive: > min) / member >= min.
  void PathToScore(const ZScoreRange& r, ZslNode** update) const;
  void PathToLex(const ZLexRange& r, ZslNode** update) const;

  ZslNode* header_;
  ZslNode* tail_ = nullptr;
  uint64_t length_ = 0;
  int level_ = 1;
  uint64_t rng_;
};

// ---- templates --------------------------------------------------------------------------------

template <class F>
size_t Skiplist::DeleteRangeByScore(const ZScoreRange& r, F&& on_remove) {
  ZslNode* update[kZslMaxLevel];
  PathToScore(r, update);
  size_t removed = 0;
  ZslNode* x = update[0]->fwd0_;
  while (x != nullptr && ScoreLteMax(x->score_, r)) {
    ZslNode* next = x->fwd0_;
    UnlinkAt(x, update);
    on_remove(x);
    ++removed;
    x = next;
  }
  return removed;
}

template <class F>
size_t Skiplist::DeleteRangeByLex(const ZLexRange& r, F&& on_remove) {
  ZslNode* update[kZslMaxLevel];
  PathToLex(r, update);
  size_t removed = 0;
  ZslNode* x = update[0]->fwd0_;
  while (x != nullptr && LexLteMax(x->member(), r)) {
    ZslNode* next = x->fwd0_;
    UnlinkAt(x, update);
    on_remove(x);
    ++removed;
    x = next;
  }
  return removed;
}

template <class F>
size_t Skiplist::DeleteRangeByRank(uint64_t start, uint64_t end, F&& on_remove) {
  ZslNode* update[kZslMaxLevel];
  uint64_t traversed = 0;
  ZslNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && traversed + x->span(i) < start) {
      traversed += x->span(i);
      x = y;
    }
    update[i] = x;
  }
  ++traversed;
  x = x->fwd0_;
  size_t removed = 0;
  while (x != nullptr && traversed <= end) {
    ZslNode* next = x->fwd0_;
    UnlinkAt(x, update);
    on_remove(x);
    ++removed;
    ++traversed;
    x = next;
  }
  return removed;
}

template <class F>
void Skiplist::Clear(F&& on_remove) {
  ZslNode* x = header_->fwd0_;
  while (x != nullptr) {
    ZslNode* next = x->fwd0_;
    on_remove(x);
    x = next;
  }
  for (int i = 0; i < kZslMaxLevel; ++i) {
    header_->set_fwd(i, nullptr);
    if (i > 0) header_->up(i)->span = 0;
  }
  tail_ = nullptr;
  length_ = 0;
  level_ = 1;
}

template <class F>
void Skiplist::ForEachReverse(uint64_t rank, uint64_t count, F&& fn) const {
  constexpr uint64_t kChunk = 64;
  ZslNode* buf[kChunk];
  while (count > 0) {
    uint64_t n = count < kChunk ? count : kChunk;
    uint64_t lo = rank - n + 1;
    ZslNode* x = ByRank(lo);
    for (uint64_t i = 0; i < n; ++i, x = x->fwd0_) buf[i] = x;
    for (uint64_t i = n; i-- > 0;)
      if (!fn(buf[i])) return;
    rank -= n;
    count -= n;
  }
}

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_SKIPLIST_H_
