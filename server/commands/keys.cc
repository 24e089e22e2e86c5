// Generic keyspace commands: DEL UNLINK EXISTS TOUCH TYPE RENAME RENAMENX COPY MOVE, the
// EXPIRE family, TTL family, PERSIST, OBJECT, KEYS, SCAN, RANDOMKEY, DBSIZE, FLUSHDB,
// FLUSHALL, SWAPDB.
#include <fmt/format.h>

#include <climits>

#include "datastructs/glob.h"
#include "server/commands/util.h"
#include "server/objects.h"

namespace sable {

namespace {

const char* TypeName(ObjType t) {
  switch (t) {
    case ObjType::kString: return "string";
    case ObjType::kList: return "list";
    case ObjType::kSet: return "set";
    case ObjType::kZSet: return "zset";
    case ObjType::kHash: return "hash";
    case ObjType::kStream: return "stream";
  }
  return "none";
}

// DEL and UNLINK: UNLINK (and DEL with lazyfree-lazy-user-del) frees large values on the
// background thread.
void Del(CommandContext& ctx) {
  int64_t n = 0;
  bool lazy = ctx.spec.name == "unlink" || ctx.server.config().lazyfree_lazy_user_del;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    if (LookupWrite(ctx, ctx.args[i]) == nullptr) continue;
    KvEntry* e = Ks(ctx).Detach(ctx.db, ctx.args[i]);
    if (e != nullptr) {
      if (lazy) {
        ctx.server.lazyfree().Free(e);
      } else {
        KvEntry::Free(e);
      }
      SignalModifiedKey(ctx, ctx.args[i]);  // only the keys really deleted
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[i]);
      ++n;
    }
  }
  if (n) Dirty(ctx, n);
  ctx.reply.Integer(n);
}

void Exists(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i)
    if (LookupReadNoTouch(ctx, ctx.args[i]) != nullptr) ++n;
  ctx.reply.Integer(n);
}

void Type(CommandContext& ctx) {
  KvEntry* e = LookupReadNoTouch(ctx, ctx.args[1]);
  ctx.reply.Simple(e ? TypeName(e->type()) : "none");
}

void RenameGeneric(CommandContext& ctx, bool nx) {
  Keyspace& ks = Ks(ctx);
  std::string_view src = ctx.args[1], dst = ctx.args[2];
  KvEntry* e = ks.Find(ctx.db, src, ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.Error(err::kNoKey);
    return;
  }
  if (src == dst) {
    if (nx) {
      ctx.reply.Integer(0);
    } else {
      ctx.reply.Ok();
    }
    return;
  }
  if (ks.Find(ctx.db, dst, ctx.now_ms) != nullptr) {
    if (nx) {
      ctx.reply.Integer(0);
      return;
    }
    ks.Delete(ctx.db, dst);
  }
  (void)e;
  KvEntry* old = ks.Detach(ctx.db, src);
  ks.Insert(ctx.db, KvEntry::WithKey(old, dst));
  KvEntry::FreeShallow(old);
  KeyReady(ctx, dst);
  SignalModifiedKey(ctx, src);
  SignalModifiedKey(ctx, dst);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "rename_from", src);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "rename_to", dst);
  Dirty(ctx);
  if (nx) {
    ctx.reply.Integer(1);
  } else {
    ctx.reply.Ok();
  }
}

void Rename(CommandContext& ctx) { RenameGeneric(ctx, false); }
void RenameNx(CommandContext& ctx) { RenameGeneric(ctx, true); }

