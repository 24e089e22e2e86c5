// Small helpers shared by command handlers: argument parsing that replies on error, typed
// lookups, and case-insensitive option matching.
#pragma once

#include <cerrno>
#include <cstdlib>
#include <string>
#include <string_view>

#include "datastructs/kv_entry.h"
#include "datastructs/numbers.h"
#include "server/command_table.h"
#include "server/connection.h"
#include "server/keyspace.h"
#include "server/notify.h"
#include "server/reply_writer.h"
#include "server/server.h"

namespace sable {

inline bool EqNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Parses an integer argument; replies `msg` (default: not-an-integer) and returns false on error.
inline bool ArgInt64(CommandContext& ctx, std::string_view s, int64_t* out,
                     const char* msg = err::kNotInt) {
  if (StringToInt64(s, out)) return true;
  ctx.reply.Error(msg);
  return false;
}

// SCAN-family cursors are parsed as Redis does (strtoull semantics: leading space rejected,
// trailing junk rejected, out of range rejected).
inline bool ParseScanCursor(std::string_view arg, uint64_t* out) {
  std::string s(arg.substr(0, arg.find('\0')));
  if (!s.empty() && isspace(static_cast<unsigned char>(s[0]))) return false;
  errno = 0;
  char* end;
  unsigned long long v = strtoull(s.c_str(), &end, 10);
  if (*end != '\0' || errno == ERANGE) return false;
  *out = v;
  return true;
}

inline Keyspace& Ks(CommandContext& ctx) { return ctx.server.keyspace(); }

// The options of HSCAN/SSCAN/ZSCAN (key cursor [MATCH pattern] [COUNT count]).
struct ScanOptions {
  int64_t count = 10;
  std::string_view pattern;
  bool use_pattern = false;  // false for no MATCH or MATCH *
};

// Parses args[from...] as MATCH/COUNT pairs; replies the error (syntax, not an integer,
// COUNT < 1) and returns false on bad input.
inline bool ParseScanOptions(CommandContext& ctx, size_t from, ScanOptions* o) {
  for (size_t i = from; i < ctx.args.size(); i += 2) {
    bool pair = i + 1 < ctx.args.size();
    if (EqNoCase(ctx.args[i], "COUNT") && pair) {
      if (!StringToInt64(ctx.args[i + 1], &o->count)) {
        ctx.reply.Error(err::kNotInt);
        return false;
      }
      if (o->count < 1) {
        ctx.reply.Error(err::kSyntax);
        return false;
      }
    } else if (EqNoCase(ctx.args[i], "MATCH") && pair) {
      o->pattern = ctx.args[i + 1];
      o->use_pattern = o->pattern != "*";
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The reply of a SCAN over a missing key.
inline void ReplyEmptyScan(CommandContext& ctx) {
  ctx.reply.Array(2);
  ctx.reply.Bulk("0");
  ctx.reply.Array(0);
}

// Keyspace event of class `type` (NotifyFlag, server/notify.h) named `event` on `key`, where
// Redis calls notifyKeyspaceEvent. Costs one flag test when the class is off.
inline void NotifyKeyspaceEvent(CommandContext& ctx, int type, std::string_view event,
                                std::string_view key, int db = -1) {
  ctx.server.NotifyKeyspaceEvent(type, event, key, db < 0 ? ctx.db : db);
}

// Read lookup: counts hits/misses and touches LRU. Expired keys are removed. A miss is a
// "keymiss" keyspace event.
inline KvEntry* LookupRead(CommandContext& ctx, std::string_view key, bool touch = true) {
  KvEntry* e = Ks(ctx).FindRead(ctx.db, key, ctx.now_ms, touch);
  if (e == nullptr) NotifyKeyspaceEvent(ctx, kNotifyKeyMiss, "keymiss", key);
  return e;
}
// A read that is not an access of the key (TTL, TYPE, EXISTS): stats and events only.
inline KvEntry* LookupReadNoTouch(CommandContext& ctx, std::string_view key) {
  return LookupRead(ctx, key, false);
}

inline KvEntry* LookupWrite(CommandContext& ctx, std::string_view key) {
  return Ks(ctx).Find(ctx.db, key, ctx.now_ms);
}

// Replies WRONGTYPE and returns true if `e` exists with a type other than `t`.
inline bool WrongType(CommandContext& ctx, const KvEntry* e, ObjType t) {
  if (e != nullptr && e->type() != t) {
    ctx.reply.Error(err::kWrongType);
    return true;
  }
  return false;
}

inline void ReplyStringValue(CommandContext& ctx, const KvEntry* e) {
  if (e->enc() == Enc::kInt) {
    ctx.reply.BulkInt(e->int_value());
  } else {
    char tmp[24];
    ctx.reply.Bulk(e->StringView(tmp));
  }
}

// The access field (LRU clock or LFU counter, see Keyspace) for a new entry.
inline uint32_t LruClock(CommandContext& ctx) { return Ks(ctx).InitialAccess(); }

// A HELP reply (Redis's addReplyHelp): one status line per entry.
template <size_t N>
inline void ReplyHelp(CommandContext& ctx, const char* const (&lines)[N]) {
  ctx.reply.Array(N);
  for (const char* l : lines) ctx.reply.Simple(l);
}

// Blocking commands answer at once inside MULTI/EXEC and scripts (Redis's
// CLIENT_DENY_BLOCKING). EXEC clears in_multi before replaying its queue; the server's EXEC
// depth (also raised while a script runs) covers that case.
inline bool DenyBlocking(CommandContext& ctx) {
  return ctx.conn.in_multi || ctx.server.exec_depth > 0;
}

// A key gained data (push/add) or appeared: clients blocked on it get served.
inline void KeyReady(CommandContext& ctx, std::string_view key, int db = -1) {
  ctx.server.SignalKeyReady(db < 0 ? ctx.db : db, key);
}

// Describes the effect of the current write for the AOF and replicas (instead of its
// arguments), e.g. PropagateAs(ctx, {"PEXPIREAT", key, when}). May be called several times.
inline void PropagateAs(CommandContext& ctx, std::initializer_list<std::string_view> args) {
  if (!ctx.server.propagating()) return;
  ctx.server.PropagateAs(ctx.db, std::vector<std::string>(args.begin(), args.end()));
}
// A write whose effect is nothing (e.g. a failed conditional) propagates nothing.
inline void PropagateNothing(CommandContext& ctx) {
  if (ctx.server.propagating()) ctx.server.PropagateAs(-2, {});
}

// WATCH and client-side caching: this key was modified by the current command. Handlers that
// call it for every key they change get exact invalidation; others fall back to "all key
// arguments" (when the command changed data).
inline void SignalModifiedKey(CommandContext& ctx, std::string_view key, int db = -1) {
  ctx.server.keys_signaled = true;
  ctx.server.SignalModifiedKey(&ctx.conn, db < 0 ? ctx.db : db, key);
}

// Marks one change for INFO (rdb_changes_since_last_save) and future propagation.
inline void Dirty(CommandContext& ctx, uint64_t n = 1) { ctx.server.stats().dirty += n; }

}  // namespace sable
