// Sorted-set commands: ZADD ZINCRBY ZREM ZSCORE ZMSCORE ZRANK ZREVRANK ZCARD ZCOUNT ZLEXCOUNT
// ZRANDMEMBER ZSCAN, the type's ObjectOps row (free, dup, encoding, memory, RDB, digest) and the
// family's command table. The range and algebra commands live in zset_ranges.cc, the pops
// (blocking ones included) in zset_pops.cc.
//
// Encodings as Redis 7.0 (datastructs/zset.h): a listpack while the set has at most
// zset-max-listpack-entries members of at most zset-max-listpack-value bytes, a skiplist plus
// member index beyond. Conversion to skiplist happens as a set grows; results built from
// scratch (ZRANGESTORE, Z*STORE, RDB loads) start small again when they fit.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "datastructs/glob.h"
#include "datastructs/string_set.h"
#include "server/commands/zset_common.h"
#include "server/objects.h"

namespace sable {

using zcmd::ObjOf;

namespace {

// ---------------------------------------------------------------------------------------------
// ObjectOps
// ---------------------------------------------------------------------------------------------

void FreeZsetValue(void* p) { ZObj(p).Free(); }
void* DupZsetValue(const void* p) { return ZObj(const_cast<void*>(p)).Dup().raw(); }
const char* ZsetEncodingName(const void* p) { return ZObj(const_cast<void*>(p)).EncodingName(); }
size_t ZsetMemory(const void* p) { return ZObj(const_cast<void*>(p)).MemoryUsage(); }

// xorObjectDigest's zset branch: per element Mix(member) then Mix("%.17g" score) from zero,
// folded in with Add (order-independent); listpack integers digest as their decimal text.
void ZsetDigest(const void* p, Digest* out) {
  ZObj z(const_cast<void*>(p));
  if (z.size() == 0) return;
  char buf[kMaxDoubleChars];
  for (ZIter it = ZIter::Begin(z); it.Valid(); it.Next()) {
    Digest ele;
    ele.Mix(it.Member());
    ele.Mix(std::string_view(buf, DoubleToChars(it.Score(), buf)));
    out->Add(ele);
  }
}

// RDB as Redis 7.0 writes it: a listpack verbatim (RDB_TYPE_ZSET_LISTPACK), a skiplist as
// RDB_TYPE_ZSET_2 from the highest element down (member, then the score's 8 raw bytes).
uint8_t ZsetRdbType(const void* p) {
  return ZObj(const_cast<void*>(p)).is_listpack() ? rdb::kZSetListpack : rdb::kZSet2;
}

void ZsetRdbSave(const void* p, RdbEncoder& enc) {
  ZObj z(const_cast<void*>(p));
  if (z.is_listpack()) {
    enc.String(std::string_view(reinterpret_cast<const char*>(z.lp()), LpBytes(z.lp())));
    return;
  }
  const Skiplist& list = z.zs()->list();
  enc.Length(list.size());
  if (list.size() == 0) return;
  list.ForEachReverse(list.size(), list.size(), [&](ZslNode* x) {
    enc.String(x->member());
    double s = x->score();
    char raw[8];
    std::memcpy(raw, &s, 8);  // little-endian hosts only, as the rest of the RDB code
    enc.Raw(std::string_view(raw, 8));
    return true;
  });
}

// Loaded sorted sets follow zset-max-listpack-entries/-value (rec.limits).
void* ZsetRdbLoad(const RdbRecord& rec, std::string* err) {
  const ZsetLimits limits{rec.limits.zset_max_listpack_entries,
                          rec.limits.zset_max_listpack_value};
  if (rec.type == rdb::kZSet || rec.type == rdb::kZSet2) {
    if (rec.items.empty()) {
      *err = rdb::kEmptyKeyError;
      return nullptr;
    }
    ZObj z = ZObj::NewSkiplist();
    size_t maxlen = 0, total = 0;
    for (size_t i = 0; i + 1 < rec.items.size(); i += 2) {
      const std::string& m = rec.items[i];
      double score;
      if (!StringToDouble(rec.items[i + 1], &score)) {
        z.Free();
        *err = "Zset with NAN score detected";
        return nullptr;
      }
      uint64_t h = z.zs()->Hash(m);
      if (z.zs()->Find(m, h) != nullptr) {
        z.Free();
        *err = "Duplicate zset fields detected";
        return nullptr;
      }
      z.zs()->Insert(score, m, h);
      maxlen = std::max(maxlen, m.size());
      total += m.size();
    }
    z.ConvertToListpackIfNeeded(limits, maxlen, total);
    return z.raw();
  }
  if (rec.type != rdb::kZSetListpack && rec.type != rdb::kZSetZiplist) {
    *err = "Unknown sorted set encoding";
    return nullptr;
  }
  const auto* blob = reinterpret_cast<const uint8_t*>(rec.payload.data());
  uint8_t* lp;
  if (rec.type == rdb::kZSetZiplist) {
    lp = LpFromZiplist(blob, rec.payload.size());
    if (lp == nullptr || !ZlpValidate(lp, LpBytes(lp), true)) {
      if (lp) LpFree(lp);
      *err = "Zset ziplist integrity check failed.";
      return nullptr;
    }
  } else {
    if (!ZlpValidate(blob, rec.payload.size(), true)) {
      *err = "Zset listpack integrity check failed.";
      return nullptr;
    }
    lp = static_cast<uint8_t*>(std::malloc(rec.payload.size()));
    if (lp == nullptr) std::abort();
    std::memcpy(lp, blob, rec.payload.size());
  }
  ZObj z = ZObj::FromListpack(lp);
  if (z.size() == 0) {
    z.Free();
    *err = rdb::kEmptyKeyError;
    return nullptr;
  }
  if (z.size() > limits.max_entries) z.ConvertToSkiplist();
  return z.raw();
}

// ---------------------------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------------------------

constexpr const char* kNanResult = "ERR resulting score is not a number (NaN)";

SetRng CommandRng(const void* salt) {
  auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  return SetRng(static_cast<uint64_t>(ns) ^ reinterpret_cast<uintptr_t>(salt));
}

// ---------------------------------------------------------------------------------------------
// ZADD / ZINCRBY / ZREM and the point queries
// ---------------------------------------------------------------------------------------------

void ZAddGeneric(CommandContext& ctx, int flags) {
  ArgList a = ctx.args;
  std::string_view key = a[1];
  size_t scoreidx = 2;
  bool ch = false;
  for (; scoreidx < a.size(); ++scoreidx) {
    std::string_view o = a[scoreidx];
    if (o.size() > 4) break;  // no option is longer: scores skip the comparisons
    if (EqNoCase(o, "nx")) {
      flags |= kZAddNx;
    } else if (EqNoCase(o, "xx")) {
      flags |= kZAddXx;
    } else if (EqNoCase(o, "ch")) {
      ch = true;
    } else if (EqNoCase(o, "incr")) {
      flags |= kZAddIncr;
    } else if (EqNoCase(o, "gt")) {
      flags |= kZAddGt;
    } else if (EqNoCase(o, "lt")) {
      flags |= kZAddLt;
    } else {
      break;
    }
  }
  const bool incr = flags & kZAddIncr, nx = flags & kZAddNx, xx = flags & kZAddXx;
  const bool gt = flags & kZAddGt, lt = flags & kZAddLt;
  size_t elements = a.size() - scoreidx;
  if (elements % 2 != 0 || elements == 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  elements /= 2;
  if (nx && xx) {
    ctx.reply.Error("ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    ctx.reply.Error("ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    ctx.reply.Error("ERR INCR option supports a single increment-element pair");
    return;
  }
  // Every score is parsed before anything changes: the command applies fully or not at all.
  double small[8];
  std::vector<double> big;
  double* scores = small;
  if (elements > 8) {
    big.resize(elements);
    scores = big.data();
  }
  for (size_t j = 0; j < elements; ++j) {
    if (!StringToDouble(a[scoreidx + 2 * j], &scores[j])) {
      ctx.reply.Error(err::kNotFloat);
      return;
    }
  }

  bool wrong;
  KvEntry* e = zcmd::WriteZset(ctx, key, &wrong);
  if (wrong) return;
  int64_t added = 0, updated = 0, processed = 0;
  double score = 0;
  if (e == nullptr && xx) {
    if (incr) {
      ctx.reply.Null();
    } else {
      ctx.reply.Integer(0);
    }
    return;
  }
  ZsetLimits limits;
  if (e == nullptr || ObjOf(e).is_listpack()) limits = zcmd::Limits(ctx);
  if (e == nullptr) e = zcmd::InsertZset(ctx, key, ZObj::ForFirst(limits, a[scoreidx + 1].size()));
  ZObj z = ObjOf(e);
  bool nan = false;
  for (size_t j = 0; j < elements; ++j) {
    int out;
    double newscore = 0;
    if (!z.Add(scores[j], a[scoreidx + 2 * j + 1], flags, &out, &newscore, limits)) {
      nan = true;
      break;
    }
    if (out & kZAddAdded) ++added;
    if (out & kZAddUpdated) ++updated;
    if (!(out & kZAddNop)) ++processed;
    score = newscore;
  }
  e->set_ptr(z.raw());
  if (added || updated) SignalModifiedKey(ctx, key);
  const char* event = incr ? "zincr" : "zadd";
  if (nan) {
    ctx.reply.Error(kNanResult);
    if (added || updated) NotifyKeyspaceEvent(ctx, kNotifyZset, event, key);
    return;
  }
  Dirty(ctx, static_cast<uint64_t>(added + updated));
  if (incr) {
    if (processed) {
      ctx.reply.Double(score);
    } else {
      ctx.reply.Null();
    }
  } else {
    ctx.reply.Integer(ch ? added + updated : added);
  }
  if (added || updated) NotifyKeyspaceEvent(ctx, kNotifyZset, event, key);
}

void ZIncrBy(CommandContext& ctx) { ZAddGeneric(ctx, kZAddIncr); }

void ZRem(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  bool wrong;
  KvEntry* e = zcmd::WriteZset(ctx, key, &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  ZObj z = ObjOf(e);
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    if (z.Delete(ctx.args[j])) ++deleted;
    if (z.size() == 0) break;
  }
  e->set_ptr(z.raw());
  bool emptied = z.size() == 0;
  if (emptied) Ks(ctx).Delete(ctx.db, key);
  if (deleted) {
    NotifyKeyspaceEvent(ctx, kNotifyZset, "zrem", key);
    if (emptied) NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
    SignalModifiedKey(ctx, key);
    Dirty(ctx, static_cast<uint64_t>(deleted));
  }
  ctx.reply.Integer(deleted);
}

void ZScore(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  double score;
  if (e != nullptr && ObjOf(e).Score(ctx.args[2], &score)) {
    ctx.reply.Double(score);
  } else {
    ctx.reply.Null();
  }
}

void ZMScore(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    double score;
    if (e != nullptr && ObjOf(e).Score(ctx.args[j], &score)) {
      ctx.reply.Double(score);
    } else {
      ctx.reply.Null();
    }
  }
}

void RankGeneric(CommandContext& ctx, bool reverse) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  int64_t rank = e ? ObjOf(e).Rank(ctx.args[2], reverse) : -1;
  if (rank >= 0) {
    ctx.reply.Integer(rank);
  } else {
    ctx.reply.Null();
  }
}

void ZRank(CommandContext& ctx) { RankGeneric(ctx, false); }
void ZRevRank(CommandContext& ctx) { RankGeneric(ctx, true); }

void ZCard(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(e ? static_cast<int64_t>(ObjOf(e).size()) : 0);
}

void ZCount(CommandContext& ctx) {
  ZScoreRange r;
  if (!ParseScoreRange(ctx.args[2], ctx.args[3], &r)) {
    ctx.reply.Error("ERR min or max is not a float");
    return;
  }
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  int64_t count = 0;
  if (e != nullptr) {
    ZObj z = ObjOf(e);
    if (z.is_listpack()) {
      for (ZIter it = ZIter::InScoreRange(z, r, false); it.Valid() && ScoreLteMax(it.Score(), r);
           it.Next())
        ++count;
    } else {
      uint64_t lo, hi;
      if (z.zs()->list().FirstInRange(r, &lo) != nullptr &&
          z.zs()->list().LastInRange(r, &hi) != nullptr)
        count = static_cast<int64_t>(hi - lo + 1);
    }
  }
  ctx.reply.Integer(count);
}

void ZLexCount(CommandContext& ctx) {
  ZLexRange r;
  if (!ParseLexRange(ctx.args[2], ctx.args[3], &r)) {
    ctx.reply.Error("ERR min or max not valid string range item");
    return;
  }
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  int64_t count = 0;
  if (e != nullptr) {
    ZObj z = ObjOf(e);
    if (z.is_listpack()) {
      for (ZIter it = ZIter::InLexRange(z, r, false); it.Valid() && LexLteMax(it.Member(), r);
           it.Next())
        ++count;
    } else {
      uint64_t lo, hi;
      if (z.zs()->list().FirstInLexRange(r, &lo) != nullptr &&
          z.zs()->list().LastInLexRange(r, &hi) != nullptr)
        count = static_cast<int64_t>(hi - lo + 1);
    }
  }
  ctx.reply.Integer(count);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER
// ---------------------------------------------------------------------------------------------

// Replies the element at 0-based rank r.
void ReplyAtRank(CommandContext& ctx, ZObj z, size_t r, bool withscores) {
  ZIter it = ZIter::AtRank(z, r, false, 1);
  if (withscores) {
    zcmd::ReplyPair(ctx, it.Member(), it.Score());
  } else {
    ctx.reply.Bulk(it.Member());
  }
}

void RandWithCount(CommandContext& ctx, int64_t l, bool withscores) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Array(0);
    return;
  }
  const bool unique = l >= 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (count == 0) {
    ctx.reply.Array(0);
    return;
  }
  ZObj z = ObjOf(e);
  const size_t size = z.size();
  const bool flat = withscores && !ctx.reply.resp3();
  SetRng rng = CommandRng(e);