void Copy(CommandContext& ctx) {
  Keyspace& ks = Ks(ctx);
  int dstdb = ctx.db;
  bool replace = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    if (EqNoCase(ctx.args[i], "REPLACE")) {
      replace = true;
    } else if (EqNoCase(ctx.args[i], "DB") && i + 1 < ctx.args.size()) {
      int64_t d;
      if (!StringToInt64(ctx.args[++i], &d) || d < INT_MIN || d > INT_MAX) {
        ctx.reply.Error(err::kNotInt);
        return;
      }
      if (d < 0 || d >= ks.size()) {
        ctx.reply.Error(err::kDbIndex);
        return;
      }
      dstdb = static_cast<int>(d);
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  std::string_view src = ctx.args[1], dst = ctx.args[2];
  if (src == dst && dstdb == ctx.db) {
    ctx.reply.Error("ERR source and destination objects are the same");
    return;
  }
  KvEntry* e = ks.Find(ctx.db, src, ctx.now_ms);
  if (e == nullptr) {
    NotifyKeyspaceEvent(ctx, kNotifyKeyMiss, "keymiss", src);
    ctx.reply.Integer(0);
    return;
  }
  if (ks.Find(dstdb, dst, ctx.now_ms) != nullptr) {
    if (!replace) {
      ctx.reply.Integer(0);
      return;
    }
    ks.Delete(dstdb, dst);
  }
  ks.Insert(dstdb, KvEntry::Clone(e, dst, e->expire_ms()));
  KeyReady(ctx, dst, dstdb);
  SignalModifiedKey(ctx, dst, dstdb);  // the source is only read
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "copy_to", dst, dstdb);
  Dirty(ctx);
  ctx.reply.Integer(1);
}

void Move(CommandContext& ctx) {
  Keyspace& ks = Ks(ctx);
  int64_t d;
  if (!StringToInt64(ctx.args[2], &d) || d < INT_MIN || d > INT_MAX) {
    ctx.reply.Error(err::kNotInt);
    return;
  }
  if (d < 0 || d >= ks.size()) {
    ctx.reply.Error(err::kDbIndex);
    return;
  }
  if (d == ctx.db) {
    ctx.reply.Error("ERR source and destination objects are the same");
    return;
  }
  KvEntry* e = ks.Find(ctx.db, ctx.args[1], ctx.now_ms);
  if (e == nullptr || ks.Find(static_cast<int>(d), ctx.args[1], ctx.now_ms) != nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  KvEntry* moved = ks.Detach(ctx.db, ctx.args[1]);
  ks.Insert(static_cast<int>(d), moved);
  KeyReady(ctx, ctx.args[1], static_cast<int>(d));
  SignalModifiedKey(ctx, ctx.args[1]);
  SignalModifiedKey(ctx, ctx.args[1], static_cast<int>(d));
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "move_from", ctx.args[1]);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "move_to", ctx.args[1], static_cast<int>(d));
  Dirty(ctx);
  ctx.reply.Integer(1);
}

// EXPIRE / PEXPIRE / EXPIREAT / PEXPIREAT key t [NX|XX|GT|LT]
void ExpireGeneric(CommandContext& ctx, bool relative, bool seconds) {
  int64_t when;
  bool nx = false, xx = false, gt = false, lt = false;
  for (size_t i = 3; i < ctx.args.size(); ++i) {
    std::string_view o = ctx.args[i];
    if (EqNoCase(o, "NX")) nx = true;
    else if (EqNoCase(o, "XX")) xx = true;
    else if (EqNoCase(o, "GT")) gt = true;
    else if (EqNoCase(o, "LT")) lt = true;
    else {
      ctx.reply.Error(fmt::format("ERR Unsupported option {}", o));
      return;
    }
  }
  if (nx && (xx || gt || lt)) {
    ctx.reply.Error("ERR NX and XX, GT or LT options at the same time are not compatible");
    return;
  }
  if (gt && lt) {
    ctx.reply.Error("ERR GT and LT options at the same time are not compatible");
    return;
  }
  if (!ArgInt64(ctx, ctx.args[2], &when)) return;
  std::string bad = fmt::format("ERR invalid expire time in '{}' command", ctx.spec.name);
  if (seconds) {
    if (when > LLONG_MAX / 1000 || when < LLONG_MIN / 1000) {
      ctx.reply.Error(bad);
      return;
    }
    when *= 1000;
  }
  int64_t base = relative ? ctx.now_ms : 0;
  if (when > LLONG_MAX - base) {
    ctx.reply.Error(bad);
    return;
  }
  when += base;
  Keyspace& ks = Ks(ctx);
  KvEntry** link = ks.FindLink(ctx.db, ctx.args[1], ctx.now_ms);
  if (link == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t cur = (*link)->expire_ms();
  if ((nx && cur != -1) || (xx && cur == -1) || (gt && (cur == -1 || when <= cur)) ||
      (lt && cur != -1 && when >= cur)) {
    ctx.reply.Integer(0);
    return;
  }
  // A time already past deletes the key, except while loading (AOF) or on a replica, where
  // the TTL is stored as given (Redis's checkAlreadyExpired): later commands of the AOF still
  // see the key, and it expires once loading is over.
  if (when <= ctx.now_ms && !ks.expiry_paused) {
    ks.Delete(ctx.db, ctx.args[1]);
    PropagateAs(ctx, {"DEL", ctx.args[1]});
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    Dirty(ctx);
    ctx.reply.Integer(1);
  } else {
    ks.SetExpire(ctx.db, link, when);
    std::string w = std::to_string(when);
    PropagateAs(ctx, {"PEXPIREAT", ctx.args[1], w});
    ctx.reply.Integer(1);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "expire", ctx.args[1]);
    Dirty(ctx);
  }
}

