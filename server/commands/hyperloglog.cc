// HyperLogLog commands: PFADD PFCOUNT PFMERGE PFDEBUG PFSELFTEST, with Redis 7.0.15's replies,
// errors, dirty counts and propagation.
//
// An HLL is a plain string holding Redis's byte format (datastructs/hyperloglog.h), so GET/SET
// carry it to and from redis-server. Any command that may write it first makes the value a raw
// HeapStr (as Redis's dbUnshareStringValue does, so OBJECT ENCODING reads "raw" afterwards)
// and then updates it in place; a sparse HLL grows by at most a few bytes per update, and
// promotion to dense swaps in a new 12304-byte HeapStr.
//
// PFCOUNT is flagged readonly but stores the computed cardinality in the header when the cache
// was stale; Redis 7.0 then counts a change, signals WATCH, and propagates the PFCOUNT itself.
#include "datastructs/hyperloglog.h"

#include <fmt/format.h>

#include <cstring>
#include <string>
#include <vector>

#include "server/commands/util.h"

namespace sable {

namespace {

constexpr const char* kErrInvalidHll = "INVALIDOBJ Corrupted HLL object detected";
constexpr const char* kErrNotHll = "WRONGTYPE Key is not a valid HyperLogLog string value.";

uint8_t* Bytes(HeapStr* h) { return reinterpret_cast<uint8_t*>(h->data); }

// The byte after the string, as Redis's sparse code reads it (see datastructs/hyperloglog.h):
// a raw value keeps it in its HeapStr; an inline value has Redis's NUL.
uint8_t After(const HeapStr* h) { return static_cast<uint8_t>(h->data[h->len]); }
uint8_t After(const KvEntry* e) { return e->enc() == Enc::kRaw ? After(e->heap_str()) : 0; }

HeapStr* NewHeapStr(std::string_view v) {
  HeapStr* h = HeapStr::New(v, v.size() + hll::kSparseSlack);
  h->data[h->len] = '\0';
  return h;
}

size_t SparseMaxBytes(CommandContext& ctx) {
  int64_t v = ctx.server.config().hll_sparse_max_bytes;
  if (v < 0) v = 0;  // the setting is a size: Redis refuses negative values
  return static_cast<size_t>(v);
}

// Replies and returns false unless `e` (present) is a string holding a valid-looking HLL.
bool CheckHll(CommandContext& ctx, const KvEntry* e) {
  if (WrongType(ctx, e, ObjType::kString)) return false;
  char tmp[24];
  if (e->enc() == Enc::kInt || !hll::IsHll(e->StringView(tmp))) {
    ctx.reply.Error(kErrNotHll);
    return false;
  }
  return true;
}

// The value of *link as a raw HeapStr (an inline value is copied out first).
HeapStr* Unshare(CommandContext& ctx, KvEntry** link) {
  KvEntry* e = *link;
  e->set_lru(LruClock(ctx));
  if (e->enc() == Enc::kRaw) return e->heap_str();
  char tmp[24];
  std::string_view v = e->StringView(tmp);
  HeapStr* h = NewHeapStr(v);
  Ks(ctx).Replace(ctx.db, link, KvEntry::NewRaw(e->key(), h, e->expire_ms(), LruClock(ctx)));
  return h;
}

// A new empty (sparse) HLL under `key`, which must be absent.
KvEntry* CreateHll(CommandContext& ctx, std::string_view key, HeapStr** h) {
  *h = NewHeapStr(hll::NewSparse());
  KvEntry* e = KvEntry::NewRaw(key, *h, -1, LruClock(ctx));
  Ks(ctx).Insert(ctx.db, e);
  return e;
}

// Replaces the sparse HLL in *h (owned by `e`) with its dense form; false if it is corrupted.
bool PromoteToDense(KvEntry* e, HeapStr** h) {
  HeapStr* dense = HeapStr::New({}, hll::kDenseSize);
  if (!hll::SparseToDense((*h)->view(), Bytes(dense), After(*h))) {
    free(dense);
    return false;
  }
  dense->len = hll::kDenseSize;
  dense->data[dense->len] = '\0';
  free(*h);
  e->set_heap_str(dense);
  *h = dense;
  return true;
}

// Raises register `index` to `count`: 1 if it changed, 0 if not, -1 if the HLL is corrupted.
// May move the value (entry and *h are updated).
int SetRegister(KvEntry* e, HeapStr** h, uint32_t index, uint8_t count, size_t max_bytes) {
  HeapStr* s = *h;
  if (hll::Encoding(Bytes(s)) == hll::kDense)
    return hll::DenseSet(Bytes(s) + hll::kHeaderSize, index, count) ? 1 : 0;
  if (s->cap < s->len + hll::kSparseSlack) {
    s = HeapStr::Grow(s, s->len + hll::kSparseSlack);
    e->set_heap_str(s);
    *h = s;
  }
  size_t len = s->len;
  hll::SparseResult r = hll::SparseSet(Bytes(s), &len, index, count, max_bytes);
  s->len = static_cast<uint32_t>(len);
  switch (r) {
    case hll::SparseResult::kUnchanged:
      return 0;
    case hll::SparseResult::kChanged:
      return 1;
    case hll::SparseResult::kInvalid:
      return -1;
    case hll::SparseResult::kPromote:
      break;
  }
  if (!PromoteToDense(e, h)) return -1;
  hll::DenseSet(Bytes(*h) + hll::kHeaderSize, index, count);  // necessarily a raise
  return 1;
}

// Redis compares subcommand names as C strings (a NUL ends them).
std::string_view CStr(std::string_view s) { return s.substr(0, s.find('\0')); }

// PFADD key [element ...]
void PfAddCmd(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  KvEntry** link = Ks(ctx).FindLink(ctx.db, key, ctx.now_ms);
  KvEntry* e;
  HeapStr* h;
  uint64_t updated = 0;
  if (link == nullptr) {
    e = CreateHll(ctx, key, &h);
    updated = 1;
  } else {
    if (!CheckHll(ctx, *link)) return;
    h = Unshare(ctx, link);
    e = *link;
  }
  size_t max_bytes = 0;
  if (ctx.args.size() > 2 && hll::Encoding(Bytes(h)) == hll::kSparse)
    max_bytes = SparseMaxBytes(ctx);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    uint32_t index;
    uint8_t count = hll::PatLen(ctx.args[j], &index);
    int r = SetRegister(e, &h, index, count, max_bytes);
    if (r < 0) {  // as Redis: registers already raised stay, nothing is counted
      ctx.reply.Error(kErrInvalidHll);
      return;
    }
    updated += static_cast<uint64_t>(r);
  }
  if (updated) {
    SignalModifiedKey(ctx, key);
    NotifyKeyspaceEvent(ctx, kNotifyString, "pfadd", key);
    Dirty(ctx, updated);
    hll::InvalidateCache(Bytes(h));
  }
  ctx.reply.Integer(updated ? 1 : 0);
}

// PFCOUNT key [key ...]
void PfCountCmd(CommandContext& ctx) {
  if (ctx.args.size() > 2) {  // the cardinality of the union, in a temporary
    std::vector<uint8_t> max(hll::kRegisters, 0);
    for (size_t j = 1; j < ctx.args.size(); ++j) {
      KvEntry* e = LookupRead(ctx, ctx.args[j]);
      if (e == nullptr) continue;
      if (!CheckHll(ctx, e)) return;
      char tmp[24];
      if (!hll::MergeMax(e->StringView(tmp), max.data(), After(e))) {
        ctx.reply.Error(kErrInvalidHll);
        return;
      }
    }
    int hist[hll::kHistogramSize] = {0};
    hll::RawHistogram(max.data(), hist);
    ctx.reply.Integer(static_cast<int64_t>(hll::Estimate(hist)));
    return;
  }

  std::string_view key = ctx.args[1];
  KvEntry* e = LookupRead(ctx, key);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (!CheckHll(ctx, e)) return;
  HeapStr* h = e->enc() == Enc::kRaw ? e->heap_str()
                                     : Unshare(ctx, Ks(ctx).FindLink(ctx.db, key, ctx.now_ms));
  uint8_t* bytes = Bytes(h);
  uint64_t card;
  if (hll::CacheValid(bytes)) {
    card = hll::CachedCard(bytes);
  } else {
    int hist[hll::kHistogramSize] = {0};
    if (!hll::Histogram(h->view(), hist, After(h))) {
      ctx.reply.Error(kErrInvalidHll);
      return;
    }
    card = hll::Estimate(hist);
    hll::SetCachedCard(bytes, card);
    // The cache lives in the string: a change Redis propagates although PFCOUNT is readonly.
    SignalModifiedKey(ctx, key);
    Dirty(ctx);
    PropagateAs(ctx, {ctx.args[0], ctx.args[1]});
  }
  ctx.reply.Integer(static_cast<int64_t>(card));
}

// PFMERGE destkey [sourcekey ...] — the destination is merged as a source too.
void PfMergeCmd(CommandContext& ctx) {
  std::vector<uint8_t> max(hll::kRegisters, 0);
  bool use_dense = false;
  for (size_t j = 1; j < ctx.args.size(); ++j) {
    KvEntry* e = LookupRead(ctx, ctx.args[j]);
    if (e == nullptr) continue;
    if (!CheckHll(ctx, e)) return;
    char tmp[24];
    std::string_view v = e->StringView(tmp);
    if (static_cast<uint8_t>(v[4]) == hll::kDense) use_dense = true;
    if (!hll::MergeMax(v, max.data(), After(e))) {
      ctx.reply.Error(kErrInvalidHll);
      return;
    }
  }

  std::string_view key = ctx.args[1];
  KvEntry** link = Ks(ctx).FindLink(ctx.db, key, ctx.now_ms);
  KvEntry* e;
  HeapStr* h;
  if (link == nullptr) {
    e = CreateHll(ctx, key, &h);
  } else {  // already checked as a source
    h = Unshare(ctx, link);
    e = *link;
  }
  if (use_dense && hll::Encoding(Bytes(h)) == hll::kSparse && !PromoteToDense(e, &h)) {
    ctx.reply.Error(kErrInvalidHll);
    return;
  }
  // Register by register, as Redis does, so a sparse destination gets Redis's exact bytes.
  size_t max_bytes = hll::Encoding(Bytes(h)) == hll::kSparse ? SparseMaxBytes(ctx) : 0;
  for (uint32_t j = 0; j < hll::kRegisters; ++j)
    if (max[j] != 0) SetRegister(e, &h, j, max[j], max_bytes);
  hll::InvalidateCache(Bytes(h));
  SignalModifiedKey(ctx, key);
  // A PFADD event: a merge is a mass add (as Redis).
  NotifyKeyspaceEvent(ctx, kNotifyString, "pfadd", key);
  Dirty(ctx);
  ctx.reply.Ok();
}

// PFDEBUG GETREG|DECODE|ENCODING|TODENSE key
void PfDebugCmd(CommandContext& ctx) {
  std::string_view sub = CStr(ctx.args[1]);
  KvEntry** link = Ks(ctx).FindLink(ctx.db, ctx.args[2], ctx.now_ms);
  if (link == nullptr) {
    ctx.reply.Error("ERR The specified key does not exist");
    return;
  }
  if (!CheckHll(ctx, *link)) return;
  HeapStr* h = Unshare(ctx, link);
  KvEntry* e = *link;
  const bool sparse = hll::Encoding(Bytes(h)) == hll::kSparse;
  if (EqNoCase(sub, "getreg") || EqNoCase(sub, "todense")) {
    bool getreg = EqNoCase(sub, "getreg");
    if (sparse) {
      if (!PromoteToDense(e, &h)) {
        ctx.reply.Error(kErrInvalidHll);
        return;
      }
      Dirty(ctx);  // the encoding change propagates
    }
    if (!getreg) {
      ctx.reply.Integer(sparse ? 1 : 0);
      return;
    }
    const uint8_t* regs = Bytes(h) + hll::kHeaderSize;
    ctx.reply.Array(hll::kRegisters);
    for (uint32_t i = 0; i < hll::kRegisters; ++i) ctx.reply.Integer(hll::DenseGet(regs, i));
  } else if (EqNoCase(sub, "decode")) {
    if (!sparse) {
      ctx.reply.Error("ERR HLL encoding is not sparse");
      return;
    }
    ctx.reply.Bulk(hll::DecodeSparse(h->view(), After(h)));
  } else if (EqNoCase(sub, "encoding")) {
    ctx.reply.Simple(sparse ? "sparse" : "dense");
  } else {
    ctx.reply.Error(fmt::format("ERR Unknown PFDEBUG subcommand '{}'", sub));
  }
}

// PFSELFTEST
void PfSelfTestCmd(CommandContext& ctx) {
  uint64_t seed = static_cast<uint64_t>(ctx.now_ms) * 0x9e3779b97f4a7c15ULL;
  std::string err = hll::SelfTest(SparseMaxBytes(ctx), seed);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR " + err);
  }
}

}  // namespace