  // Repetitions allowed (or one element): independent uniform picks.
  if (!unique || count == 1) {
    ctx.reply.Array(flat ? 2 * count : count);
    for (uint64_t i = 0; i < count; ++i) {
      if ((i & 1023) == 1023 && ctx.server.ReplyOverLimit(ctx.conn)) break;
      ReplyAtRank(ctx, z, rng.Below(size), withscores);
    }
    return;
  }
  const size_t n = count < size ? count : size;
  ctx.reply.Array(flat ? 2 * n : n);
  // All of it: in Redis's iteration order (from the highest element down).
  if (count >= size) {
    for (ZIter it = ZIter::AtRank(z, 0, true); it.Valid(); it.Next()) {
      if (withscores) {
        zcmd::ReplyPair(ctx, it.Member(), it.Score());
      } else {
        ctx.reply.Bulk(it.Member());
      }
    }
    return;
  }
  // Distinct picks: shuffle ranks when asking for much of the set, draw until distinct
  // otherwise (Redis's two strategies; the reply order is unspecified either way).
  constexpr uint64_t kSubStrategyMul = 3;
  if (count * kSubStrategyMul > size) {
    std::vector<uint32_t> pos(size);
    for (size_t i = 0; i < size; ++i) pos[i] = static_cast<uint32_t>(i);
    for (uint64_t i = 0; i < count; ++i) std::swap(pos[i], pos[i + rng.Below(size - i)]);
    std::sort(pos.begin(), pos.begin() + static_cast<long>(count));
    // One ordered walk instead of a rank lookup per element.
    size_t k = 0, r = 0;
    for (ZIter it = ZIter::Begin(z); it.Valid() && k < count; it.Next(), ++r) {
      if (pos[k] != r) continue;
      ++k;
      if (withscores) {
        zcmd::ReplyPair(ctx, it.Member(), it.Score());
      } else {
        ctx.reply.Bulk(it.Member());
      }
    }
    return;
  }
  std::unordered_set<uint64_t> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    uint64_t r = rng.Below(size);
    if (seen.insert(r).second) ReplyAtRank(ctx, z, r, withscores);
  }
}