void Expire(CommandContext& ctx) { ExpireGeneric(ctx, true, true); }
void PExpire(CommandContext& ctx) { ExpireGeneric(ctx, true, false); }
void ExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, true); }
void PExpireAt(CommandContext& ctx) { ExpireGeneric(ctx, false, false); }

void TtlGeneric(CommandContext& ctx, bool ms, bool absolute) {
  KvEntry* e = LookupReadNoTouch(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Integer(-2);
    return;
  }
  int64_t exp = e->expire_ms();
  if (exp < 0) {
    ctx.reply.Integer(-1);
    return;
  }
  if (absolute) {
    ctx.reply.Integer(ms ? exp : exp / 1000);
    return;
  }
  int64_t ttl = exp - ctx.now_ms;
  if (ttl < 0) ttl = 0;
  ctx.reply.Integer(ms ? ttl : (ttl + 500) / 1000);
}

void Ttl(CommandContext& ctx) { TtlGeneric(ctx, false, false); }
void PTtl(CommandContext& ctx) { TtlGeneric(ctx, true, false); }
void ExpireTime(CommandContext& ctx) { TtlGeneric(ctx, false, true); }
void PExpireTime(CommandContext& ctx) { TtlGeneric(ctx, true, true); }

void Persist(CommandContext& ctx) {
  KvEntry** link = Ks(ctx).FindLink(ctx.db, ctx.args[1], ctx.now_ms);
  if (link == nullptr || !(*link)->has_expire()) {
    ctx.reply.Integer(0);
    return;
  }
  Ks(ctx).SetExpire(ctx.db, link, -1);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "persist", ctx.args[1]);
  Dirty(ctx);
  ctx.reply.Integer(1);
}

void Touch(CommandContext& ctx) {
  int64_t n = 0;
  for (size_t i = 1; i < ctx.args.size(); ++i)
    if (LookupRead(ctx, ctx.args[i]) != nullptr) ++n;
  ctx.reply.Integer(n);
}

bool LfuPolicy(CommandContext& ctx) {
  return ctx.server.config().maxmemory_policy.find("lfu") != std::string::npos;
}

KvEntry* ObjectLookup(CommandContext& ctx) {
  KvEntry* e = Ks(ctx).Find(ctx.db, ctx.args[2], ctx.now_ms);
  if (e == nullptr) ctx.reply.Null();
  return e;
}

void ObjectEncoding(CommandContext& ctx) {
  if (KvEntry* e = ObjectLookup(ctx)) ctx.reply.Bulk(EncodingName(e));
}

void ObjectRefcount(CommandContext& ctx) {
  KvEntry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  // Redis shares small integers (refcount INT_MAX) unless an LRU/LFU policy is active.
  bool shared = e->enc() == Enc::kInt && e->int_value() >= 0 && e->int_value() < 10000 &&
                (ctx.server.config().maxmemory == 0 ||
                 ctx.server.config().maxmemory_policy == "noeviction" ||
                 ctx.server.config().maxmemory_policy.find("random") != std::string::npos ||
                 ctx.server.config().maxmemory_policy == "volatile-ttl");
  ctx.reply.Integer(shared ? INT_MAX : 1);
}

void ObjectIdletime(CommandContext& ctx) {
  KvEntry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (LfuPolicy(ctx)) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is selected, idle time not tracked. Please note that when "
        "switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  uint32_t now = Ks(ctx).lru_clock;
  ctx.reply.Integer(e->IdleSeconds(now));
}

