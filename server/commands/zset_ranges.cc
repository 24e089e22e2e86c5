// Sorted-set range and algebra commands: ZRANGE (BYSCORE BYLEX REV LIMIT WITHSCORES),
// ZRANGESTORE, ZRANGEBYSCORE, ZREVRANGEBYSCORE, ZRANGEBYLEX, ZREVRANGEBYLEX, ZREVRANGE,
// ZREMRANGEBYRANK/SCORE/LEX, ZUNION, ZINTER, ZDIFF, their *STORE forms and ZINTERCARD.
//
// One range engine serves every ZRANGE form (Redis 7.0's zrangeGenericCommand): options are
// parsed first, then the range, then the key is looked up; the elements go to a sink that
// either replies or builds the ZRANGESTORE destination.
#include <algorithm>
#include <climits>
#include <cmath>
#include <string>
#include <unordered_map>
#include <vector>

#include "datastructs/intset.h"
#include "datastructs/string_set.h"
#include "server/commands/zset_common.h"

namespace sable::zcmd {

namespace {

constexpr const char* kNotFloatRange = "ERR min or max is not a float";
constexpr const char* kNotLexRange = "ERR min or max not valid string range item";

enum class RangeType { kAuto, kRank, kScore, kLex };
enum class Direction { kAuto, kForward, kReverse };

// Where a range goes: the client, or a new sorted set stored under `dst` (ZRANGESTORE).
class RangeSink {
 public:
  RangeSink(CommandContext& ctx, std::string_view dst, bool store)
      : ctx_(ctx), dst_(dst), store_(store) {}

  void set_withscores() { withscores_ = true; }
  bool wants_scores() const { return withscores_ || store_; }

  // `length` < 0: not known in advance.
  void Begin(int64_t length) {
    if (store_) {
      limits_ = Limits(ctx_);
      obj_ = length > static_cast<int64_t>(limits_.max_entries) ? ZObj::NewSkiplist()
                                                                : ZObj::NewListpack();
      return;
    }
    if (length > 0) {
      ctx_.reply.Array(withscores_ && !ctx_.reply.resp3() ? 2 * length : length);
    } else {
      deferred_ = ctx_.reply.BeginDeferred();
      is_deferred_ = true;
    }
  }

  void Emit(std::string_view member, double score) {
    if (store_) {
      int out;
      obj_.Add(score, member, 0, &out, nullptr, limits_);
      return;
    }
    if (withscores_) {
      ReplyPair(ctx_, member, score);
    } else {
      ctx_.reply.Bulk(member);
    }
  }

  void Finish(size_t count) {
    if (store_) {
      StoreZset(ctx_, dst_, obj_, "zrangestore");
      return;
    }
    if (is_deferred_)
      ctx_.reply.EndDeferredArray(deferred_,
                                  withscores_ && !ctx_.reply.resp3() ? 2 * count : count);
  }

