#include "datastructs/skiplist.h"

#include <bit>
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace sable {

namespace {

// The member's order key: score first, then the member bytes.
inline bool Before(const ZslNode* x, double score, std::string_view member) {
  return x->score() < score || (x->score() == score && CompareMembers(x->member(), member) < 0);
}

inline float ToFloat(double v) { return static_cast<float>(v); }

}  // namespace

bool LexRangeEmpty(const ZLexRange& r) {
  using K = ZLexBound;
  // "+" as a minimum or "-" as a maximum leaves nothing; "-" ... "+" is everything.
  if (r.min.kind == K::kPosInf || r.max.kind == K::kNegInf) return true;
  if (r.min.kind == K::kNegInf || r.max.kind == K::kPosInf) return false;
  int c = CompareMembers(r.min.s, r.max.s);
  return c > 0 || (c == 0 && (r.min.ex || r.max.ex));
}

// ---- nodes ------------------------------------------------------------------------------------

size_t ZslNode::AllocBytes(int height, size_t member_len) {
  return kLevelBytes * (height - 1) + kFixedBytes + (member_len >= kLongLen ? 8 : 0) +
         member_len;
}

ZslNode* ZslNode::New(int height, double score, std::string_view member) {
  size_t bytes = AllocBytes(height, member.size());
  char* mem = static_cast<char*>(std::malloc(bytes));
  if (mem == nullptr) {
    std::fprintf(stderr, "Skiplist: out of memory allocating %zu bytes\n", bytes);
    std::abort();
  }
  auto* n = reinterpret_cast<ZslNode*>(mem + kLevelBytes * (height - 1));
  // The chain link shares its word with the height and length: nodes must live below 2^48.
  if (reinterpret_cast<uintptr_t>(n) & ~kPtrMask) {
    std::fprintf(stderr, "Skiplist: node address %p is above 2^48\n", static_cast<void*>(n));
    std::abort();
  }
  n->score_ = score;
  const uint64_t len = member.size() >= kLongLen ? kLongLen : member.size();
  n->meta_ = (static_cast<uint64_t>(height - 1) << kHeightShift) | (len << kLenShift);
  char* p = reinterpret_cast<char*>(n) + kFixedBytes;
  if (len == kLongLen) {
    const uint64_t full = member.size();
    std::memcpy(p, &full, sizeof(full));
    p += sizeof(full);
  }
  if (!member.empty()) std::memcpy(p, member.data(), member.size());
  return n;
}

void ZslNode::Free(ZslNode* n) { std::free(const_cast<void*>(n->alloc_start())); }

// ---- list -------------------------------------------------------------------------------------

Skiplist::Skiplist() {
  header_ = ZslNode::New(kZslMaxLevel, 0, {});
  for (int i = 0; i < kZslMaxLevel; ++i) {
    header_->set_fwd(i, nullptr);
    if (i > 0) header_->up(i)->span = 0;
  }
  auto seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  rng_ = (seed ^ reinterpret_cast<uintptr_t>(this)) | 1;
}

Skiplist::~Skiplist() {
  ZslNode* x = header_->fwd0_;
  while (x != nullptr) {
    ZslNode* next = x->fwd0_;
    ZslNode::Free(x);
    x = next;
  }
  ZslNode::Free(header_);
}

int Skiplist::RandomLevel() {
  // xorshift64*; each zero low bit is one more level: P(level > k) = 2^-k.
  rng_ ^= rng_ >> 12;
  rng_ ^= rng_ << 25;
  rng_ ^= rng_ >> 27;
  uint64_t r = rng_ * 0x2545f4914f6cdd1dULL;
  int level = 1 + std::countr_zero(r | (uint64_t{1} << (kZslMaxLevel - 1)));
  return level;
}

inline bool Skiplist::Step(Walker& w) {
  if (w.i > 0) {
    const ZslNode::Level* l = w.x->up(w.i);
    ZslNode* y = l->fwd;
    // The cached float decides unless it ties; only then is the next node itself read.
    if (y != nullptr && (l->fscore < w.ft || (l->fscore == w.ft && Before(y, w.score, w.member)))) {
      w.rank += l->span;
      w.x = y;
      // The next step reads y's link at this level: ask for it now, so that the other
      // walker's step runs while it arrives (a prefetch does not hold up the pipeline).
      __builtin_prefetch(y->up(w.i));
      return true;
    }
    w.path->update[w.i] = w.x;
    w.path->rank[w.i] = w.rank;
    --w.i;
    return true;
  }
  ZslNode* y = w.x->fwd0_;
  if (y != nullptr && Before(y, w.score, w.member)) {
    ++w.rank;
    w.x = y;
    __builtin_prefetch(y->fwd0_);
    return true;
  }
  w.path->update[0] = w.x;
  w.path->rank[0] = w.rank;
  return false;
}

void Skiplist::FindPath(double score, std::string_view member, Path* path) const {
  Walker w{header_, 0, level_ - 1, score, ToFloat(score), member, path};
  while (Step(w)) {
  }
}

void Skiplist::FindTwoPaths(double score_a, std::string_view member_a, Path* a, double score_b,
                            std::string_view member_b, Path* b) const {
  // Two independent pointer chases, one step each in turn: the processor overlaps their cache
  // misses, so two searches cost little more than one.
  Walker wa{header_, 0, level_ - 1, score_a, ToFloat(score_a), member_a, a};
  Walker wb{header_, 0, level_ - 1, score_b, ToFloat(score_b), member_b, b};
  bool ra = true, rb = true;
  while (ra && rb) {
    ra = Step(wa);
    rb = Step(wb);
  }
  while (ra) ra = Step(wa);
  while (rb) rb = Step(wb);
}

void Skiplist::LinkAt(ZslNode* x, Path* path) {
  int h = x->height();
  if (h > level_) {
    for (int i = level_; i < h; ++i) {
      path->rank[i] = 0;
      path->update[i] = header_;
      header_->up(i)->span = static_cast<uint32_t>(length_);
    }
    level_ = h;
  }
  const uint64_t rank0 = path->rank[0];
  const float fx = ToFloat(x->score_);
  x->fwd0_ = path->update[0]->fwd0_;
  path->update[0]->fwd0_ = x;
  for (int i = 1; i < h; ++i) {
    ZslNode::Level* ul = path->update[i]->up(i);
    ZslNode::Level* xl = x->up(i);
    xl->fwd = ul->fwd;
    xl->fscore = ul->fscore;
    ul->fwd = x;
    ul->fscore = fx;
    uint64_t d = rank0 - path->rank[i];
    xl->span = static_cast<uint32_t>(ul->span - d);
    ul->span = static_cast<uint32_t>(d + 1);
  }
  for (int i = h; i < level_; ++i) ++path->update[i]->up(i)->span;
  if (x->fwd0_ == nullptr) tail_ = x;
  ++length_;
}

void Skiplist::UnlinkAt(ZslNode* x, ZslNode** update) {
  if (update[0]->fwd0_ == x) update[0]->fwd0_ = x->fwd0_;
  for (int i = 1; i < level_; ++i) {
    ZslNode::Level* ul = update[i]->up(i);
    if (ul->fwd == x) {
      const ZslNode::Level* xl = x->up(i);
      ul->span += xl->span - 1;
      ul->fwd = xl->fwd;
      ul->fscore = xl->fscore;
    } else {
      --ul->span;
    }
  }
  if (x->fwd0_ == nullptr) tail_ = update[0] == header_ ? nullptr : update[0];
  while (level_ > 1 && header_->up(level_ - 1)->fwd == nullptr) {
    header_->up(level_ - 1)->span = 0;
    --level_;
  }
  --length_;
}

ZslNode* Skiplist::Insert(double score, std::string_view member) {
  Path path;
  FindPath(score, member, &path);
  ZslNode* x = ZslNode::New(RandomLevel(), score, member);
  LinkAt(x, &path);
  return x;
}

bool Skiplist::Delete(double score, std::string_view member) {
  Path path;
  FindPath(score, member, &path);
  ZslNode* x = path.update[0]->fwd0_;
  if (x == nullptr || x->score_ != score || x->member() != member) return false;
  UnlinkAt(x, path.update);
  ZslNode::Free(x);
  return true;
}

void Skiplist::Unlink(ZslNode* n) {
  Path path;
  FindPath(n->score_, n->member(), &path);
  UnlinkAt(n, path.update);
}

void Skiplist::UpdateScore(ZslNode* n, double score) {
  // The path to the node and the path to its new place, searched together.
  Path from, to;
  FindTwoPaths(n->score_, n->member(), &from, score, n->member(), &to);
  // The new place is next to the node (its predecessor would be the node itself or the node's
  // predecessor): it stays, only the score changes, and the links into it get the new cached
  // score.
  if (to.update[0] == n || to.update[0] == from.update[0]) {
    n->score_ = score;
    const float f = ToFloat(score);
    for (int i = 1; i < n->height() && i < level_; ++i) from.update[i]->up(i)->fscore = f;
    return;
  }
  // `to` was found with n still linked: where n is a predecessor, its own predecessor takes
  // its place, and nodes after it move up one rank.
  const uint64_t n_rank = from.rank[0] + 1;
  const int old_level = level_;
  UnlinkAt(n, from.update);
  for (int i = 0; i < old_level; ++i) {
    if (to.update[i] == n) {
      to.update[i] = from.update[i];
      to.rank[i] = from.rank[i];
    } else if (to.rank[i] > n_rank) {
      --to.rank[i];
    }
  }
  n->score_ = score;
  LinkAt(n, &to);
}

uint64_t Skiplist::Rank(const ZslNode* n) const {
  const double score = n->score_;
  const float ft = ToFloat(score);
  const std::string_view member = n->member();
  const ZslNode* x = header_;
  uint64_t rank = 0;
  for (int i = level_ - 1; i >= 1; --i) {
    while (true) {
      const ZslNode::Level* l = x->up(i);
      const ZslNode* y = l->fwd;
      if (y == nullptr) break;
      if (y != n && (l->fscore > ft || (l->fscore == ft && !Before(y, score, member)))) break;
      rank += l->span;
      if (y == n) return rank;
      __builtin_prefetch(y);
      x = y;
    }
  }
  const ZslNode* y;
  while ((y = x->fwd0_) != nullptr) {
    ++rank;
    if (y == n) return rank;
    if (!Before(y, score, member)) break;
    x = y;
  }
  return 0;
}

ZslNode* Skiplist::ByRank(uint64_t rank) const {
  if (rank == 0 || rank > length_) return nullptr;
  ZslNode* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && traversed + x->span(i) <= rank) {
      traversed += x->span(i);
      x = y;
    }
    if (traversed == rank) return x;
  }
  return nullptr;
}