void ObjectFreq(CommandContext& ctx) {
  KvEntry* e = ObjectLookup(ctx);
  if (e == nullptr) return;
  if (!LfuPolicy(ctx)) {
    ctx.reply.Error(
        "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time "
        "to adjust.");
    return;
  }
  ctx.reply.Integer(Ks(ctx).LfuCounter(e));
}

void ObjectHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "ENCODING <key>",
      "    Return the kind of internal representation used in order to store the value",
      "    associated with a <key>.",
      "FREQ <key>",
      "    Return the access frequency index of the <key>. The returned integer is",
      "    proportional to the logarithm of the recent access frequency of the key.",
      "IDLETIME <key>",
      "    Return the idle time of the <key>, that is the approximated number of",
      "    seconds elapsed since the last access to the key.",
      "REFCOUNT <key>",
      "    Return the number of references of the value associated with the specified",
      "    <key>.",
      "HELP",
      "    Print this help."};
  ReplyHelp(ctx, kLines);
}

void Keys(CommandContext& ctx) {
  std::string_view pat = ctx.args[1];
  bool all = pat == "*";
  size_t h = ctx.reply.BeginDeferred();
  size_t n = 0;
  int64_t now = ctx.now_ms;
  bool stopped = false;
  Ks(ctx).db(ctx.db).table.ForEach([&](KvEntry* e) {
    if (stopped || (e->has_expire() && e->expire_ms() <= now)) return;
    std::string_view k = e->key();
    if (all || GlobMatch(pat, k)) {
      ctx.reply.Bulk(k);
      // As Redis: a client closed for its output limit gets no more of the reply.
      if ((++n & 1023) == 0 && ctx.server.ReplyOverLimit(ctx.conn)) stopped = true;
    }
  });
  ctx.reply.EndDeferredArray(h, n);
}

int TypeFromName(std::string_view t) {
  static const std::pair<const char*, ObjType> kTypes[] = {
      {"string", ObjType::kString}, {"list", ObjType::kList}, {"set", ObjType::kSet},
      {"zset", ObjType::kZSet},     {"hash", ObjType::kHash}, {"stream", ObjType::kStream}};
  for (auto& [n, ty] : kTypes)
    if (EqNoCase(t, n)) return static_cast<int>(ty);
  return -1;
}

void Scan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.args[1], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  std::string_view pat;
  bool has_pat = false;
  int64_t count = 10;
  int type = -2;
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    if (i + 1 >= ctx.args.size()) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    std::string_view o = ctx.args[i];
    if (EqNoCase(o, "COUNT")) {
      if (!ArgInt64(ctx, ctx.args[i + 1], &count)) return;
      if (count < 1) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    } else if (EqNoCase(o, "MATCH")) {
      pat = ctx.args[i + 1];
      has_pat = !(pat.size() == 1 && pat[0] == '*');
    } else if (EqNoCase(o, "TYPE")) {
      type = TypeFromName(ctx.args[i + 1]);
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  KvTable& table = Ks(ctx).db(ctx.db).table;
  std::vector<KvEntry*> found;
  int64_t budget = count * 10;
  do {
    cursor = table.Scan(cursor, [&](KvEntry* e) { found.push_back(e); });
  } while (cursor != 0 && static_cast<int64_t>(found.size()) < count && --budget > 0);
  std::vector<std::string_view> keys;
  std::vector<std::string> expired;
  for (KvEntry* e : found) {
    std::string_view k = e->key();
    if (e->has_expire() && e->expire_ms() <= ctx.now_ms) {
      expired.emplace_back(k);
      continue;
    }
    if (has_pat && !GlobMatch(pat, k)) continue;
    if (type != -2 && static_cast<int>(e->type()) != type) continue;
    keys.push_back(k);
  }
  ctx.reply.Array(2);
  char buf[24];
  ctx.reply.Bulk(std::string_view(buf, Uint64ToChars(cursor, buf)));
  ctx.reply.Array(keys.size());
  for (auto k : keys) ctx.reply.Bulk(k);
  for (const auto& k : expired) Ks(ctx).Find(ctx.db, k, ctx.now_ms);  // lazy expiry
}

