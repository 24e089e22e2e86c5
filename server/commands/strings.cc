// String commands: SET family, GET family, counters, ranges, APPEND and LCS.
//
// Storage rules (mirroring Redis's encodings): values that read back as an exact int64 live as
// kInt, short strings inline (kEmbStr), long ones in a HeapStr (kRaw). APPEND and SETRANGE turn
// a value into kRaw on its first modification and then grow the HeapStr in place with Redis's
// greedy policy. SET/INCR reuse the existing entry when the new value has the same layout, so a
// steady-state overwrite allocates nothing.
#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <string>

#include "server/commands/util.h"

namespace sable {

namespace {

// ---------------------------------------------------------------------------------------------
// Shared helpers

// Largest string SETRANGE/APPEND may build: the configured proto-max-bulk-len, and never more
// than a HeapStr's 32-bit length can hold after greedy growth.
constexpr size_t kPrealloc = size_t{1} << 20;  // Redis SDS_MAX_PREALLOC
constexpr uint64_t kHeapStrHardMax = uint64_t{UINT32_MAX} - 2 * kPrealloc;

// Replies the size error and returns false when `size + append` is over the limit.
bool CheckStringLength(CommandContext& ctx, uint64_t size, uint64_t append) {
  uint64_t total = size + append;
  uint64_t limit = static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len);
  if (limit > kHeapStrHardMax) limit = kHeapStrHardMax;
  if (total > limit || total < size) {
    ctx.reply.Error("ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return false;
  }
  return true;
}

// Capacity for a string about to grow to `need` bytes (same policy as HeapStr::Grow).
size_t GreedyCap(size_t need) { return need < kPrealloc ? need * 2 : need + kPrealloc; }

// Write lookup returning the slot for in-place replacement; lazily expires.
KvEntry** LookupWriteLink(CommandContext& ctx, std::string_view key) {
  return Ks(ctx).FindLink(ctx.db, key, ctx.now_ms);
}

// As LookupRead (hit/miss counters, LRU touch) but returning the slot, for read-then-modify
// commands (SET GET, GETSET, GETEX) that must not look the key up twice.
KvEntry** LookupReadLink(CommandContext& ctx, std::string_view key) {
  Keyspace& ks = Ks(ctx);
  KvEntry** link = ks.FindLink(ctx.db, key, ctx.now_ms);
  if (link == nullptr) {
    ++ks.stats.keyspace_misses;
    NotifyKeyspaceEvent(ctx, kNotifyKeyMiss, "keymiss", key);
  } else {
    ++ks.stats.keyspace_hits;
    (*link)->set_lru(ks.lru_clock);
  }
  return link;
}

// The bytes of an inline (kEmbStr) value, for same-length overwrites. The entry's memory is
// ours (heap, non-const); StringView only exposes it read-only.
char* EmbStrBytes(KvEntry* e) {
  char tmp[24];
  return const_cast<char*>(e->StringView(tmp).data());
}

// Stores `val` as the string value of `key`, whose current slot is `link` (nullptr = absent).
// `expire_ms` < 0 means no TTL. Overwrites in place when the encoding and size are unchanged
// and the TTL's presence is the same; otherwise one new entry replaces the old one.
// `as_text` keeps numeric text as a string (INCRBYFLOAT results are embstr in Redis).
void StoreString(CommandContext& ctx, KvEntry** link, std::string_view key, std::string_view val,
                 int64_t expire_ms, bool as_text = false) {
  Keyspace& ks = Ks(ctx);
  uint32_t lru = LruClock(ctx);
  int64_t iv = 0;
  bool is_int = !as_text && val.size() <= 20 && StringToInt64(val, &iv);
  if (link == nullptr) {
    ks.Insert(ctx.db, is_int ? KvEntry::NewInt(key, iv, expire_ms, lru)
                             : KvEntry::NewString(key, val, expire_ms, lru, !as_text));
    return;
  }
  KvEntry* old = *link;
  if (old->type() == ObjType::kString && old->has_expire() == (expire_ms >= 0)) {
    bool done = false;
    if (is_int) {
      if (old->enc() == Enc::kInt) {
        old->set_int_value(iv);
        done = true;
      }
    } else if (old->enc() == Enc::kEmbStr && val.size() <= KvEntry::kEmbStrMax &&
               old->StringLength() == val.size()) {
      if (!val.empty()) memcpy(EmbStrBytes(old), val.data(), val.size());
      done = true;
    }
    if (done) {
      if (expire_ms >= 0) old->set_expire_ms(expire_ms);
      old->set_lru(lru);
      return;
    }
  }
  ks.Replace(ctx.db, link,
             is_int ? KvEntry::NewInt(key, iv, expire_ms, lru)
                    : KvEntry::NewString(key, val, expire_ms, lru, !as_text));
}

// Replaces the value of the string entry at `link` by `h` (taking ownership), keeping its TTL.
void StoreRaw(CommandContext& ctx, KvEntry** link, HeapStr* h) {
  KvEntry* old = *link;
  Ks(ctx).Replace(ctx.db, link, KvEntry::NewRaw(old->key(), h, old->expire_ms(), LruClock(ctx)));
}

// ---------------------------------------------------------------------------------------------
// SET / GETEX option parsing

enum SetFlag : uint32_t {
  kSetNx = 1 << 0,
  kSetXx = 1 << 1,
  kSetEx = 1 << 2,
  kSetPx = 1 << 3,
  kSetKeepTtl = 1 << 4,
  kSetGet = 1 << 5,
  kSetExAt = 1 << 6,
  kSetPxAt = 1 << 7,
  kSetPersist = 1 << 8,
};
constexpr uint32_t kAnyExpire = kSetEx | kSetPx | kSetExAt | kSetPxAt;

// Parses SET's (for_set) or GETEX's trailing options from args[first]. Each option is accepted
// only when it does not conflict with one already seen; any other word is a syntax error.
bool ParseStringOptions(CommandContext& ctx, size_t first, bool for_set, uint32_t* flags,
                        std::string_view* expire) {
  ArgList a = ctx.args;
  for (size_t j = first; j < a.size(); ++j) {
    std::string_view opt = a[j];
    bool has_next = j + 1 < a.size();
    uint32_t f = *flags;
    uint32_t add = 0;
    bool takes_value = false;
    if (for_set && EqNoCase(opt, "nx") && !(f & kSetXx)) {
      add = kSetNx;
    } else if (for_set && EqNoCase(opt, "xx") && !(f & kSetNx)) {
      add = kSetXx;
    } else if (for_set && EqNoCase(opt, "get")) {
      add = kSetGet;
    } else if (for_set && EqNoCase(opt, "keepttl") && !(f & (kAnyExpire | kSetPersist))) {
      add = kSetKeepTtl;
    } else if (!for_set && EqNoCase(opt, "persist") && !(f & (kAnyExpire | kSetKeepTtl))) {
      add = kSetPersist;
    } else if (has_next && !(f & (kSetKeepTtl | kSetPersist))) {
      if (EqNoCase(opt, "ex") && !(f & (kAnyExpire & ~kSetEx))) {
        add = kSetEx;
      } else if (EqNoCase(opt, "px") && !(f & (kAnyExpire & ~kSetPx))) {
        add = kSetPx;
      } else if (EqNoCase(opt, "exat") && !(f & (kAnyExpire & ~kSetExAt))) {
        add = kSetExAt;
      } else if (EqNoCase(opt, "pxat") && !(f & (kAnyExpire & ~kSetPxAt))) {
        add = kSetPxAt;
      }
      takes_value = add != 0;
    }
    if (add == 0) {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    *flags |= add;
    if (takes_value) *expire = a[++j];
  }
  return true;
}

// Turns an EX/PX/EXAT/PXAT argument into an absolute unix time in ms, replying on error.
bool ExpireAtMs(CommandContext& ctx, std::string_view arg, uint32_t flags, int64_t* out) {
  int64_t v;
  if (!ArgInt64(ctx, arg, &v)) return false;
  bool seconds = flags & (kSetEx | kSetExAt);
  bool relative = flags & (kSetEx | kSetPx);
  bool bad = v <= 0 || (seconds && v > INT64_MAX / 1000);
  if (!bad) {
    if (seconds) v *= 1000;
    if (relative) {
      if (v > INT64_MAX - ctx.now_ms) {
        bad = true;
      } else {
        v += ctx.now_ms;
      }
    }
  }
  if (bad || v <= 0) {
    ctx.reply.Error("ERR invalid expire time in '" + ctx.spec.name + "' command");
    return false;
  }
  *out = v;
  return true;
}

// ---------------------------------------------------------------------------------------------
// SET family

// The common SET path. `ok_abort_int` selects SETNX's 1/0 replies instead of OK/nil.
void SetGeneric(CommandContext& ctx, uint32_t flags, std::string_view expire_arg,
                std::string_view key, std::string_view val, bool ok_abort_int) {
  int64_t expire_ms = -1;
  if ((flags & kAnyExpire) && !ExpireAtMs(ctx, expire_arg, flags, &expire_ms)) return;

  KvEntry** link;
  if (flags & kSetGet) {
    link = LookupReadLink(ctx, key);
    if (link == nullptr) {
      ctx.reply.Null();
    } else {
      if (WrongType(ctx, *link, ObjType::kString)) return;
      ReplyStringValue(ctx, *link);
    }
  } else {
    link = LookupWriteLink(ctx, key);
  }
  bool found = link != nullptr;
  if (((flags & kSetNx) && found) || ((flags & kSetXx) && !found)) {
    if (!(flags & kSetGet)) {
      if (ok_abort_int) {
        ctx.reply.Integer(0);
      } else {
        ctx.reply.Null();
      }
    }
    return;
  }
  if ((flags & kSetKeepTtl) && found) expire_ms = (*link)->expire_ms();
  StoreString(ctx, link, key, val, expire_ms);
  Dirty(ctx);
  NotifyKeyspaceEvent(ctx, kNotifyString, "set", key);
  // Relative TTLs reach the AOF and replicas as an absolute time.
  if (flags & kAnyExpire) {
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "expire", key);
    std::string when = std::to_string(expire_ms);
    PropagateAs(ctx, {"SET", key, val, "PXAT", when});
  }
  if (!(flags & kSetGet)) {
    if (ok_abort_int) {
      ctx.reply.Integer(1);
    } else {
      ctx.reply.Ok();
    }
  }
}

void SetCmd(CommandContext& ctx) {
  if (ctx.args.size() == 3) {  // the hot path: plain SET key value
    KvEntry** link = LookupWriteLink(ctx, ctx.args[1]);
    StoreString(ctx, link, ctx.args[1], ctx.args[2], -1);
    Dirty(ctx);
    NotifyKeyspaceEvent(ctx, kNotifyString, "set", ctx.args[1]);
    ctx.reply.Ok();
    return;
  }
  uint32_t flags = 0;
  std::string_view expire;
  if (!ParseStringOptions(ctx, 3, true, &flags, &expire)) return;
  SetGeneric(ctx, flags, expire, ctx.args[1], ctx.args[2], false);
}

void SetNxCmd(CommandContext& ctx) { SetGeneric(ctx, kSetNx, {}, ctx.args[1], ctx.args[2], true); }

void SetExCmd(CommandContext& ctx) {
  SetGeneric(ctx, kSetEx, ctx.args[2], ctx.args[1], ctx.args[3], false);
}

void PSetExCmd(CommandContext& ctx) {
  SetGeneric(ctx, kSetPx, ctx.args[2], ctx.args[1], ctx.args[3], false);
}

void MSetGeneric(CommandContext& ctx, bool nx) {
  ArgList a = ctx.args;
  if (a.size() % 2 == 0) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.spec.name + "' command");
    return;
  }
  if (nx) {
    for (size_t j = 1; j < a.size(); j += 2) {
      if (LookupWrite(ctx, a[j]) != nullptr) {
        ctx.reply.Integer(0);
        return;
      }
    }
  }
  for (size_t j = 1; j < a.size(); j += 2) {
    StoreString(ctx, LookupWriteLink(ctx, a[j]), a[j], a[j + 1], -1);
    NotifyKeyspaceEvent(ctx, kNotifyString, "set", a[j]);
  }
  Dirty(ctx, (a.size() - 1) / 2);
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void MSetCmd(CommandContext& ctx) { MSetGeneric(ctx, false); }
void MSetNxCmd(CommandContext& ctx) { MSetGeneric(ctx, true); }

// ---------------------------------------------------------------------------------------------
// GET family

void GetCmd(CommandContext& ctx) {
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  ReplyStringValue(ctx, e);
}

void GetSetCmd(CommandContext& ctx) {
  KvEntry** link = LookupReadLink(ctx, ctx.args[1]);
  if (link == nullptr) {
    ctx.reply.Null();
  } else {
    if (WrongType(ctx, *link, ObjType::kString)) return;
    ReplyStringValue(ctx, *link);
  }
  StoreString(ctx, link, ctx.args[1], ctx.args[2], -1);  // like SET: the TTL is dropped
  NotifyKeyspaceEvent(ctx, kNotifyString, "set", ctx.args[1]);
  Dirty(ctx);
  PropagateAs(ctx, {"SET", ctx.args[1], ctx.args[2]});
}

void GetDelCmd(CommandContext& ctx) {
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  ReplyStringValue(ctx, e);
  Ks(ctx).Delete(ctx.db, ctx.args[1]);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
  Dirty(ctx);
  PropagateAs(ctx, {"DEL", ctx.args[1]});
}

void GetExCmd(CommandContext& ctx) {
  uint32_t flags = 0;
  std::string_view expire_arg;
  if (!ParseStringOptions(ctx, 2, false, &flags, &expire_arg)) return;
  KvEntry** link = LookupReadLink(ctx, ctx.args[1]);
  if (link == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, *link, ObjType::kString)) return;
  int64_t when = -1;
  if ((flags & kAnyExpire) && !ExpireAtMs(ctx, expire_arg, flags, &when)) return;
  ReplyStringValue(ctx, *link);  // before the entry may go away
  Keyspace& ks = Ks(ctx);
  if ((flags & (kSetExAt | kSetPxAt)) && when <= ctx.now_ms) {
    ks.Delete(ctx.db, ctx.args[1]);  // an absolute time in the past deletes the key
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    Dirty(ctx);
    PropagateAs(ctx, {"DEL", ctx.args[1]});
  } else if (flags & kAnyExpire) {
    ks.SetExpire(ctx.db, link, when);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "expire", ctx.args[1]);
    Dirty(ctx);
    std::string w = std::to_string(when);
    PropagateAs(ctx, {"PEXPIREAT", ctx.args[1], w});
  } else if ((flags & kSetPersist) && (*link)->has_expire()) {
    ks.SetExpire(ctx.db, link, -1);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "persist", ctx.args[1]);
    Dirty(ctx);
    PropagateAs(ctx, {"PERSIST", ctx.args[1]});
  }
}