void Skiplist::PathToScore(const ZScoreRange& r, ZslNode** update) const {
  ZslNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && !ScoreGteMin(y->score_, r)) x = y;
    update[i] = x;
  }
}

void Skiplist::PathToLex(const ZLexRange& r, ZslNode** update) const {
  ZslNode* x = header_;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && !LexGteMin(y->member(), r)) x = y;
    update[i] = x;
  }
}

ZslNode* Skiplist::FirstInRange(const ZScoreRange& r, uint64_t* rank) const {
  if (ScoreRangeEmpty(r) || tail_ == nullptr || !ScoreGteMin(tail_->score_, r) ||
      !ScoreLteMax(header_->fwd0_->score_, r))
    return nullptr;
  ZslNode* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && !ScoreGteMin(y->score_, r)) {
      traversed += x->span(i);
      x = y;
    }
  }
  x = x->fwd0_;  // not null: the tail is >= min
  if (x == nullptr || !ScoreLteMax(x->score_, r)) return nullptr;
  if (rank) *rank = traversed + 1;
  return x;
}

ZslNode* Skiplist::LastInRange(const ZScoreRange& r, uint64_t* rank) const {
  if (ScoreRangeEmpty(r) || tail_ == nullptr || !ScoreGteMin(tail_->score_, r) ||
      !ScoreLteMax(header_->fwd0_->score_, r))
    return nullptr;
  ZslNode* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && ScoreLteMax(y->score_, r)) {
      traversed += x->span(i);
      x = y;
    }
  }
  // x is not the header: the first element is <= max.
  if (!ScoreGteMin(x->score_, r)) return nullptr;
  if (rank) *rank = traversed;
  return x;
}