void RandomKey(CommandContext& ctx) {
  KvTable& table = Ks(ctx).db(ctx.db).table;
  for (int tries = 0; tries < 100; ++tries) {
    KvEntry* e = table.RandomNode();
    if (e == nullptr) break;
    if (e->has_expire() && e->expire_ms() <= ctx.now_ms) {
      std::string k(e->key());
      Ks(ctx).Find(ctx.db, k, ctx.now_ms);
      continue;
    }
    ctx.reply.Bulk(e->key());
    return;
  }
  ctx.reply.Null();
}

void DbSize(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(Ks(ctx).KeyCount(ctx.db)));
}

bool FlushMode(CommandContext& ctx, bool* async) {
  if (ctx.args.size() > 2 || (ctx.args.size() == 2 && !EqNoCase(ctx.args[1], "ASYNC") &&
                              !EqNoCase(ctx.args[1], "SYNC"))) {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  *async = ctx.args.size() == 2 ? EqNoCase(ctx.args[1], "ASYNC")
                                : ctx.server.config().lazyfree_lazy_user_flush;
  return true;
}

// Empties one database (db >= 0) or all; ASYNC hands the entries to the background thread.
void EmptyData(CommandContext& ctx, int db, bool async) {
  Keyspace& ks = Ks(ctx);
  if (!async) {
    if (db >= 0) {
      ks.FlushDb(db);
    } else {
      ks.FlushAll();
    }
    return;
  }
  for (int i = 0; i < ks.size(); ++i) {
    if ((db >= 0 && i != db) || ks.KeyCount(i) == 0) continue;
    ctx.server.lazyfree().FreeTable(ks.DetachTable(i));
    ctx.server.SignalReadyKeysInDb(i);  // XREADGROUP clients whose stream went away
  }
}

void FlushDb(CommandContext& ctx) {
  bool async;
  if (!FlushMode(ctx, &async)) return;
  Dirty(ctx, Ks(ctx).KeyCount(ctx.db));
  ctx.server.SignalFlushedDb(ctx.db);  // while the keys are still there, as Redis
  // As Redis (forceCommandPropagation): FLUSHDB reaches the AOF and replicas even when the
  // database was already empty.
  if (ctx.server.propagating())
    ctx.server.PropagateAs(ctx.db, std::vector<std::string>(ctx.args.begin(), ctx.args.end()));
  EmptyData(ctx, ctx.db, async);
  ctx.reply.Ok();
}

void FlushAll(CommandContext& ctx) {
  bool async;
  if (!FlushMode(ctx, &async)) return;
  for (int i = 0; i < Ks(ctx).size(); ++i) Dirty(ctx, Ks(ctx).KeyCount(i));
  ctx.server.SignalFlushedDb(-1);
  EmptyData(ctx, -1, async);
  Dirty(ctx);
  // As Redis: a BGSAVE in progress is stopped, and with save points the empty dataset is saved
  // at once (the change counter then reads 0, so propagation is asked for explicitly).
  if (ctx.server.ResetRdbAfterFlushAll()) {
    std::vector<std::string> prop(ctx.args.begin(), ctx.args.end());
    ctx.server.PropagateAs(ctx.db, std::move(prop));
  }
  ctx.reply.Ok();
}

void SwapDb(CommandContext& ctx) {
  int64_t a, b;
  if (!StringToInt64(ctx.args[1], &a) || a < INT_MIN || a > INT_MAX) {
    ctx.reply.Error("ERR invalid first DB index");
    return;
  }
  if (!StringToInt64(ctx.args[2], &b) || b < INT_MIN || b > INT_MAX) {
    ctx.reply.Error("ERR invalid second DB index");
    return;
  }
  Keyspace& ks = Ks(ctx);
  if (a < 0 || a >= ks.size() || b < 0 || b >= ks.size()) {
    ctx.reply.Error(err::kDbIndex);
    return;
  }
  if (a != b) {
    ctx.server.TouchWatchedDb(static_cast<int>(a), static_cast<int>(b));
    ctx.server.TouchWatchedDb(static_cast<int>(b), static_cast<int>(a));
    ks.SwapDb(static_cast<int>(a), static_cast<int>(b));
    ctx.server.SignalReadyKeysInDb(static_cast<int>(a));
    ctx.server.SignalReadyKeysInDb(static_cast<int>(b));
  }
  Dirty(ctx);
  ctx.reply.Ok();
}

}  // namespace