 private:
  CommandContext& ctx_;
  std::string_view dst_;
  bool store_;
  bool withscores_ = false;
  bool is_deferred_ = false;
  size_t deferred_ = 0;
  ZsetLimits limits_;
  ZObj obj_{nullptr};
};

void RangeByRank(RangeSink& sink, ZObj z, int64_t start, int64_t end, bool reverse) {
  const auto llen = static_cast<int64_t>(z.size());
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    sink.Begin(0);
    sink.Finish(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  const auto n = static_cast<size_t>(end - start + 1);
  sink.Begin(static_cast<int64_t>(n));
  const bool scores = sink.wants_scores();
  ZIter it = ZIter::AtRank(z, static_cast<size_t>(start), reverse, n);
  for (size_t i = 0; i < n && it.Valid(); ++i, it.Next())
    sink.Emit(it.Member(), scores ? it.Score() : 0);
  sink.Finish(n);
}

// How many elements a LIMIT lets the walk touch (a hint for reverse skiplist walks).
size_t WalkHint(int64_t offset, int64_t limit) {
  if (limit < 0) return SIZE_MAX;
  return static_cast<size_t>(limit) + static_cast<size_t>(offset > 0 ? offset : 0);
}

void RangeByScore(RangeSink& sink, ZObj z, const ZScoreRange& r, int64_t offset, int64_t limit,
                  bool reverse) {
  sink.Begin(-1);
  if (offset > 0 && offset >= static_cast<int64_t>(z.size())) {
    sink.Finish(0);
    return;
  }
  ZIter it = ZIter::InScoreRange(z, r, reverse, WalkHint(offset, limit));
  // Redis's loops, literally: a negative offset skips everything, a negative limit is none.
  while (it.Valid() && offset--) it.Next();
  size_t count = 0;
  while (it.Valid() && limit--) {
    double score = it.Score();
    if (reverse ? !ScoreGteMin(score, r) : !ScoreLteMax(score, r)) break;
    sink.Emit(it.Member(), score);
    ++count;
    it.Next();
  }
  sink.Finish(count);
}

void RangeByLex(RangeSink& sink, ZObj z, const ZLexRange& r, int64_t offset, int64_t limit,
                bool reverse) {
  sink.Begin(-1);
  ZIter it = ZIter::InLexRange(z, r, reverse, WalkHint(offset, limit));
  while (it.Valid() && offset--) it.Next();
  const bool scores = sink.wants_scores();
  size_t count = 0;
  while (it.Valid() && limit--) {
    std::string_view m = it.Member();
    if (reverse ? !LexGteMin(m, r) : !LexLteMax(m, r)) break;
    sink.Emit(m, scores ? it.Score() : 0);
    ++count;
    it.Next();
  }
  sink.Finish(count);
}

// zrangeGenericCommand. argc_start is the source key's index; with `store`, args[1] is the
// destination.
void RangeGeneric(CommandContext& ctx, size_t argc_start, bool store, RangeType type,
                  Direction dir) {
  ArgList a = ctx.args;
  std::string_view key = a[argc_start];
  size_t minidx = argc_start + 1, maxidx = argc_start + 2;
  bool withscores = false;
  int64_t offset = 0, limit = -1;
  for (size_t j = argc_start + 3; j < a.size(); ++j) {
    size_t left = a.size() - j - 1;
    if (!store && EqNoCase(a[j], "withscores")) {
      withscores = true;
    } else if (EqNoCase(a[j], "limit") && left >= 2) {
      if (!ArgInt64(ctx, a[j + 1], &offset) || !ArgInt64(ctx, a[j + 2], &limit)) return;
      j += 2;
    } else if (dir == Direction::kAuto && EqNoCase(a[j], "rev")) {
      dir = Direction::kReverse;
    } else if (type == RangeType::kAuto && EqNoCase(a[j], "bylex")) {
      type = RangeType::kLex;
    } else if (type == RangeType::kAuto && EqNoCase(a[j], "byscore")) {
      type = RangeType::kScore;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (dir == Direction::kAuto) dir = Direction::kForward;
  if (type == RangeType::kAuto) type = RangeType::kRank;
  const bool reverse = dir == Direction::kReverse;

  if (limit != -1 && type == RangeType::kRank) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withscores && type == RangeType::kLex) {
    ctx.reply.Error("ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  // Reverse score and lex ranges are given as max, min.
  if (reverse && type != RangeType::kRank) std::swap(minidx, maxidx);

  int64_t start = 0, end = 0;
  ZScoreRange srange;
  ZLexRange lrange;
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      if (!ArgInt64(ctx, a[minidx], &start) || !ArgInt64(ctx, a[maxidx], &end)) return;
      break;
    case RangeType::kScore:
      if (!ParseScoreRange(a[minidx], a[maxidx], &srange)) {
        ctx.reply.Error(kNotFloatRange);
        return;
      }
      break;
    case RangeType::kLex:
      if (!ParseLexRange(a[minidx], a[maxidx], &lrange)) {
        ctx.reply.Error(kNotLexRange);
        return;
      }
      break;
  }

  RangeSink sink(ctx, store ? a[1] : std::string_view(), store);
  if (withscores) sink.set_withscores();
  KvEntry* e = LookupRead(ctx, key);
  if (e == nullptr) {
    if (store) {
      sink.Begin(-1);
      sink.Finish(0);
    } else {
      ctx.reply.Array(0);
    }
    return;
  }
  if (WrongType(ctx, e, ObjType::kZSet)) return;
  ZObj z = ObjOf(e);
  switch (type) {
    case RangeType::kAuto:
    case RangeType::kRank:
      RangeByRank(sink, z, start, end, reverse);
      break;
    case RangeType::kScore:
      RangeByScore(sink, z, srange, offset, limit, reverse);
      break;
    case RangeType::kLex:
      RangeByLex(sink, z, lrange, offset, limit, reverse);
      break;
  }
}

// ---- ZREMRANGEBY* ---------------------------------------------------------------------------

void RemRangeGeneric(CommandContext& ctx, RangeType type) {
  std::string_view key = ctx.args[1];
  int64_t start = 0, end = 0;
  ZScoreRange srange;
  ZLexRange lrange;
  if (type == RangeType::kRank) {
    if (!ArgInt64(ctx, ctx.args[2], &start) || !ArgInt64(ctx, ctx.args[3], &end)) return;
  } else if (type == RangeType::kScore) {
    if (!ParseScoreRange(ctx.args[2], ctx.args[3], &srange)) {
      ctx.reply.Error(kNotFloatRange);
      return;
    }
  } else if (!ParseLexRange(ctx.args[2], ctx.args[3], &lrange)) {
    ctx.reply.Error(kNotLexRange);
    return;
  }
  bool wrong;
  KvEntry* e = WriteZset(ctx, key, &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ZObj z = ObjOf(e);
  size_t deleted = 0;
  if (type == RangeType::kRank) {
    const auto llen = static_cast<int64_t>(z.size());
    if (start < 0) start += llen;
    if (end < 0) end += llen;
    if (start < 0) start = 0;
    if (start > end || start >= llen) {
      ctx.reply.Integer(0);
      return;
    }
    if (end >= llen) end = llen - 1;
    deleted = z.DeleteRangeByRank(static_cast<size_t>(start), static_cast<size_t>(end));
  } else if (type == RangeType::kScore) {
    deleted = z.DeleteRangeByScore(srange);
  } else {
    deleted = z.DeleteRangeByLex(lrange);
  }
  e->set_ptr(z.raw());
  bool emptied = z.size() == 0;
  if (emptied) Ks(ctx).Delete(ctx.db, key);
  if (deleted) {
    SignalModifiedKey(ctx, key);
    const char* event = type == RangeType::kRank    ? "zremrangebyrank"
                        : type == RangeType::kScore ? "zremrangebyscore"
                                                    : "zremrangebylex";
    NotifyKeyspaceEvent(ctx, kNotifyZset, event, key);
    if (emptied) NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
    Dirty(ctx, deleted);
  }
  ctx.reply.Integer(static_cast<int64_t>(deleted));
}

// ---- ZUNION / ZINTER / ZDIFF --------------------------------------------------------------------

// One input of the algebra: a sorted set, a plain set (every score 1), or a missing key.
class Src {
 public:
  Src() = default;
  explicit Src(KvEntry* e) : e_(e) {}

  KvEntry* entry() const { return e_; }
  double weight = 1.0;

  size_t Size() const {
    if (e_ == nullptr) return 0;
    if (e_->type() == ObjType::kZSet) return ObjOf(e_).size();
    return is_intset() ? ints()->size() : strs()->size();
  }

  bool Find(std::string_view m, double* score) const {
    if (e_ == nullptr) return false;
    if (e_->type() == ObjType::kZSet) return ObjOf(e_).Score(m, score);
    *score = 1.0;
    if (is_intset()) {
      int64_t v;
      return StringToInt64(m, &v) && ints()->Contains(v);
    }
    return strs()->Contains(m);
  }

  // fn(std::string_view member, double score) -> bool (false stops).
  template <class F>
  void ForEach(F&& fn) const {
    if (e_ == nullptr) return;
    if (e_->type() == ObjType::kZSet) {
      ZObj z = ObjOf(e_);
      if (z.size() == 0) return;
      for (ZIter it = ZIter::Begin(z); it.Valid(); it.Next())
        if (!fn(it.Member(), it.Score())) return;
      return;
    }
    if (is_intset()) {
      const Intset* is = ints();
      char buf[kInt64StrSize];
      for (uint32_t i = 0, n = is->size(); i < n; ++i)
        if (!fn(std::string_view(buf, Int64ToChars(is->Get(i), buf)), 1.0)) return;
      return;
    }
    strs()->ForEachWhile([&](std::string_view m) { return fn(m, 1.0); });
  }

 private:
  // Sets keep an Intset (tagged in the low bit) or a StringSet behind the pointer (sets.cc).
  bool is_intset() const { return reinterpret_cast<uintptr_t>(e_->ptr()) & 1; }
  const Intset* ints() const {
    return reinterpret_cast<const Intset*>(reinterpret_cast<uintptr_t>(e_->ptr()) & ~uintptr_t{1});
  }
  StringSet* strs() const { return static_cast<StringSet*>(e_->ptr()); }

  KvEntry* e_ = nullptr;
};

enum class SetOp { kUnion, kInter, kDiff };
enum class Aggregate { kSum, kMin, kMax };

inline void AggregateInto(double* target, double val, Aggregate agg) {
  switch (agg) {
    case Aggregate::kSum:
      *target += val;
      if (std::isnan(*target)) *target = 0;  // inf + -inf: Redis's convention is 0
      break;
    case Aggregate::kMin:
      *target = val < *target ? val : *target;
      break;
    case Aggregate::kMax:
      *target = val > *target ? val : *target;
      break;
  }
}

struct Elem {
  std::string member;
  double score;
};

struct ViewHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

void SortResult(std::vector<Elem>* out) {
  std::sort(out->begin(), out->end(), [](const Elem& a, const Elem& b) {
    if (a.score != b.score) return a.score < b.score;
    return CompareMembers(a.member, b.member) < 0;
  });
}

// zunionInterDiffGenericCommand. dst is empty for the reply forms.
void SetOpGeneric(CommandContext& ctx, std::string_view dst, size_t numkeys_idx, SetOp op,
                  bool card_only) {
  ArgList a = ctx.args;
  const bool store = numkeys_idx == 2;  // the *STORE forms: args[1] is the destination
  int64_t setnum;
  if (!ArgInt64(ctx, a[numkeys_idx], &setnum)) return;
  if (setnum < 1) {
    ctx.reply.Error("ERR at least 1 input key is needed for '" + ctx.spec.FullName() + "' command");
    return;
  }
  if (setnum > static_cast<int64_t>(a.size() - (numkeys_idx + 1))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  const auto n = static_cast<size_t>(setnum);
  std::vector<Src> src(n);
  size_t j = numkeys_idx + 1;
  for (size_t i = 0; i < n; ++i, ++j) {
    KvEntry* e = LookupRead(ctx, a[j]);
    if (e != nullptr && e->type() != ObjType::kZSet && e->type() != ObjType::kSet) {
      ctx.reply.Error(err::kWrongType);
      return;
    }
    src[i] = Src(e);
  }

  Aggregate agg = Aggregate::kSum;
  bool withscores = false;
  int64_t limit = 0;
  while (j < a.size()) {
    size_t remaining = a.size() - j;
    if (op != SetOp::kDiff && !card_only && remaining >= n + 1 && EqNoCase(a[j], "weights")) {
      ++j;
      for (size_t i = 0; i < n; ++i, ++j) {
        if (!StringToDouble(a[j], &src[i].weight)) {
          ctx.reply.Error("ERR weight value is not a float");
          return;
        }
      }
    } else if (op != SetOp::kDiff && !card_only && remaining >= 2 && EqNoCase(a[j], "aggregate")) {
      std::string_view v = a[j + 1];
      if (EqNoCase(v, "sum")) {
        agg = Aggregate::kSum;
      } else if (EqNoCase(v, "min")) {
        agg = Aggregate::kMin;
      } else if (EqNoCase(v, "max")) {
        agg = Aggregate::kMax;
      } else {
        ctx.reply.Error(err::kSyntax);
        return;
      }
      j += 2;
    } else if (!store && !card_only && EqNoCase(a[j], "withscores")) {
      withscores = true;
      ++j;
    } else if (card_only && remaining >= 2 && EqNoCase(a[j], "limit")) {
      if (!ArgLongRange(ctx, a[j + 1], 0, LONG_MAX, &limit, "ERR LIMIT can't be negative")) return;
      j += 2;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }

  // Smallest first (stable, like the qsort of Debian's glibc): the intersection walks the
  // smallest input, and sums are added in this order.
  if (op != SetOp::kDiff)
    std::stable_sort(src.begin(), src.end(),
                     [](const Src& x, const Src& y) { return x.Size() < y.Size(); });

  std::vector<Elem> result;
  uint64_t cardinality = 0;
  if (op == SetOp::kInter) {
    if (src[0].Size() > 0) {
      src[0].ForEach([&](std::string_view m, double s0) {
        double score = src[0].weight * s0;
        if (std::isnan(score)) score = 0;
        size_t k = 1;
        for (; k < n; ++k) {
          double value;
          if (src[k].entry() == src[0].entry()) {
            AggregateInto(&score, s0 * src[k].weight, agg);
          } else if (src[k].Find(m, &value)) {
            AggregateInto(&score, value * src[k].weight, agg);
          } else {
            break;
          }
        }
        if (k < n) return true;
        if (card_only) {
          ++cardinality;
          return !(limit && cardinality >= static_cast<uint64_t>(limit));
        }
        result.push_back({std::string(m), score});
        return true;
      });
    }
  } else if (op == SetOp::kUnion) {
    std::unordered_map<std::string, double, ViewHash, std::equal_to<>> acc;
    acc.reserve(src.back().Size());
    for (const Src& s : src) {
      s.ForEach([&](std::string_view m, double v) {
        double score = s.weight * v;
        if (std::isnan(score)) score = 0;
        auto it = acc.find(m);
        if (it == acc.end()) {
          acc.emplace(std::string(m), score);
        } else {
          AggregateInto(&it->second, score, agg);
        }
        return true;
      });
    }
    result.reserve(acc.size());
    for (auto& [m, s] : acc) result.push_back({m, s});
  } else {
    bool self = false;
    for (size_t k = 1; k < n; ++k)
      if (src[k].entry() != nullptr && src[k].entry() == src[0].entry()) self = true;
    if (!self) {
      src[0].ForEach([&](std::string_view m, double s0) {
        double v;
        for (size_t k = 1; k < n; ++k)
          if (src[k].Find(m, &v)) return true;
        result.push_back({std::string(m), s0});
        return true;
      });
    }
  }

  if (card_only) {
    ctx.reply.Integer(static_cast<int64_t>(cardinality));
    return;
  }
  SortResult(&result);
  if (store) {
    ZsetLimits lim = Limits(ctx);
    size_t maxlen = 0, total = 0;
    for (const Elem& x : result) {
      maxlen = std::max(maxlen, x.member.size());
      total += x.member.size();
    }
    ZObj z(nullptr);
    if (result.size() <= lim.max_entries && maxlen <= lim.max_value && total <= kLpSafetySize) {
      uint8_t* lp = LpNew(0);
      for (const Elem& x : result) lp = ZlpAppend(lp, x.member, x.score);
      z = ZObj::FromListpack(lp);
    } else {
      z = ZObj::NewSkiplist();
      ZSet::AppendCursor c;
      z.zs()->BeginAppend(&c);
      for (const Elem& x : result) z.zs()->Append(&c, x.score, x.member);
    }
    StoreZset(ctx, dst, z,
              op == SetOp::kUnion   ? "zunionstore"
              : op == SetOp::kInter ? "zinterstore"
                                    : "zdiffstore");
    return;
  }
  ctx.reply.Array(withscores && !ctx.reply.resp3() ? 2 * result.size() : result.size());
  for (const Elem& x : result) {
    if (withscores) {
      ReplyPair(ctx, x.member, x.score);
    } else {
      ctx.reply.Bulk(x.member);
    }
  }
}

}  // namespace

void ZRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeType::kAuto, Direction::kAuto);
}
void ZRangeStore(CommandContext& ctx) {
  RangeGeneric(ctx, 2, true, RangeType::kAuto, Direction::kAuto);
}
void ZRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kForward);
}
void ZRevRangeByScore(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeType::kScore, Direction::kReverse);
}
void ZRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kForward);
}
void ZRevRangeByLex(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeType::kLex, Direction::kReverse);
}
void ZRevRange(CommandContext& ctx) {
  RangeGeneric(ctx, 1, false, RangeType::kRank, Direction::kReverse);
}

void ZRemRangeByRank(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kRank); }
void ZRemRangeByScore(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kScore); }
void ZRemRangeByLex(CommandContext& ctx) { RemRangeGeneric(ctx, RangeType::kLex); }

void ZUnion(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, SetOp::kUnion, false); }
void ZInter(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, SetOp::kInter, false); }
void ZDiff(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, SetOp::kDiff, false); }
void ZUnionStore(CommandContext& ctx) { SetOpGeneric(ctx, ctx.args[1], 2, SetOp::kUnion, false); }
void ZInterStore(CommandContext& ctx) { SetOpGeneric(ctx, ctx.args[1], 2, SetOp::kInter, false); }
void ZDiffStore(CommandContext& ctx) { SetOpGeneric(ctx, ctx.args[1], 2, SetOp::kDiff, false); }
void ZInterCard(CommandContext& ctx) { SetOpGeneric(ctx, {}, 1, SetOp::kInter, true); }

}  // namespace sable::zcmd