ZslNode* Skiplist::FirstInLexRange(const ZLexRange& r, uint64_t* rank) const {
  if (LexRangeEmpty(r) || tail_ == nullptr || !LexGteMin(tail_->member(), r) ||
      !LexLteMax(header_->fwd0_->member(), r))
    return nullptr;
  ZslNode* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && !LexGteMin(y->member(), r)) {
      traversed += x->span(i);
      x = y;
    }
  }
  x = x->fwd0_;
  if (x == nullptr || !LexLteMax(x->member(), r)) return nullptr;
  if (rank) *rank = traversed + 1;
  return x;
}

ZslNode* Skiplist::LastInLexRange(const ZLexRange& r, uint64_t* rank) const {
  if (LexRangeEmpty(r) || tail_ == nullptr || !LexGteMin(tail_->member(), r) ||
      !LexLteMax(header_->fwd0_->member(), r))
    return nullptr;
  ZslNode* x = header_;
  uint64_t traversed = 0;
  for (int i = level_ - 1; i >= 0; --i) {
    ZslNode* y;
    while ((y = x->fwd(i)) != nullptr && LexLteMax(y->member(), r)) {
      traversed += x->span(i);
      x = y;
    }
  }
  if (x == header_ || !LexGteMin(x->member(), r)) return nullptr;
  if (rank) *rank = traversed;
  return x;
}