void RegisterKeyCommands(CommandTable& t) {
  const char* g = "generic";
  const char* wf = "@keyspace @write @fast";
  const char* rf = "@keyspace @read @fast";
  t.Add({"del", -2, "write", 1, -1, 1, "@keyspace @write @slow", Del, g, "Delete keys"});
  t.Add({"unlink", -2, "write fast", 1, -1, 1, wf, Del, g, "Delete keys (freed lazily)", "4.0.0"});
  t.Add({"exists", -2, "readonly fast", 1, -1, 1, rf, Exists, g, "Count existing keys"});
  t.Add({"touch", -2, "readonly fast", 1, -1, 1, rf, Touch, g, "Touch keys", "3.2.1"});
  t.Add({"type", 2, "readonly fast", 1, 1, 1, rf, Type, g, "Type of a key"});
  t.Add({"rename", 3, "write", 1, 2, 1, "@keyspace @write @slow", Rename, g, "Rename a key"});
  t.Add({"renamenx", 3, "write fast", 1, 2, 1, wf, RenameNx, g, "Rename if new name is free"});
  t.Add({"copy", -3, "write denyoom", 1, 2, 1, "@keyspace @write @slow", Copy, g, "Copy a key",
         "6.2.0"});
  t.Add({"move", 3, "write fast", 1, 1, 1, wf, Move, g, "Move a key to another db"});
  t.Add({"expire", -3, "write fast", 1, 1, 1, wf, Expire, g, "Set TTL in seconds"});
  t.Add({"pexpire", -3, "write fast", 1, 1, 1, wf, PExpire, g, "Set TTL in ms", "2.6.0"});
  t.Add({"expireat", -3, "write fast", 1, 1, 1, wf, ExpireAt, g, "Set expiry time (s)", "1.2.0"});
  t.Add({"pexpireat", -3, "write fast", 1, 1, 1, wf, PExpireAt, g, "Set expiry time (ms)",
         "2.6.0"});
  t.Add({"ttl", 2, "readonly fast", 1, 1, 1, rf, Ttl, g, "TTL in seconds"});
  t.Add({"pttl", 2, "readonly fast", 1, 1, 1, rf, PTtl, g, "TTL in ms", "2.6.0"});
  t.Add({"expiretime", 2, "readonly fast", 1, 1, 1, rf, ExpireTime, g, "Expiry time (s)",
         "7.0.0"});
  t.Add({"pexpiretime", 2, "readonly fast", 1, 1, 1, rf, PExpireTime, g, "Expiry time (ms)",
         "7.0.0"});
  t.Add({"persist", 2, "write fast", 1, 1, 1, wf, Persist, g, "Remove the TTL", "2.2.0"});
  CommandSpec* o = t.Add({"object", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for object introspection commands", "2.2.3"});
  t.AddSub(o, {"help", 2, "loading stale", 0, 0, 0, "@keyspace @slow", ObjectHelp, g});
  t.AddSub(o, {"idletime", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", ObjectIdletime, g});
  t.AddSub(o, {"freq", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", ObjectFreq, g});
  t.AddSub(o, {"encoding", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", ObjectEncoding, g});
  t.AddSub(o, {"refcount", 3, "readonly", 2, 2, 1, "@keyspace @read @slow", ObjectRefcount, g});
  t.Add({"keys", 2, "readonly", 0, 0, 0, "@keyspace @read @slow @dangerous", Keys, g,
         "Keys matching a pattern"});
  t.Add({"scan", -2, "readonly", 0, 0, 0, "@keyspace @read @slow", Scan, g,
         "Incrementally iterate keys", "2.8.0"});
  t.Add({"randomkey", 1, "readonly", 0, 0, 0, "@keyspace @read @slow", RandomKey, g,
         "A random key"});
  t.Add({"dbsize", 1, "readonly fast", 0, 0, 0, rf, DbSize, "server", "Number of keys"});
  t.Add({"flushdb", -1, "write", 0, 0, 0, "@keyspace @write @slow @dangerous", FlushDb, "server",
         "Remove all keys of the db"});
  t.Add({"flushall", -1, "write", 0, 0, 0, "@keyspace @write @slow @dangerous", FlushAll,
         "server", "Remove all keys"});
  t.Add({"swapdb", 3, "write fast", 0, 0, 0, "@keyspace @write @fast @dangerous", SwapDb,
         "server", "Swap two databases", "4.0.0"});
}

}  // namespace sable
