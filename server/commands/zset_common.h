// Shared by the sorted-set command files (zsets.cc, zset_pops.cc, zset_ranges.cc): typed lookups,
// the listpack limits from the config, and reply helpers. Not a public interface: other families
// reach sorted sets through datastructs/zset.h.
#pragma once

#include <string_view>

#include "datastructs/zset.h"
#include "server/commands/util.h"

namespace sable::zcmd {

inline ZObj ObjOf(const KvEntry* e) { return ZObj(e->ptr()); }

// zset-max-listpack-entries / -value (typed mirrors in Config: a field load each).
inline ZsetLimits Limits(CommandContext& ctx) {
  const Config& cfg = ctx.server.config();
  int64_t entries = cfg.zset_max_listpack_entries, value = cfg.zset_max_listpack_value;
  return {static_cast<size_t>(entries < 0 ? 0 : entries),
          static_cast<size_t>(value < 0 ? 0 : value)};
}

// Looks up a sorted set: nullptr if absent; *wrong (and a WRONGTYPE reply) for another type.
inline KvEntry* ReadZset(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupRead(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kZSet);
  return *wrong ? nullptr : e;
}

inline KvEntry* WriteZset(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupWrite(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kZSet);
  return *wrong ? nullptr : e;
}

// Adds a new key holding `z` (REQUIRES: key absent); clients blocked on it get served.
inline KvEntry* InsertZset(CommandContext& ctx, std::string_view key, ZObj z) {
  KvEntry* e = KvEntry::NewPtr(key, ObjType::kZSet, z.raw(), -1, LruClock(ctx));
  Ks(ctx).Insert(ctx.db, e);
  KeyReady(ctx, key);
  return e;
}

// Stores `z` under dst (replacing any value and TTL, as Redis's setKey) or, if it is empty,
// deletes dst. Replies the cardinality; `event` is the keyspace event of the store. Takes
// ownership of `z`.
inline void StoreZset(CommandContext& ctx, std::string_view dst, ZObj z, const char* event) {
  size_t n = z.size();
  ctx.server.keys_signaled = true;  // exact: the sources are only read
  if (n > 0) {
    KvEntry* e = KvEntry::NewPtr(dst, ObjType::kZSet, z.raw(), -1, LruClock(ctx));
    Ks(ctx).Upsert(ctx.db, e, ctx.now_ms);
    KeyReady(ctx, dst);
    SignalModifiedKey(ctx, dst);
    ctx.reply.Integer(static_cast<int64_t>(n));
    NotifyKeyspaceEvent(ctx, kNotifyZset, event, dst);
    Dirty(ctx);
  } else {
    z.Free();
    ctx.reply.Integer(0);
    if (LookupWrite(ctx, dst) != nullptr && Ks(ctx).Delete(ctx.db, dst)) {
      SignalModifiedKey(ctx, dst);
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", dst);
      Dirty(ctx);
    }
  }
}

// getRangeLongFromObjectOrReply: an integer in [min, max]. With `msg`, any failure replies it;
// without, Redis's two texts.
inline bool ArgLongRange(CommandContext& ctx, std::string_view s, int64_t min, int64_t max,
                         int64_t* out, const char* msg) {
  int64_t v;
  if (!StringToInt64(s, &v)) {
    ctx.reply.Error(msg ? msg : err::kNotInt);
    return false;
  }
  if (v < min || v > max) {
    if (msg) {
      ctx.reply.Error(msg);
    } else {
      ctx.reply.Error("ERR value is out of range, value must between " + Int64ToString(min) +
                      " and " + Int64ToString(max));
    }
    return false;
  }
  *out = v;
  return true;
}

// One (member, score) of a WITHSCORES reply: RESP3 nests each pair, RESP2 is flat.
inline void ReplyPair(CommandContext& ctx, std::string_view member, double score) {
  if (ctx.reply.resp3()) ctx.reply.Array(2);
  ctx.reply.Bulk(member);
  ctx.reply.Double(score);
}

// ZADD's handler (zsets.cc). GEOADD runs it on its arguments rewritten as ZADD's, as Redis does.
void ZAdd(CommandContext& ctx);

// Handlers registered by zsets.cc, defined in zset_pops.cc.
void ZPopMin(CommandContext& ctx);
void ZPopMax(CommandContext& ctx);
void ZMPop(CommandContext& ctx);
void BZPopMin(CommandContext& ctx);
void BZPopMax(CommandContext& ctx);
void BZMPop(CommandContext& ctx);

// Handlers registered by zsets.cc, defined in zset_ranges.cc.
void ZRange(CommandContext& ctx);
void ZRangeStore(CommandContext& ctx);
void ZRangeByScore(CommandContext& ctx);
void ZRevRangeByScore(CommandContext& ctx);
void ZRangeByLex(CommandContext& ctx);
void ZRevRangeByLex(CommandContext& ctx);
void ZRevRange(CommandContext& ctx);
void ZRemRangeByRank(CommandContext& ctx);
void ZRemRangeByScore(CommandContext& ctx);
void ZRemRangeByLex(CommandContext& ctx);
void ZUnion(CommandContext& ctx);
void ZInter(CommandContext& ctx);
void ZDiff(CommandContext& ctx);
void ZUnionStore(CommandContext& ctx);
void ZInterStore(CommandContext& ctx);
void ZDiffStore(CommandContext& ctx);
void ZInterCard(CommandContext& ctx);

}  // namespace sable::zcmd