void ZRandMember(CommandContext& ctx) {
  ArgList a = ctx.args;
  if (a.size() >= 3) {
    int64_t l;
    if (!zcmd::ArgLongRange(ctx, a[2], -LONG_MAX, LONG_MAX, &l, nullptr)) return;
    if (a.size() > 4 || (a.size() == 4 && !EqNoCase(a[3], "withscores"))) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    bool withscores = a.size() == 4;
    if (withscores && (l < -LONG_MAX / 2 || l > LONG_MAX / 2)) {
      ctx.reply.Error("ERR value is out of range");
      return;
    }
    RandWithCount(ctx, l, withscores);
    return;
  }
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, a[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  SetRng rng = CommandRng(e);
  ZObj z = ObjOf(e);
  ReplyAtRank(ctx, z, rng.Below(z.size()), false);
}

// ---------------------------------------------------------------------------------------------
// ZSCAN
// ---------------------------------------------------------------------------------------------

void ZScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.args[2], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ReplyEmptyScan(ctx);
    return;
  }
  ScanOptions opt;
  if (!ParseScanOptions(ctx, 3, &opt)) return;
  const int64_t count = opt.count;
  const std::string_view pat = opt.pattern;
  const bool use_pattern = opt.use_pattern;
  // (member, score text) pairs. Scores are the listpack's stored text, or "%.17Lg".
  std::vector<std::pair<std::string, std::string>> found;
  ZObj z = ObjOf(e);
  if (z.is_listpack()) {
    // Small by construction: everything in one reply, cursor 0 (as Redis).
    uint8_t* lp = z.lp();
    char b1[kLpIntBufSize], b2[kLpIntBufSize];
    for (uint8_t* p = LpFirst(lp); p != nullptr;) {
      uint8_t* s = LpNext(lp, p);
      found.emplace_back(LpGet(p).View(b1), LpGet(s).View(b2));
      p = LpNext(lp, s);
    }
    cursor = 0;
  } else {
    uint64_t want = static_cast<uint64_t>(count);
    uint64_t max_iterations = count > INT64_MAX / 10 ? UINT64_MAX : want * 10;
    do {
      cursor = z.zs()->Scan(cursor, [&](ZslNode* x) {
        found.emplace_back(x->member(), LongDoubleToString(x->score(), false));
      });
    } while (cursor != 0 && max_iterations-- > 0 && found.size() < want);
  }
  size_t kept = 0;
  for (size_t i = 0; i < found.size(); ++i) {
    if (use_pattern && !GlobMatch(pat, found[i].first)) continue;
    if (kept != i) found[kept] = std::move(found[i]);
    ++kept;
  }
  ctx.reply.Array(2);
  ctx.reply.BulkInt(static_cast<int64_t>(cursor));  // Redis prints the cursor signed
  ctx.reply.Array(2 * kept);
  for (size_t i = 0; i < kept; ++i) {
    ctx.reply.Bulk(found[i].first);
    ctx.reply.Bulk(found[i].second);
  }
}

}  // namespace