void MGetCmd(CommandContext& ctx) {
  ArgList a = ctx.args;
  ctx.reply.Array(a.size() - 1);
  for (size_t j = 1; j < a.size(); ++j) {
    KvEntry* e = LookupRead(ctx, a[j]);
    if (e == nullptr || e->type() != ObjType::kString) {
      ctx.reply.Null();
    } else {
      ReplyStringValue(ctx, e);
    }
  }
}

void StrLenCmd(CommandContext& ctx) {
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  ctx.reply.Integer(static_cast<int64_t>(e->StringLength()));
}

// GETRANGE / SUBSTR: inclusive range with negative indexes from the end, clamped.
void GetRangeCmd(CommandContext& ctx) {
  int64_t start, end;
  if (!ArgInt64(ctx, ctx.args[2], &start) || !ArgInt64(ctx, ctx.args[3], &end)) return;
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Bulk("");
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  char tmp[24];
  std::string_view s = e->StringView(tmp);
  int64_t len = static_cast<int64_t>(s.size());
  if (start < 0 && end < 0 && start > end) {
    ctx.reply.Bulk("");
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (start > end || len == 0) {
    ctx.reply.Bulk("");
    return;
  }
  ctx.reply.Bulk(s.substr(static_cast<size_t>(start), static_cast<size_t>(end - start + 1)));
}

// ---------------------------------------------------------------------------------------------
// Modification in place: APPEND, SETRANGE

void AppendCmd(CommandContext& ctx) {
  std::string_view key = ctx.args[1], add = ctx.args[2];
  KvEntry** link = LookupWriteLink(ctx, key);
  size_t total;
  if (link == nullptr) {
    StoreString(ctx, nullptr, key, add, -1);
    total = add.size();
  } else {
    KvEntry* e = *link;
    if (WrongType(ctx, e, ObjType::kString)) return;
    size_t old_len = e->StringLength();
    if (!CheckStringLength(ctx, old_len, add.size())) return;
    total = old_len + add.size();
    if (e->enc() == Enc::kRaw) {
      HeapStr* h = HeapStr::Grow(e->heap_str(), total);
      if (!add.empty()) memcpy(h->data + h->len, add.data(), add.size());
      h->len = static_cast<uint32_t>(total);
      h->data[total] = '\0';
      e->set_heap_str(h);
      e->set_lru(LruClock(ctx));
    } else {  // first modification: the value becomes a growable raw string
      char tmp[24];
      HeapStr* h = HeapStr::New(e->StringView(tmp), GreedyCap(total));
      if (!add.empty()) memcpy(h->data + h->len, add.data(), add.size());
      h->len = static_cast<uint32_t>(total);
      h->data[total] = '\0';
      StoreRaw(ctx, link, h);
    }
  }
  NotifyKeyspaceEvent(ctx, kNotifyString, "append", key);
  Dirty(ctx);
  ctx.reply.Integer(static_cast<int64_t>(total));
}

void SetRangeCmd(CommandContext& ctx) {
  std::string_view key = ctx.args[1], val = ctx.args[3];
  int64_t offset;
  if (!ArgInt64(ctx, ctx.args[2], &offset)) return;
  if (offset < 0) {
    ctx.reply.Error("ERR offset is out of range");
    return;
  }
  auto off = static_cast<uint64_t>(offset);
  KvEntry** link = LookupWriteLink(ctx, key);
  if (link == nullptr) {
    if (val.empty()) {  // nothing to set on a missing key: no key is created
      ctx.reply.Integer(0);
      return;
    }
    if (!CheckStringLength(ctx, off, val.size())) return;
    size_t total = off + val.size();
    HeapStr* h = HeapStr::New({}, total);
    memset(h->data, 0, off);
    memcpy(h->data + off, val.data(), val.size());
    h->len = static_cast<uint32_t>(total);
    h->data[total] = '\0';
    Ks(ctx).Insert(ctx.db, KvEntry::NewRaw(key, h, -1, LruClock(ctx)));
    NotifyKeyspaceEvent(ctx, kNotifyString, "setrange", key);
    Dirty(ctx);
    ctx.reply.Integer(static_cast<int64_t>(total));
    return;
  }
  KvEntry* e = *link;
  if (WrongType(ctx, e, ObjType::kString)) return;
  size_t old_len = e->StringLength();
  if (val.empty()) {
    ctx.reply.Integer(static_cast<int64_t>(old_len));
    return;
  }
  if (!CheckStringLength(ctx, off, val.size())) return;
  size_t need = off + val.size();
  size_t total = need > old_len ? need : old_len;
  HeapStr* h;
  if (e->enc() == Enc::kRaw) {
    h = HeapStr::Grow(e->heap_str(), total);
    e->set_heap_str(h);
    e->set_lru(LruClock(ctx));
  } else {  // first modification: convert to a growable raw string
    char tmp[24];
    h = HeapStr::New(e->StringView(tmp), need > old_len ? GreedyCap(total) : total);
    StoreRaw(ctx, link, h);
  }
  if (total > h->len) memset(h->data + h->len, 0, total - h->len);
  memcpy(h->data + off, val.data(), val.size());
  h->len = static_cast<uint32_t>(total);
  h->data[total] = '\0';
  NotifyKeyspaceEvent(ctx, kNotifyString, "setrange", key);
  Dirty(ctx);
  ctx.reply.Integer(static_cast<int64_t>(total));
}

// ---------------------------------------------------------------------------------------------
// Counters

void IncrDecr(CommandContext& ctx, int64_t incr) {
  std::string_view key = ctx.args[1];
  KvEntry** link = LookupWriteLink(ctx, key);
  KvEntry* e = link ? *link : nullptr;
  if (WrongType(ctx, e, ObjType::kString)) return;
  int64_t v = 0;
  if (e != nullptr) {
    if (e->enc() == Enc::kInt) {
      v = e->int_value();
    } else {
      char tmp[24];
      if (!StringToInt64(e->StringView(tmp), &v)) {
        ctx.reply.Error(err::kNotInt);
        return;
      }
    }
  }
  if ((incr < 0 && v < 0 && incr < INT64_MIN - v) || (incr > 0 && v > 0 && incr > INT64_MAX - v)) {
    ctx.reply.Error(err::kOverflow);
    return;
  }
  v += incr;
  if (e == nullptr) {
    Ks(ctx).Insert(ctx.db, KvEntry::NewInt(key, v, -1, LruClock(ctx)));
  } else if (e->enc() == Enc::kInt) {
    e->set_int_value(v);  // the hot path: no allocation
    e->set_lru(LruClock(ctx));
  } else {
    Ks(ctx).Replace(ctx.db, link, KvEntry::NewInt(key, v, e->expire_ms(), LruClock(ctx)));
  }
  NotifyKeyspaceEvent(ctx, kNotifyString, "incrby", key);
  Dirty(ctx);
  ctx.reply.Integer(v);
}

void IncrCmd(CommandContext& ctx) { IncrDecr(ctx, 1); }
void DecrCmd(CommandContext& ctx) { IncrDecr(ctx, -1); }

void IncrByCmd(CommandContext& ctx) {
  int64_t incr;
  if (!ArgInt64(ctx, ctx.args[2], &incr)) return;
  IncrDecr(ctx, incr);
}

void DecrByCmd(CommandContext& ctx) {
  int64_t decr;
  if (!ArgInt64(ctx, ctx.args[2], &decr)) return;
  if (decr == INT64_MIN) {
    ctx.reply.Error("ERR decrement would overflow");
    return;
  }
  IncrDecr(ctx, -decr);
}

void IncrByFloatCmd(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  KvEntry** link = LookupWriteLink(ctx, key);
  KvEntry* e = link ? *link : nullptr;
  if (WrongType(ctx, e, ObjType::kString)) return;
  long double value = 0, incr;
  if (e != nullptr) {
    if (e->enc() == Enc::kInt) {
      value = static_cast<long double>(e->int_value());
    } else {
      char tmp[24];
      if (!StringToLongDouble(e->StringView(tmp), &value)) {
        ctx.reply.Error(err::kNotFloat);
        return;
      }
    }
  }
  if (!StringToLongDouble(ctx.args[2], &incr)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = LongDoubleToString(value, true);
  if (e == nullptr) {
    StoreString(ctx, nullptr, key, text, -1, true);
  } else {
    StoreString(ctx, link, key, text, e->expire_ms(), true);  // keeps the TTL
  }
  NotifyKeyspaceEvent(ctx, kNotifyString, "incrbyfloat", key);
  Dirty(ctx);
  // Replicas and the AOF get the exact result, not a float operation to redo.
  PropagateAs(ctx, {"SET", key, text, "KEEPTTL"});
  ctx.reply.Bulk(text);
}

// ---------------------------------------------------------------------------------------------
// LCS

void LcsCmd(CommandContext& ctx) {
  ArgList a = ctx.args;
  KvEntry* ea = LookupRead(ctx, a[1]);
  KvEntry* eb = LookupRead(ctx, a[2]);
  if ((ea && ea->type() != ObjType::kString) || (eb && eb->type() != ObjType::kString)) {
    ctx.reply.Error("ERR The specified keys must contain string values");
    return;
  }
  bool get_len = false, get_idx = false, with_match_len = false;
  int64_t min_match_len = 0;
  for (size_t j = 3; j < a.size(); ++j) {
    std::string_view opt = a[j];
    bool more = j + 1 < a.size();
    if (EqNoCase(opt, "idx")) {
      get_idx = true;
    } else if (EqNoCase(opt, "len")) {
      get_len = true;
    } else if (EqNoCase(opt, "withmatchlen")) {
      with_match_len = true;
    } else if (EqNoCase(opt, "minmatchlen") && more) {
      if (!ArgInt64(ctx, a[j + 1], &min_match_len)) return;
      if (min_match_len < 0) min_match_len = 0;
      ++j;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (get_len && get_idx) {
    ctx.reply.Error("ERR If you want both the length and indexes, please just use IDX.");
    return;
  }
  char tmpa[24], tmpb[24];
  std::string_view sa = ea ? ea->StringView(tmpa) : std::string_view();
  std::string_view sb = eb ? eb->StringView(tmpb) : std::string_view();
  if (sa.size() >= UINT32_MAX - 1 || sb.size() >= UINT32_MAX - 1) {
    ctx.reply.Error("ERR String too long for LCS");
    return;
  }
  auto alen = static_cast<uint32_t>(sa.size());
  auto blen = static_cast<uint32_t>(sb.size());
  uint64_t cells = static_cast<uint64_t>(alen + 1) * (blen + 1);
  uint64_t bytes = cells * sizeof(uint32_t);
  if (bytes > static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len)) {
    ctx.reply.Error("ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len");
    return;
  }
  auto* table = static_cast<uint32_t*>(malloc(bytes));
  if (table == nullptr) {
    ctx.reply.Error("ERR Insufficient memory, failed allocating transient memory for LCS");
    return;
  }
  // table[i][j] = LCS length of sa[0..i) and sb[0..j).
  const size_t row = static_cast<size_t>(blen) + 1;
  auto at = [&](uint32_t i, uint32_t j) -> uint32_t& { return table[j + i * row]; };
  for (uint32_t i = 0; i <= alen; ++i) {
    for (uint32_t j = 0; j <= blen; ++j) {
      if (i == 0 || j == 0) {
        at(i, j) = 0;
      } else if (sa[i - 1] == sb[j - 1]) {
        at(i, j) = at(i - 1, j - 1) + 1;
      } else {
        at(i, j) = std::max(at(i - 1, j), at(i, j - 1));
      }
    }
  }
  const uint32_t total = at(alen, blen);

  // Walk back from the end, building the LCS string and the matching ranges (emitted from the
  // end of the strings towards their start, as Redis does).
  std::string result;
  bool want_string = get_idx || !get_len;
  if (want_string) result.resize(total);
  size_t deferred = 0;
  size_t ranges = 0;
  if (get_idx) {
    ctx.reply.Map(2);
    ctx.reply.Bulk("matches");
    deferred = ctx.reply.BeginDeferred();
  }
  uint32_t idx = total;
  uint32_t i = alen, j = blen;
  uint32_t a_start = alen, a_end = 0, b_start = 0, b_end = 0;  // a_start == alen: no range
  while (want_string && i > 0 && j > 0) {
    bool emit = false;
    if (sa[i - 1] == sb[j - 1]) {
      result[idx - 1] = sa[i - 1];
      if (a_start == alen) {
        a_start = a_end = i - 1;
        b_start = b_end = j - 1;
      } else if (a_start == i && b_start == j) {
        --a_start;  // contiguous: extend the range backwards
        --b_start;
      } else {
        emit = true;
      }
      if (a_start == 0 || b_start == 0) emit = true;
      --idx;
      --i;
      --j;
    } else {
      if (at(i - 1, j) > at(i, j - 1)) {
        --i;
      } else {
        --j;
      }
      if (a_start != alen) emit = true;
    }
    if (emit) {
      uint32_t match_len = a_end - a_start + 1;
      if (get_idx && (min_match_len == 0 || match_len >= min_match_len)) {
        ctx.reply.Array(with_match_len ? 3 : 2);
        ctx.reply.Array(2);
        ctx.reply.Integer(a_start);
        ctx.reply.Integer(a_end);
        ctx.reply.Array(2);
        ctx.reply.Integer(b_start);
        ctx.reply.Integer(b_end);
        if (with_match_len) ctx.reply.Integer(match_len);
        ++ranges;
      }
      a_start = alen;
    }
  }
  free(table);
  if (get_idx) {
    ctx.reply.EndDeferredArray(deferred, ranges);
    ctx.reply.Bulk("len");
    ctx.reply.Integer(total);
  } else if (get_len) {
    ctx.reply.Integer(total);
  } else {
    ctx.reply.Bulk(result);
  }
}

}  // namespace

void RegisterStringCommands(CommandTable& t) {
  const CommandRow rows[] = {
      {"set", -3, "write denyoom", 1, 1, 1, "@write @string @slow", SetCmd, "string",
       "Sets a key's string value, with optional conditions, TTL and old-value reply.", "1.0.0", "O(1)"},
      {"get", 2, "readonly fast", 1, 1, 1, "@read @string @fast", GetCmd, "string",
       "Returns the string value of a key.", "1.0.0", "O(1)"},
      {"getset", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", GetSetCmd, "string",
       "Sets a new string value and returns the previous one.", "1.0.0", "O(1)"},
      {"getdel", 2, "write fast", 1, 1, 1, "@write @string @fast", GetDelCmd, "string",
       "Returns a string value and removes its key.", "6.2.0", "O(1)"},
      {"getex", -2, "write fast", 1, 1, 1, "@write @string @fast", GetExCmd, "string",
       "Returns a string value and optionally changes or removes its TTL.", "6.2.0", "O(1)"},
      {"setnx", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", SetNxCmd, "string",
       "Sets a string value only when the key is absent.", "1.0.0", "O(1)"},
      {"setex", 4, "write denyoom", 1, 1, 1, "@write @string @slow", SetExCmd, "string",
       "Sets a string value with a TTL in seconds.", "2.0.0", "O(1)"},
      {"psetex", 4, "write denyoom", 1, 1, 1, "@write @string @slow", PSetExCmd, "string",
       "Sets a string value with a TTL in milliseconds.", "2.6.0", "O(1)"},
      {"mset", -3, "write denyoom", 1, -1, 2, "@write @string @slow", MSetCmd, "string",
       "Sets several keys to string values at once.", "1.0.1", "O(N) where N is the number of keys to set."},
      {"msetnx", -3, "write denyoom", 1, -1, 2, "@write @string @slow", MSetNxCmd, "string",
       "Sets several string keys only if none of them exists.", "1.0.1", "O(N) where N is the number of keys to set."},
      {"mget", -2, "readonly fast", 1, -1, 1, "@read @string @fast", MGetCmd, "string",
       "Returns the string values of several keys.", "1.0.0", "O(N) where N is the number of keys to retrieve."},
      {"append", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", AppendCmd, "string",
       "Appends bytes to a string value, creating the key if needed.", "2.0.0", "O(1)"},
      {"strlen", 2, "readonly fast", 1, 1, 1, "@read @string @fast", StrLenCmd, "string",
       "Returns the byte length of a string value.", "2.2.0", "O(1)"},
      {"incr", 2, "write denyoom fast", 1, 1, 1, "@write @string @fast", IncrCmd, "string",
       "Adds one to the integer held in a string.", "1.0.0", "O(1)"},
      {"decr", 2, "write denyoom fast", 1, 1, 1, "@write @string @fast", DecrCmd, "string",
       "Subtracts one from the integer held in a string.", "1.0.0", "O(1)"},
      {"incrby", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", IncrByCmd, "string",
       "Adds an integer to the integer held in a string.", "1.0.0", "O(1)"},
      {"decrby", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", DecrByCmd, "string",
       "Subtracts an integer from the integer held in a string.", "1.0.0", "O(1)"},
      {"incrbyfloat", 3, "write denyoom fast", 1, 1, 1, "@write @string @fast", IncrByFloatCmd,
       "string", "Adds a floating point number to the number held in a string.", "2.6.0", "O(1)"},
      {"getrange", 4, "readonly", 1, 1, 1, "@read @string @slow", GetRangeCmd, "string",
       "Returns a byte range of a string value.", "2.4.0", "O(N) where N is the length of the returned string."},
      {"substr", 4, "readonly", 1, 1, 1, "@read @string @slow", GetRangeCmd, "string",
       "Returns a byte range of a string value (old name of GETRANGE).", "1.0.0", "O(N) where N is the length of the returned string."},
      {"setrange", 4, "write denyoom", 1, 1, 1, "@write @string @slow", SetRangeCmd, "string",
       "Overwrites part of a string value at an offset, zero-padding as needed.", "2.2.0", "O(1), not counting the time taken to copy the new string in place."},
      {"lcs", -3, "readonly", 1, 2, 1, "@read @string @slow", LcsCmd, "string",
       "Finds the longest common subsequence of two string values.", "7.0.0", "O(N*M) where N and M are the lengths of s1 and s2."},
  };
  for (const CommandRow& r : rows) t.Add(r);
}

}  // namespace sable
