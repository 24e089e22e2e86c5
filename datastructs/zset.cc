#include "datastructs/zset.h"

#include <malloc.h>

#include <cmath>
#include <cstdlib>
#include <string>
#include <unordered_set>

#include "datastructs/numbers.h"

namespace sable {

// ---- parsing ------------------------------------------------------------------------------------

namespace {

// strtod over `arg` as a C string, after an optional "(".
bool ParseScoreBound(std::string_view arg, double* v, bool* ex) {
  arg = arg.substr(0, arg.find('\0'));
  char small[128];
  std::string big;
  const char* p;
  if (arg.size() < sizeof(small)) {
    std::memcpy(small, arg.data(), arg.size());
    small[arg.size()] = '\0';
    p = small;
  } else {
    big.assign(arg);
    p = big.c_str();
  }
  *ex = false;
  if (p[0] == '(') {
    *ex = true;
    ++p;
  }
  char* end;
  double d = std::strtod(p, &end);
  if (*end != '\0' || std::isnan(d)) return false;
  *v = d;
  return true;
}

bool ParseLexBound(std::string_view arg, ZLexBound* b) {
  if (arg.empty()) return false;
  // Redis reads c[1] of a C string: a lone "+"/"-" (or one followed by a NUL byte) is a bound.
  auto lone = [&] { return arg.size() == 1 || arg[1] == '\0'; };
  switch (arg[0]) {
    case '+':
      if (!lone()) return false;
      b->kind = ZLexBound::kPosInf;
      b->ex = true;
      return true;
    case '-':
      if (!lone()) return false;
      b->kind = ZLexBound::kNegInf;
      b->ex = true;
      return true;
    case '(':
    case '[':
      b->kind = ZLexBound::kValue;
      b->ex = arg[0] == '(';
      b->s = arg.substr(1);
      return true;
    default:
      return false;
  }
}

// d2string of a non-integral score, as stored in listpacks.
size_t ScoreText(double v, char* buf) {
  if (std::isnan(v)) {
    std::memcpy(buf, "nan", 3);
    return 3;
  }
  return DoubleToChars(v, buf);
}

}  // namespace

bool ParseScoreRange(std::string_view min, std::string_view max, ZScoreRange* out) {
  return ParseScoreBound(min, &out->min, &out->minex) &&
         ParseScoreBound(max, &out->max, &out->maxex);
}

bool ParseLexRange(std::string_view min, std::string_view max, ZLexRange* out) {
  return ParseLexBound(min, &out->min) && ParseLexBound(max, &out->max);
}

bool DoubleToInt64Exact(double v, int64_t* out) {
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (std::isnan(v) || v < -kLimit || v > kLimit) return false;
  auto l = static_cast<int64_t>(v);
  if (static_cast<double>(l) != v) return false;
  *out = l;
  return true;
}

const HashSeed* ZsetSeed() {
  static const HashSeed seed = RandomHashSeed();
  return &seed;
}

// ---- skiplist encoding ------------------------------------------------------------------------

ZslNode* ZSet::Insert(double score, std::string_view member) {
  return Insert(score, member, index_.HashKey(member));
}

ZslNode* ZSet::Insert(double score, std::string_view member, uint64_t hash) {
  ZslNode* n = list_.Insert(score, member);
  index_.Insert(n, hash);
  return n;
}

bool ZSet::Erase(std::string_view member) {
  ZslNode* n = index_.Erase(member);
  if (n == nullptr) return false;
  list_.Unlink(n);
  Skiplist::FreeNode(n);
  index_.MaybeShrink();
  return true;
}

void ZSet::EraseNode(ZslNode* n) {
  index_.Erase(n->member());
  list_.Unlink(n);
  Skiplist::FreeNode(n);
  index_.MaybeShrink();
}

size_t ZSet::DeleteRangeByScore(const ZScoreRange& r) {
  size_t n = list_.DeleteRangeByScore(r, [&](ZslNode* x) {
    index_.Erase(x->member());
    Skiplist::FreeNode(x);
  });
  index_.MaybeShrink();
  return n;
}

size_t ZSet::DeleteRangeByLex(const ZLexRange& r) {
  size_t n = list_.DeleteRangeByLex(r, [&](ZslNode* x) {
    index_.Erase(x->member());
    Skiplist::FreeNode(x);
  });
  index_.MaybeShrink();
  return n;
}

size_t ZSet::DeleteRangeByRank(uint64_t start, uint64_t end) {
  size_t n = list_.DeleteRangeByRank(start, end, [&](ZslNode* x) {
    index_.Erase(x->member());
    Skiplist::FreeNode(x);
  });
  index_.MaybeShrink();
  return n;
}

void ZSet::Append(AppendCursor* c, double score, std::string_view member) {
  ZslNode* n = list_.Append(c, score, member);
  index_.Insert(n);
}

ZSet* ZSet::Clone() const {
  auto* z = new ZSet(seed_);
  AppendCursor c;
  z->BeginAppend(&c);
  for (ZslNode* x = list_.first(); x != nullptr; x = x->next())
    z->Append(&c, x->score(), x->member());
  return z;
}

size_t ZSet::MemoryUsage() const {
  constexpr size_t kSamples = 32;
  size_t bytes =
      sizeof(*this) + index_.BucketCount() * sizeof(void*) + ZslNode::AllocBytes(kZslMaxLevel, 0);
  size_t sampled = 0, sampled_bytes = 0;
  for (ZslNode* x = list_.first(); x != nullptr && sampled < kSamples; x = x->next()) {
    sampled_bytes += malloc_usable_size(const_cast<void*>(x->alloc_start()));
    ++sampled;
  }
  if (sampled > 0) bytes += sampled_bytes * size() / sampled;
  return bytes;
}

// ---- listpack encoding ------------------------------------------------------------------------

double ZlpScore(const uint8_t* sptr) {
  LpValue v = LpGet(sptr);
  if (v.is_int()) return static_cast<double>(v.ival);
  // zzlStrtod: at most 127 bytes, strtod's prefix parse.
  char buf[128];
  size_t n = v.len < sizeof(buf) - 1 ? v.len : sizeof(buf) - 1;
  std::memcpy(buf, v.str, n);
  buf[n] = '\0';
  return std::strtod(buf, nullptr);
}

int ZlpCompare(const uint8_t* eptr, std::string_view s) {
  char buf[kLpIntBufSize];
  return CompareMembers(LpGet(eptr).View(buf), s);
}

uint8_t* ZlpFind(uint8_t* lp, std::string_view member, double* score) {
  uint8_t* eptr = LpFirst(lp);
  if (eptr == nullptr) return nullptr;
  eptr = LpFind(lp, eptr, member, 1);
  if (eptr != nullptr && score != nullptr) *score = ZlpScore(LpNext(lp, eptr));
  return eptr;
}

namespace {

// Inserts (member, score) before eptr, or appends when eptr is null.
uint8_t* ZlpInsertAt(uint8_t* lp, uint8_t* eptr, std::string_view member, double score) {
  int64_t iv;
  bool is_int = DoubleToInt64Exact(score, &iv);
  char buf[kMaxDoubleChars];
  size_t len = is_int ? 0 : ScoreText(score, buf);
  if (eptr == nullptr) {
    lp = LpAppend(lp, member);
    return is_int ? LpAppendInt(lp, iv) : LpAppend(lp, std::string_view(buf, len));
  }
  uint8_t* sptr;
  lp = LpInsert(lp, eptr, LpWhere::kBefore, member, &sptr);
  return is_int ? LpInsertInt(lp, sptr, LpWhere::kAfter, iv)
                : LpInsert(lp, sptr, LpWhere::kAfter, std::string_view(buf, len));
}

}  // namespace

uint8_t* ZlpInsert(uint8_t* lp, std::string_view member, double score) {
  uint8_t* eptr = LpFirst(lp);
  while (eptr != nullptr) {
    uint8_t* sptr = LpNext(lp, eptr);
    double s = ZlpScore(sptr);
    if (s > score || (s == score && ZlpCompare(eptr, member) > 0))
      return ZlpInsertAt(lp, eptr, member, score);
    eptr = LpNext(lp, sptr);
  }
  return ZlpInsertAt(lp, nullptr, member, score);
}

uint8_t* ZlpAppend(uint8_t* lp, std::string_view member, double score) {
  return ZlpInsertAt(lp, nullptr, member, score);
}

uint8_t* ZlpDelete(uint8_t* lp, uint8_t* eptr) { return LpDeleteRangeAt(lp, &eptr, 2); }

uint8_t* ZlpFirstInRange(uint8_t* lp, const ZScoreRange& r) {
  if (ScoreRangeEmpty(r)) return nullptr;
  for (uint8_t* eptr = LpFirst(lp); eptr != nullptr;) {
    uint8_t* sptr = LpNext(lp, eptr);
    double s = ZlpScore(sptr);
    if (ScoreGteMin(s, r)) return ScoreLteMax(s, r) ? eptr : nullptr;
    eptr = LpNext(lp, sptr);
  }
  return nullptr;
}

uint8_t* ZlpLastInRange(uint8_t* lp, const ZScoreRange& r) {
  if (ScoreRangeEmpty(r)) return nullptr;
  for (uint8_t* eptr = LpSeek(lp, -2); eptr != nullptr;) {
    double s = ZlpScore(LpNext(lp, eptr));
    if (ScoreLteMax(s, r)) return ScoreGteMin(s, r) ? eptr : nullptr;
    uint8_t* sptr = LpPrev(lp, eptr);
    eptr = sptr ? LpPrev(lp, sptr) : nullptr;
  }
  return nullptr;
}

uint8_t* ZlpFirstInLexRange(uint8_t* lp, const ZLexRange& r) {
  if (LexRangeEmpty(r)) return nullptr;
  char buf[kLpIntBufSize];
  for (uint8_t* eptr = LpFirst(lp); eptr != nullptr;) {
    std::string_view m = LpGet(eptr).View(buf);
    if (LexGteMin(m, r)) return LexLteMax(m, r) ? eptr : nullptr;
    eptr = LpNext(lp, LpNext(lp, eptr));
  }
  return nullptr;
}

uint8_t* ZlpLastInLexRange(uint8_t* lp, const ZLexRange& r) {
  if (LexRangeEmpty(r)) return nullptr;
  char buf[kLpIntBufSize];
  for (uint8_t* eptr = LpSeek(lp, -2); eptr != nullptr;) {
    std::string_view m = LpGet(eptr).View(buf);
    if (LexLteMax(m, r)) return LexGteMin(m, r) ? eptr : nullptr;
    uint8_t* sptr = LpPrev(lp, eptr);
    eptr = sptr ? LpPrev(lp, sptr) : nullptr;
  }
  return nullptr;
}

uint8_t* ZlpDeleteRangeByScore(uint8_t* lp, const ZScoreRange& r, size_t* deleted) {
  *deleted = 0;
  uint8_t* eptr = ZlpFirstInRange(lp, r);
  while (eptr != nullptr && ScoreLteMax(ZlpScore(LpNext(lp, eptr)), r)) {
    lp = LpDeleteRangeAt(lp, &eptr, 2);
    ++*deleted;
  }
  return lp;
}

uint8_t* ZlpDeleteRangeByLex(uint8_t* lp, const ZLexRange& r, size_t* deleted) {
  *deleted = 0;
  char buf[kLpIntBufSize];
  uint8_t* eptr = ZlpFirstInLexRange(lp, r);
  while (eptr != nullptr && LexLteMax(LpGet(eptr).View(buf), r)) {
    lp = LpDeleteRangeAt(lp, &eptr, 2);
    ++*deleted;
  }
  return lp;
}

uint8_t* ZlpDeleteRangeByRank(uint8_t* lp, size_t start, size_t end, size_t* deleted) {
  size_t n = end - start + 1;
  *deleted = n;
  return LpDeleteRange(lp, 2 * static_cast<long>(start - 1), 2 * n);
}

bool ZlpValidate(const uint8_t* lp, size_t size, bool deep) {
  if (!LpValidate(lp, size, deep)) return false;
  size_t count = LpLength(lp);
  if (count % 2 != 0) return false;
  if (!deep) return true;
  std::unordered_set<std::string> seen;
  seen.reserve(count / 2);
  char buf[kLpIntBufSize];
  auto* l = const_cast<uint8_t*>(lp);
  for (uint8_t* p = LpFirst(l); p != nullptr; p = LpNext(l, LpNext(l, p))) {
    if (!seen.emplace(LpGet(p).View(buf)).second) return false;
  }
  return true;
}

// ---- the handle -------------------------------------------------------------------------------

ZObj ZObj::NewListpack() { return ZObj(Tag(LpNew(0))); }
ZObj ZObj::NewSkiplist() { return ZObj(new ZSet(ZsetSeed())); }

ZObj ZObj::ForFirst(const ZsetLimits& limits, size_t first_member_len) {
  if (limits.max_entries == 0 || limits.max_value < first_member_len) return NewSkiplist();
  return NewListpack();
}

bool ZObj::Score(std::string_view member, double* score) const {
  if (is_listpack()) return ZlpFind(lp(), member, score) != nullptr;
  ZslNode* n = zs()->Find(member);
  if (n == nullptr) return false;
  *score = n->score();
  return true;
}

bool ZObj::Add(double score, std::string_view member, int in_flags, int* out_flags,
               double* newscore, const ZsetLimits& limits) {
  const bool incr = in_flags & kZAddIncr, nx = in_flags & kZAddNx, xx = in_flags & kZAddXx;
  const bool gt = in_flags & kZAddGt, lt = in_flags & kZAddLt;
  *out_flags = 0;
  if (std::isnan(score)) {
    *out_flags = kZAddNan;
    return false;
  }
  // The common decision for an existing element with score `cur`: returns true when the
  // command is done (nothing to change), false with *score updated to the new value.
  auto existing = [&](double cur, bool* fail) {
    *fail = false;
    if (nx) {
      *out_flags |= kZAddNop;
      return true;
    }
    if (incr) {
      score += cur;
      if (std::isnan(score)) {
        *out_flags |= kZAddNan;
        *fail = true;
        return true;
      }
    }
    if ((lt && score >= cur) || (gt && score <= cur)) {
      *out_flags |= kZAddNop;
      return true;
    }
    if (newscore) *newscore = score;
    return false;
  };

  if (is_listpack()) {
    uint8_t* l = lp();
    double cur;
    uint8_t* eptr = ZlpFind(l, member, &cur);
    if (eptr != nullptr) {
      bool fail;
      if (existing(cur, &fail)) return !fail;
      if (score != cur) {
        l = ZlpDelete(l, eptr);
        set_lp(ZlpInsert(l, member, score));
        *out_flags |= kZAddUpdated;
      }
      return true;
    }
    if (xx) {
      *out_flags |= kZAddNop;
      return true;
    }
    if (ZlpLength(l) + 1 > limits.max_entries || member.size() > limits.max_value ||
        LpBytes(l) + member.size() > kLpSafetySize) {
      ConvertToSkiplist();  // and add below
    } else {
      set_lp(ZlpInsert(l, member, score));
      if (newscore) *newscore = score;
      *out_flags |= kZAddAdded;
      return true;
    }
  }

  ZSet* z = zs();
  uint64_t hash = z->Hash(member);
  ZslNode* n = z->Find(member, hash);
  if (n != nullptr) {
    bool fail;
    if (existing(n->score(), &fail)) return !fail;
    if (score != n->score()) {
      z->UpdateScore(n, score);
      *out_flags |= kZAddUpdated;
    }
    return true;
  }
  if (xx) {
    *out_flags |= kZAddNop;
    return true;
  }
  z->Insert(score, member, hash);
  *out_flags |= kZAddAdded;
  if (newscore) *newscore = score;
  return true;
}

bool ZObj::Delete(std::string_view member) {
  if (!is_listpack()) return zs()->Erase(member);
  uint8_t* eptr = ZlpFind(lp(), member, nullptr);
  if (eptr == nullptr) return false;
  set_lp(ZlpDelete(lp(), eptr));
  return true;
}

int64_t ZObj::Rank(std::string_view member, bool reverse) const {
  const auto len = static_cast<int64_t>(size());
  if (is_listpack()) {
    uint8_t* l = lp();
    LpMatcher m(member);
    int64_t rank = 0;
    for (uint8_t* eptr = LpFirst(l); eptr != nullptr; eptr = LpNext(l, LpNext(l, eptr))) {
      if (m.Matches(eptr)) return reverse ? len - 1 - rank : rank;
      ++rank;
    }
    return -1;
  }
  ZslNode* n = zs()->Find(member);
  if (n == nullptr) return -1;
  auto rank = static_cast<int64_t>(zs()->list().Rank(n));
  return reverse ? len - rank : rank - 1;
}

size_t ZObj::DeleteRangeByScore(const ZScoreRange& r) {
  if (!is_listpack()) return zs()->DeleteRangeByScore(r);
  size_t n;
  set_lp(ZlpDeleteRangeByScore(lp(), r, &n));
  return n;
}

size_t ZObj::DeleteRangeByLex(const ZLexRange& r) {
  if (!is_listpack()) return zs()->DeleteRangeByLex(r);
  size_t n;
  set_lp(ZlpDeleteRangeByLex(lp(), r, &n));
  return n;
}

size_t ZObj::DeleteRangeByRank(size_t start, size_t end) {
  if (!is_listpack()) return zs()->DeleteRangeByRank(start + 1, end + 1);
  size_t n;
  set_lp(ZlpDeleteRangeByRank(lp(), start + 1, end + 1, &n));
  return n;
}

void ZObj::ConvertToSkiplist() {
  if (!is_listpack()) return;
  uint8_t* l = lp();
  auto* z = new ZSet(ZsetSeed());
  ZSet::AppendCursor c;
  z->BeginAppend(&c);
  char buf[kLpIntBufSize];
  for (uint8_t* eptr = LpFirst(l); eptr != nullptr;) {
    uint8_t* sptr = LpNext(l, eptr);
    z->Append(&c, ZlpScore(sptr), LpGet(eptr).View(buf));
    eptr = LpNext(l, sptr);
  }
  LpFree(l);
  raw_ = z;
}

void ZObj::ConvertToListpack() {
  if (is_listpack()) return;
  ZSet* z = zs();
  uint8_t* l = LpNew(0);
  for (ZslNode* x = z->list().first(); x != nullptr; x = x->next())
    l = ZlpAppend(l, x->member(), x->score());
  delete z;
  set_lp(l);
}

void ZObj::ConvertToListpackIfNeeded(const ZsetLimits& limits, size_t maxelelen, size_t totelelen) {
  if (is_listpack()) return;
  if (zs()->size() <= limits.max_entries && maxelelen <= limits.max_value &&
      totelelen <= kLpSafetySize)
    ConvertToListpack();
}

ZObj ZObj::Dup() const {
  if (is_listpack()) return ZObj(Tag(LpDup(lp())));
  return ZObj(zs()->Clone());
}

void ZObj::Free() {
  if (is_listpack()) {
    LpFree(lp());
  } else {
    delete zs();
  }
  raw_ = nullptr;
}

size_t ZObj::MemoryUsage() const {
  if (is_listpack()) return malloc_usable_size(lp());
  return zs()->MemoryUsage();
}

// ---- iteration --------------------------------------------------------------------------------

void ZIter::LoadLp() {
  valid_ = eptr_ != nullptr;
  if (!valid_) return;
  sptr_ = LpNext(lp_, eptr_);
  cur_val_ = LpGet(eptr_);
}

void ZIter::RefillReverse() {
  // Chunks grow (8, 16, 32): a short reverse range does not walk a long chunk.
  uint64_t n = rank_ < next_chunk_ ? rank_ : next_chunk_;
  if (limit_ < n) n = limit_;
  if (next_chunk_ < static_cast<uint64_t>(kChunk)) next_chunk_ *= 2;
  if (n == 0) {
    valid_ = false;
    return;
  }
  uint64_t lo = rank_ - n + 1;
  ZslNode* x = list_->ByRank(lo);
  for (uint64_t i = 0; i < n; ++i, x = x->next()) chunk_[i] = x;
  chunk_pos_ = static_cast<int>(n) - 1;
  rank_ = lo - 1;
  limit_ -= n;
  node_ = chunk_[chunk_pos_];
  valid_ = true;
}

ZIter ZIter::AtRank(ZObj z, size_t start, bool reverse, size_t limit) {
  ZIter it;
  it.reverse_ = reverse;
  it.limit_ = limit;
  if (z.is_listpack()) {
    it.lp_ = z.lp();
    long idx = reverse ? -2 - 2 * static_cast<long>(start) : 2 * static_cast<long>(start);
    it.eptr_ = LpSeek(it.lp_, idx);
    it.LoadLp();
    return it;
  }
  it.list_ = &z.zs()->list();
  if (!reverse) {
    it.node_ = start == 0 ? it.list_->first() : it.list_->ByRank(start + 1);
    it.valid_ = it.node_ != nullptr;
  } else {
    it.rank_ = it.list_->size() - start;
    it.RefillReverse();
  }
  return it;
}

ZIter ZIter::InScoreRange(ZObj z, const ZScoreRange& r, bool reverse, size_t limit) {
  ZIter it;
  it.reverse_ = reverse;
  it.limit_ = limit;
  if (z.is_listpack()) {
    it.lp_ = z.lp();
    it.eptr_ = reverse ? ZlpLastInRange(it.lp_, r) : ZlpFirstInRange(it.lp_, r);
    it.LoadLp();
    return it;
  }
  it.list_ = &z.zs()->list();
  if (!reverse) {
    it.node_ = it.list_->FirstInRange(r);
    it.valid_ = it.node_ != nullptr;
  } else if (it.list_->LastInRange(r, &it.rank_) != nullptr) {
    it.RefillReverse();
  }
  return it;
}

ZIter ZIter::InLexRange(ZObj z, const ZLexRange& r, bool reverse, size_t limit) {
  ZIter it;
  it.reverse_ = reverse;
  it.limit_ = limit;
  if (z.is_listpack()) {
    it.lp_ = z.lp();
    it.eptr_ = reverse ? ZlpLastInLexRange(it.lp_, r) : ZlpFirstInLexRange(it.lp_, r);
    it.LoadLp();
    return it;
  }
  it.list_ = &z.zs()->list();
  if (!reverse) {
    it.node_ = it.list_->FirstInLexRange(r);
    it.valid_ = it.node_ != nullptr;
  } else if (it.list_->LastInLexRange(r, &it.rank_) != nullptr) {
    it.RefillReverse();
  }
  return it;
}

void ZIter::Next() {
  if (!valid_) return;
  if (lp_ != nullptr) {
    if (!reverse_) {
      eptr_ = LpNext(lp_, sptr_);
    } else {
      uint8_t* p = LpPrev(lp_, eptr_);
      eptr_ = p ? LpPrev(lp_, p) : nullptr;
    }
    LoadLp();
    return;
  }
  if (!reverse_) {
    node_ = node_->next();
    valid_ = node_ != nullptr;
  } else if (chunk_pos_ > 0) {
    node_ = chunk_[--chunk_pos_];
  } else {
    RefillReverse();
  }
}

std::string_view ZIter::Member() {
  if (lp_ != nullptr) return cur_val_.View(buf_);
  return node_->member();
}

double ZIter::Score() const {
  if (lp_ != nullptr) return ZlpScore(sptr_);
  return node_->score();
}

}  // namespace sable