void zcmd::ZAdd(CommandContext& ctx) { ZAddGeneric(ctx, 0); }

void RegisterZSetCommands(CommandTable& t) {
  ObjectOps ops;
  ops.free_fn = FreeZsetValue;
  ops.dup_fn = DupZsetValue;
  ops.encoding = ZsetEncodingName;
  ops.memory = ZsetMemory;
  ops.rdb_type = ZsetRdbType;
  ops.rdb_save = ZsetRdbSave;
  ops.rdb_load = ZsetRdbLoad;
  ops.digest = ZsetDigest;
  ops.free_effort = [](const void* p) -> size_t {
    ZObj z(const_cast<void*>(p));
    return z.is_listpack() ? 1 : z.size();
  };
  RegisterObjectOps(ObjType::kZSet, ops);

  using namespace zcmd;  // NOLINT: the handlers of zset_ranges.cc
  const char* g = "sorted-set";
  const char* wf = "@write @sortedset @fast";
  const char* ws = "@write @sortedset @slow";
  const char* rf = "@read @sortedset @fast";
  const char* rs = "@read @sortedset @slow";
  const char* wfb = "@write @sortedset @fast @blocking";
  const char* wsb = "@write @sortedset @slow @blocking";
  const char* range_cx = "O(log(N)+M): N elements in the set, M returned.";
  const char* store_cx = "O(log(N)+M): N elements in the source, M stored.";
  const char* rem_cx = "O(log(N)+M): N elements in the set, M removed.";
  const char* pop_cx = "O(M*log(N)): M elements popped from a set of N.";
  const char* mpop_cx = "O(K)+O(M*log(N)): K keys given, M elements popped from a set of N.";
  const char* bzpop_cx = "O(log(N)) per pop, N elements in the set.";

  t.Add({"zadd", -4, "write denyoom fast", 1, 1, 1, wf, ZAdd, g,
         "Add one or more members to a sorted set, or update its score if it already exists",
         "1.2.0", "O(log(N)) per member added or updated, N elements in the set."});
  t.Add({"zincrby", 4, "write denyoom fast", 1, 1, 1, wf, ZIncrBy, g,
         "Increment the score of a member in a sorted set", "1.2.0",
         "O(log(N)), N elements in the set."});
  t.Add({"zrem", -3, "write fast", 1, 1, 1, wf, ZRem, g,
         "Remove one or more members from a sorted set", "1.2.0",
         "O(M*log(N)): M members removed from a set of N."});
  t.Add({"zscore", 3, "readonly fast", 1, 1, 1, rf, ZScore, g,
         "Get the score associated with the given member in a sorted set", "1.2.0",
         "O(1): one lookup in the member index."});
  t.Add({"zmscore", -3, "readonly fast", 1, 1, 1, rf, ZMScore, g,
         "Get the score associated with the given members in a sorted set", "6.2.0",
         "O(N), N members asked for."});
  t.Add({"zrank", 3, "readonly fast", 1, 1, 1, rf, ZRank, g,
         "Determine the index of a member in a sorted set", "2.0.0",
         "O(log(N)) through the skiplist spans."});
  t.Add({"zrevrank", 3, "readonly fast", 1, 1, 1, rf, ZRevRank, g,
         "Determine the index of a member in a sorted set, with scores ordered from high to low",
         "2.0.0", "O(log(N)) through the skiplist spans."});
  t.Add({"zcard", 2, "readonly fast", 1, 1, 1, rf, ZCard, g,
         "Get the number of members in a sorted set", "1.2.0", "O(1)"});
  t.Add({"zcount", 4, "readonly fast", 1, 1, 1, rf, ZCount, g,
         "Count the members in a sorted set with scores within the given values", "2.0.0",
         "O(log(N)): two rank lookups, N elements in the set."});
  t.Add({"zlexcount", 4, "readonly fast", 1, 1, 1, rf, ZLexCount, g,
         "Count the number of members in a sorted set between a given lexicographical range",
         "2.8.9", "O(log(N)): two rank lookups, N elements in the set."});
  t.Add({"zrange", -4, "readonly", 1, 1, 1, rs, ZRange, g,
         "Return a range of members in a sorted set", "1.2.0", range_cx});
  t.Add({"zrangestore", -5, "write denyoom", 1, 2, 1, ws, ZRangeStore, g,
         "Store a range of members from sorted set into another key", "6.2.0", store_cx});
  t.Add({"zrangebyscore", -4, "readonly", 1, 1, 1, rs, ZRangeByScore, g,
         "Return a range of members in a sorted set, by score", "1.0.5", range_cx});
  t.Add({"zrevrangebyscore", -4, "readonly", 1, 1, 1, rs, ZRevRangeByScore, g,
         "Return a range of members in a sorted set, by score, with scores ordered from high to "
         "low",
         "2.2.0", range_cx});
  t.Add({"zrangebylex", -4, "readonly", 1, 1, 1, rs, ZRangeByLex, g,
         "Return a range of members in a sorted set, by lexicographical range", "2.8.9", range_cx});
  t.Add({"zrevrangebylex", -4, "readonly", 1, 1, 1, rs, ZRevRangeByLex, g,
         "Return a range of members in a sorted set, by lexicographical range, ordered from "
         "higher to lower strings.",
         "2.8.9", range_cx});
  t.Add({"zrevrange", -4, "readonly", 1, 1, 1, rs, ZRevRange, g,
         "Return a range of members in a sorted set, by index, with scores ordered from high to "
         "low",
         "1.2.0", range_cx});
  t.Add({"zpopmin", -2, "write fast", 1, 1, 1, wf, ZPopMin, g,
         "Remove and return members with the lowest scores in a sorted set", "5.0.0", pop_cx});
  t.Add({"zpopmax", -2, "write fast", 1, 1, 1, wf, ZPopMax, g,
         "Remove and return members with the highest scores in a sorted set", "5.0.0", pop_cx});
  t.Add({"zmpop", -4, "write movablekeys", 0, 0, 0, ws, ZMPop, g,
         "Remove and return members with scores in a sorted set", "7.0.0", mpop_cx})
      ->keys_fn = NumKeysAfter1;
  t.Add({"bzpopmin", -3, "write noscript blocking fast", 1, -2, 1, wfb, BZPopMin, g,
         "Remove and return the member with the lowest score from one or more sorted sets, or "
         "block until one is available",
         "5.0.0", bzpop_cx});
  t.Add({"bzpopmax", -3, "write noscript blocking fast", 1, -2, 1, wfb, BZPopMax, g,
         "Remove and return the member with the highest score from one or more sorted sets, or "
         "block until one is available",
         "5.0.0", bzpop_cx});
  t.Add({"bzmpop", -5, "write blocking movablekeys", 0, 0, 0, wsb, BZMPop, g,
         "Remove and return members with scores in a sorted set or block until one is available",
         "7.0.0", mpop_cx})
      ->keys_fn = NumKeysAfter2;
  t.Add({"zremrangebyrank", 4, "write", 1, 1, 1, ws, ZRemRangeByRank, g,
         "Remove all members in a sorted set within the given indexes", "2.0.0", rem_cx});
  t.Add({"zremrangebyscore", 4, "write", 1, 1, 1, ws, ZRemRangeByScore, g,
         "Remove all members in a sorted set within the given scores", "1.2.0", rem_cx});
  t.Add({"zremrangebylex", 4, "write", 1, 1, 1, ws, ZRemRangeByLex, g,
         "Remove all members in a sorted set between the given lexicographical range", "2.8.9",
         rem_cx});
  const char* union_cx =
      "O(N)+O(M*log(M)): N elements in all inputs, M in the result (sorted once).";
  const char* inter_cx =
      "O(N*K)+O(M*log(M)): N elements of the smallest input probed in K inputs, M in the result.";
  const char* diff_cx = "O(N*K)+O(M*log(M)): N elements of the first input, K inputs, M results.";
  t.Add({"zunion", -3, "readonly movablekeys", 0, 0, 0, rs, ZUnion, g, "Add multiple sorted sets",
         "6.2.0", union_cx})
      ->keys_fn = NumKeysAfter1;
  t.Add({"zinter", -3, "readonly movablekeys", 0, 0, 0, rs, ZInter, g,
         "Intersect multiple sorted sets", "6.2.0", inter_cx})
      ->keys_fn = NumKeysAfter1;
  t.Add({"zdiff", -3, "readonly movablekeys", 0, 0, 0, rs, ZDiff, g,
         "Subtract multiple sorted sets", "6.2.0", diff_cx})
      ->keys_fn = NumKeysAfter1;
  t.Add({"zunionstore", -4, "write denyoom movablekeys", 1, 1, 1, ws, ZUnionStore, g,
         "Add multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
         union_cx})
      ->keys_fn = StoreThenNumKeys;
  t.Add({"zinterstore", -4, "write denyoom movablekeys", 1, 1, 1, ws, ZInterStore, g,
         "Intersect multiple sorted sets and store the resulting sorted set in a new key", "2.0.0",
         inter_cx})
      ->keys_fn = StoreThenNumKeys;
  t.Add({"zdiffstore", -4, "write denyoom movablekeys", 1, 1, 1, ws, ZDiffStore, g,
         "Subtract multiple sorted sets and store the resulting sorted set in a new key", "6.2.0",
         diff_cx})
      ->keys_fn = StoreThenNumKeys;
  t.Add({"zintercard", -3, "readonly movablekeys", 0, 0, 0, rs, ZInterCard, g,
         "Intersect multiple sorted sets and return the cardinality of the result", "7.0.0",
         "O(N*K): N elements of the smallest input probed in K inputs; LIMIT stops early."})
      ->keys_fn = NumKeysAfter1;
  t.Add({"zrandmember", -2, "readonly", 1, 1, 1, rs, ZRandMember, g,
         "Get one or multiple random elements from a sorted set", "6.2.0",
         "O(N*log(S)): N elements returned from a set of S."});
  t.Add({"zscan", -3, "readonly", 1, 1, 1, rs, ZScan, g,
         "Incrementally iterate sorted sets elements and associated scores", "2.8.0",
         "O(1) per call; O(N) for a complete iteration over N elements."});
}

}  // namespace sable