void Skiplist::BeginAppend(AppendCursor* c) const {
  // The last node at each level, and its rank: a search for "after everything".
  ZslNode* x = header_;
  uint64_t rank = 0;
  for (int i = kZslMaxLevel - 1; i >= 0; --i) {
    if (i < level_) {
      ZslNode* y;
      while ((y = x->fwd(i)) != nullptr) {
        rank += x->span(i);
        x = y;
      }
    }
    c->last[i] = i < level_ ? x : header_;
    c->rank[i] = i < level_ ? rank : 0;
  }
}

ZslNode* Skiplist::Append(AppendCursor* c, double score, std::string_view member) {
  ZslNode* x = ZslNode::New(RandomLevel(), score, member);
  int h = x->height();
  if (h > level_) {
    for (int i = level_; i < h; ++i) header_->up(i)->span = static_cast<uint32_t>(length_);
    level_ = h;
  }
  const uint64_t rank = length_ + 1;  // the new node's rank
  x->fwd0_ = nullptr;
  c->last[0]->fwd0_ = x;
  const float fx = ToFloat(score);
  for (int i = 1; i < h; ++i) {
    ZslNode::Level* ul = c->last[i]->up(i);
    ul->fwd = x;
    ul->fscore = fx;
    ul->span = static_cast<uint32_t>(rank - c->rank[i]);
    x->up(i)->fwd = nullptr;
    x->up(i)->span = 0;
  }
  for (int i = h; i < level_; ++i) ++c->last[i]->up(i)->span;
  for (int i = 0; i < h; ++i) {
    c->last[i] = x;
    c->rank[i] = rank;
  }
  tail_ = x;
  ++length_;
  return x;
}

bool Skiplist::Verify() const {
  // Level 0: order, length, tail.
  uint64_t n = 0;
  const ZslNode* prev = nullptr;
  for (const ZslNode* x = header_->fwd0_; x != nullptr; x = x->fwd0_) {
    if (prev != nullptr && !Before(prev, x->score_, x->member())) return false;
    if (x->height() < 1 || x->height() > kZslMaxLevel || x->height() > level_) return false;
    prev = x;
    ++n;
  }
  if (n != length_ || prev != tail_) return false;
  if (level_ < 1 || level_ > kZslMaxLevel) return false;
  if (level_ > 1 && header_->up(level_ - 1)->fwd == nullptr) return false;
  // Upper levels: each link skips exactly `span` level-0 steps; the last link's span counts
  // the elements after its node.
  for (int i = 1; i < level_; ++i) {
    const ZslNode* x = header_;
    while (true) {
      const ZslNode* target = x->up(i)->fwd;
      uint64_t steps = 0;
      const ZslNode* y = x;
      while (y->fwd0_ != target) {
        if (y->fwd0_ == nullptr) return false;  // target not reachable at level 0
        y = y->fwd0_;
        ++steps;
      }
      if (target == nullptr) {
        if (x->up(i)->span != steps) return false;
        break;
      }
      if (x->up(i)->span != steps + 1) return false;
      if (target->height() <= i) return false;
      if (x->up(i)->fscore != ToFloat(target->score_)) return false;
      x = target;
    }
  }
  return true;
}

}  // namespace sable
