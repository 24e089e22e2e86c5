// Sorted-set pops: ZPOPMIN ZPOPMAX ZMPOP and the blocking BZPOPMIN BZPOPMAX BZMPOP.
//
// One engine (Redis 7.0's genericZpopCommand) serves every form; they differ in reply shape
// (flat pairs, nested pairs, with or without the key). A blocking pop that finds nothing parks
// the client on its keys and is simply run again when one of them gets data. What a pop did
// reaches the AOF and replicas as ZPOPMIN/ZPOPMAX key [count], as in Redis.
#include <climits>
#include <string_view>
#include <vector>

#include "server/commands/zset_common.h"

namespace sable::zcmd {

namespace {

enum class Where { kMin, kMax };

// Reply shapes of genericZpopCommand.
struct PopShape {
  bool emit_key = false;     // BZPOP*, ZMPOP, BZMPOP
  bool nested = false;       // [member, score] pairs as arrays (RESP3 counts, ZMPOP)
  bool nil_if_none = false;  // ZMPOP/BZMPOP: null when no key has elements
};

// Pops up to `count` (-1: one, the plain form) elements from the first existing key among
// `keys`, replying in `shape`. Returns the number popped (0 with the "nothing" reply, or after
// a WRONGTYPE error); *from gets the key popped from.
size_t GenericZpop(CommandContext& ctx, ArgList keys, Where where, int64_t count, PopShape shape,
                   std::string_view* from) {
  KvEntry* e = nullptr;
  std::string_view key;
  for (std::string_view k : keys) {
    e = LookupWrite(ctx, k);
    if (e == nullptr) continue;
    if (WrongType(ctx, e, ObjType::kZSet)) return 0;
    key = k;
    break;
  }
  if (e == nullptr) {
    if (shape.nil_if_none) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Array(0);
    }
    return 0;
  }
  if (count == 0) {
    ctx.reply.Array(0);
    return 0;
  }
  if (count == -1) count = 1;
  ZObj z = ObjOf(e);
  const size_t llen = z.size();
  const size_t n = static_cast<uint64_t>(count) > llen ? llen : static_cast<size_t>(count);
  // (Redis notifies while writing the first element; before the reply is the same for every
  // other client, and does not split this client's own reply with a RESP3 push.)
  NotifyKeyspaceEvent(ctx, kNotifyZset, where == Where::kMax ? "zpopmax" : "zpopmin", key);
  if (!shape.emit_key) {
    ctx.reply.Array(shape.nested ? n : 2 * n);
  } else if (!shape.nested) {
    ctx.reply.Array(2 * n + 1);
    ctx.reply.Bulk(key);
  } else {
    ctx.reply.Array(2);
    ctx.reply.Bulk(key);
    ctx.reply.Array(n);
  }
  const bool reverse = where == Where::kMax;
  size_t i = 0;
  for (ZIter it = ZIter::AtRank(z, 0, reverse, n); i < n && it.Valid(); ++i, it.Next()) {
    if (shape.nested) ctx.reply.Array(2);
    ctx.reply.Bulk(it.Member());
    ctx.reply.Double(it.Score());
  }
  if (reverse) {
    z.DeleteRangeByRank(llen - n, llen - 1);
  } else {
    z.DeleteRangeByRank(0, n - 1);
  }
  e->set_ptr(z.raw());
  Dirty(ctx, n);
  SignalModifiedKey(ctx, key);
  if (z.size() == 0) {
    Ks(ctx).Delete(ctx.db, key);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
  }
  *from = key;
  return n;
}

void PopMinMax(CommandContext& ctx, Where where) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t count = -1;
  if (ctx.args.size() == 3 && !ArgLongRange(ctx, ctx.args[2], 0, LONG_MAX, &count,
                                            "ERR value is out of range, must be positive"))
    return;
  PopShape shape;
  shape.nested = ctx.reply.resp3() && count != -1;
  std::string_view from;
  GenericZpop(ctx, ctx.args.subspan(1, 1), where, count, shape, &from);
  // Propagated verbatim: the pop itself is deterministic.
}