void RegisterHyperLogLogCommands(CommandTable& t) {
  const char* g = "hyperloglog";
  const CommandRow rows[] = {
      {"pfadd", -2, "write denyoom fast", 1, 1, 1, "@write @hyperloglog @fast", PfAddCmd, g,
       "Adds the specified elements to the specified HyperLogLog.", "2.8.9",
       "O(1) to add every element."},
      {"pfcount", -2, "readonly", 1, -1, 1, "@read @hyperloglog @slow", PfCountCmd, g,
       "Return the approximated cardinality of the set(s) observed by the HyperLogLog at "
       "key(s).",
       "2.8.9",
       "O(1) with a very small average constant time when called with a single key. O(N) with "
       "N being the number of keys, and much bigger constant times, when called with multiple "
       "keys."},
      {"pfmerge", -2, "write denyoom", 1, -1, 1, "@write @hyperloglog @slow", PfMergeCmd, g,
       "Merge N different HyperLogLogs into a single one.", "2.8.9",
       "O(N) to merge N HyperLogLogs, but with high constant times."},
      {"pfdebug", 3, "write denyoom admin", 2, 2, 1, "@write @hyperloglog @admin @slow @dangerous",
       PfDebugCmd, g, "Internal commands for debugging HyperLogLog values", "2.8.9", "N/A"},
      {"pfselftest", 1, "admin", 0, 0, 0, "@hyperloglog @admin @slow @dangerous", PfSelfTestCmd, g,
       "An internal command for testing HyperLogLog values", "2.8.9", "N/A"},
  };
  for (const CommandRow& r : rows) {
    CommandSpec* c = t.Add(r);
    // PFCOUNT may rewrite the cached cardinality and propagate: CLIENT PAUSE WRITE holds it
    // back, as Redis; COMMAND INFO does not list that flag.
    if (c->name == "pfcount") c->flags |= kCmdMayReplicate;
  }
}

}  // namespace sable