// Replicas and the AOF see what a pop did: ZPOPMIN/ZPOPMAX key [count].
void PropagatePop(CommandContext& ctx, Where where, std::string_view key, size_t count,
                  bool with_count) {
  const char* cmd = where == Where::kMin ? "ZPOPMIN" : "ZPOPMAX";
  if (!with_count) {
    PropagateAs(ctx, {cmd, key});
    return;
  }
  char buf[kInt64StrSize];
  PropagateAs(ctx,
              {cmd, key, std::string_view(buf, Int64ToChars(static_cast<int64_t>(count), buf))});
}

// BZPOPMIN/BZPOPMAX/BZMPOP once arguments are parsed: serve the first non-empty key or block.
// count < 0: the BZPOP* shape ([key, member, score]); else BZMPOP's.
void BlockingZpop(CommandContext& ctx, ArgList keys, Where where, int64_t count,
                  std::string_view timeout_arg) {
  int64_t deadline;
  if (!ctx.server.ParseTimeout(ctx.reply, timeout_arg, &deadline)) return;
  for (std::string_view key : keys) {
    KvEntry* e = LookupWrite(ctx, key);
    if (e == nullptr) continue;
    if (WrongType(ctx, e, ObjType::kZSet)) return;
    if (ObjOf(e).size() == 0) continue;
    PopShape shape;
    shape.emit_key = true;
    shape.nested = count >= 0;
    shape.nil_if_none = count >= 0;
    std::string_view from;
    size_t n = GenericZpop(ctx, ArgList(&key, 1), where, count, shape, &from);
    if (n > 0) PropagatePop(ctx, where, from, n, count >= 0);
    return;
  }
  if (DenyBlocking(ctx)) {
    ctx.reply.NullArray();
    return;
  }
  std::vector<std::string_view> block_keys(keys.begin(), keys.end());
  ctx.server.BlockClient(ctx.conn, ctx.db, block_keys, ObjType::kZSet, deadline, true, ctx.spec,
                         ctx.args);
}

// ZMPOP numkeys key... MIN|MAX [COUNT n] / BZMPOP timeout numkeys ...
void MPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool block) {
  ArgList a = ctx.args;
  int64_t numkeys;
  if (!ArgLongRange(ctx, a[numkeys_idx], 1, LONG_MAX, &numkeys,
                    "ERR numkeys should be greater than 0"))
    return;
  if (static_cast<uint64_t>(numkeys) >= a.size() - numkeys_idx - 1) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  size_t where_idx = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  Where where;
  if (EqNoCase(a[where_idx], "min")) {
    where = Where::kMin;
  } else if (EqNoCase(a[where_idx], "max")) {
    where = Where::kMax;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < a.size(); ++j) {
    if (count == -1 && EqNoCase(a[j], "count") && j + 1 < a.size()) {
      if (!ArgLongRange(ctx, a[++j], 1, LONG_MAX, &count, "ERR count should be greater than 0"))
        return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  ArgList keys = a.subspan(numkeys_idx + 1, static_cast<size_t>(numkeys));
  if (block) {
    BlockingZpop(ctx, keys, where, count, a[1]);
    return;
  }
  PopShape shape;
  shape.emit_key = true;
  shape.nested = true;
  shape.nil_if_none = true;
  std::string_view from;
  size_t n = GenericZpop(ctx, keys, where, count, shape, &from);
  if (n > 0) PropagatePop(ctx, where, from, n, true);
}

}  // namespace

void ZPopMin(CommandContext& ctx) { PopMinMax(ctx, Where::kMin); }
void ZPopMax(CommandContext& ctx) { PopMinMax(ctx, Where::kMax); }
void ZMPop(CommandContext& ctx) { MPopGeneric(ctx, 1, false); }
void BZMPop(CommandContext& ctx) { MPopGeneric(ctx, 2, true); }
void BZPopMin(CommandContext& ctx) {
  BlockingZpop(ctx, ctx.args.subspan(1, ctx.args.size() - 2), Where::kMin, -1, ctx.args.back());
}
void BZPopMax(CommandContext& ctx) {
  BlockingZpop(ctx, ctx.args.subspan(1, ctx.args.size() - 2), Where::kMax, -1, ctx.args.back());
}

}  // namespace sable::zcmd
