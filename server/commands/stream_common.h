// Shared by the stream command files (streams.cc, stream_groups.cc, stream_objects.cc): typed
// lookups, ID arguments, entry replies and the propagation helpers for consumer-group effects.
// Not a public interface: other families reach streams through datastructs/stream.h.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datastructs/stream.h"
#include "server/commands/util.h"

namespace sable::xcmd {

inline constexpr const char* kInvalidId =
    "ERR Invalid stream ID specified as stream command argument";

inline Stream* StreamOf(const KvEntry* e) { return static_cast<Stream*>(e->ptr()); }

inline StreamNodeLimits NodeLimits(CommandContext& ctx) {
  const Config& cfg = ctx.server.config();
  StreamNodeLimits l;
  l.max_bytes = static_cast<size_t>(cfg.stream_node_max_bytes < 0 ? 0 : cfg.stream_node_max_bytes);
  l.max_entries = cfg.stream_node_max_entries;
  return l;
}

// Looks up a stream: nullptr if absent; *wrong (and a WRONGTYPE reply) for another type.
inline KvEntry* ReadStream(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupRead(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kStream);
  return *wrong ? nullptr : e;
}

inline KvEntry* WriteStream(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupWrite(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kStream);
  return *wrong ? nullptr : e;
}

// Adds a new empty stream under `key` (REQUIRES: key absent).
inline KvEntry* InsertStream(CommandContext& ctx, std::string_view key) {
  KvEntry* e = KvEntry::NewPtr(key, ObjType::kStream, new Stream(), -1, LruClock(ctx));
  Ks(ctx).Insert(ctx.db, e);
  return e;
}

// Parses a stream ID argument, replying the invalid-ID error on failure.
inline bool ArgId(CommandContext& ctx, std::string_view s, StreamId* id, uint64_t missing_seq = 0,
                  bool strict = true, bool* seq_given = nullptr) {
  if (ParseStreamId(s, missing_seq, strict, seq_given, id)) return true;
  ctx.reply.Error(kInvalidId);
  return false;
}

// A range bound: "(" makes it exclusive (and then "-"/"+" are invalid). The bound is moved
// past the excluded ID; an interval that cannot exist replies an error.
inline bool ArgRangeStart(CommandContext& ctx, std::string_view s, StreamId* id) {
  bool ex = s.size() > 1 && s[0] == '(';
  if (!ArgId(ctx, ex ? s.substr(1) : s, id, 0, ex)) return false;
  if (ex && !id->Incr()) {
    ctx.reply.Error("ERR invalid start ID for the interval");
    return false;
  }
  return true;
}

inline bool ArgRangeEnd(CommandContext& ctx, std::string_view s, StreamId* id) {
  bool ex = s.size() > 1 && s[0] == '(';
  if (!ArgId(ctx, ex ? s.substr(1) : s, id, UINT64_MAX, ex)) return false;
  if (ex && !id->Decr()) {
    ctx.reply.Error("ERR invalid end ID for the interval");
    return false;
  }
  return true;
}

inline void ReplyId(CommandContext& ctx, const StreamId& id) {
  char buf[StreamId::kMaxChars];
  ctx.reply.Bulk(std::string_view(buf, id.Format(buf)));
}

// The current entry of `it`: [id, [field, value, ...]].
inline void ReplyEntry(CommandContext& ctx, Stream::Iterator& it, const StreamId& id,
                       int64_t numfields) {
  ctx.reply.Array(2);
  ReplyId(ctx, id);
  ctx.reply.Array(static_cast<size_t>(numfields) * 2);
  std::string_view f, v;
  while (numfields--) {
    it.Field(&f, &v);
    ctx.reply.Bulk(f);
    ctx.reply.Bulk(v);
  }
}

// Replies the entries of [start, end] (at most `count`, 0 = all) without an enclosing array
// header; returns how many were sent.
inline size_t ReplyEntries(CommandContext& ctx, const Stream& s, const StreamId& start,
                           const StreamId& end, size_t count, bool rev) {
  Stream::Iterator it(s, start, end, rev);
  StreamId id;
  int64_t nf;
  size_t n = 0;
  while ((count == 0 || n < count) && it.Next(&id, &nf)) {
    ReplyEntry(ctx, it, id, nf);
    ++n;
  }
  return n;
}

// As above inside an array (XRANGE's reply).
inline size_t ReplyRange(CommandContext& ctx, const Stream& s, const StreamId& start,
                         const StreamId& end, size_t count, bool rev) {
  size_t h = ctx.reply.BeginDeferred();
  size_t n = ReplyEntries(ctx, s, start, end, count, rev);
  ctx.reply.EndDeferredArray(h, n);
  return n;
}

// Redis's addReplyHelp: "<CMD> <subcommand> ..." header, the lines, then HELP.
inline void ReplyHelp(CommandContext& ctx, std::string_view cmd,
                      std::initializer_list<const char*> lines) {
  std::string up(cmd);
  for (char& c : up) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  ctx.reply.Array(lines.size() + 3);
  ctx.reply.Simple(up + " <subcommand> [<arg> [value] [opt] ...]. Subcommands are:");
  for (const char* l : lines) ctx.reply.Simple(l);
  ctx.reply.Simple("HELP");
  ctx.reply.Simple("    Prints this help.");
}

inline void ReplySubcommandSyntaxError(CommandContext& ctx) {
  std::string up(ctx.args[0]);
  for (char& c : up) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  std::string_view sub = ctx.args[1].substr(0, 128);
  ctx.reply.Error("ERR unknown subcommand or wrong number of arguments for '" + std::string(sub) +
                  "'. Try " + up + " HELP.");
}

inline void Propagate(CommandContext& ctx, std::vector<std::string> args) {
  if (ctx.server.propagating()) {
    ctx.server.PropagateAs(ctx.db, std::move(args));
  } else {
    ctx.server.PropagateAs(-2, {});  // still marks the command as described
  }
}

// streamPropagateXCLAIM: the idempotent form of a PEL change (ownership, delivery time and
// count, group last ID). With the NACK gone (the entry vanished) it still reproduces the
// deletion: XCLAIM of a missing entry drops the PEL entry on the other side.
inline void PropagateXClaim(CommandContext& ctx, std::string_view key, std::string_view group,
                            const StreamGroup& g, const StreamId& id, const StreamNack& nack) {
  Propagate(ctx, {"XCLAIM", std::string(key), std::string(group),
                  nack.consumer ? std::string(nack.consumer->name) : std::string(), "0",
                  id.ToString(), "TIME", Int64ToString(nack.delivery_time), "RETRYCOUNT",
                  Int64ToString(static_cast<int64_t>(nack.delivery_count)), "FORCE", "JUSTID",
                  "LASTID", g.last_id.ToString()});
}

// streamPropagateGroupID: XGROUP SETID with the read counter (NOACK reads, XCLAIM LASTID).
inline void PropagateGroupId(CommandContext& ctx, std::string_view key, std::string_view group,
                             const StreamGroup& g) {
  Propagate(ctx, {"XGROUP", "SETID", std::string(key), std::string(group), g.last_id.ToString(),
                  "ENTRIESREAD", Int64ToString(g.entries_read)});
}

// streamPropagateConsumerCreation (NOACK reads create consumers no XCLAIM would).
inline void PropagateConsumerCreation(CommandContext& ctx, std::string_view key,
                                      std::string_view group, std::string_view consumer) {
  Propagate(ctx, {"XGROUP", "CREATECONSUMER", std::string(key), std::string(group),
                  std::string(consumer)});
}

// Handlers defined in stream_groups.cc, registered by streams.cc.
void XGroupCreate(CommandContext& ctx);
void XGroupSetId(CommandContext& ctx);
void XGroupDestroy(CommandContext& ctx);
void XGroupCreateConsumer(CommandContext& ctx);
void XGroupDelConsumer(CommandContext& ctx);
void XGroupHelp(CommandContext& ctx);
void XAck(CommandContext& ctx);
void XPending(CommandContext& ctx);
void XClaim(CommandContext& ctx);
void XAutoClaim(CommandContext& ctx);
void XInfoStream(CommandContext& ctx);
void XInfoGroups(CommandContext& ctx);
void XInfoConsumers(CommandContext& ctx);
void XInfoHelp(CommandContext& ctx);

// ObjectOps row (stream_objects.cc).
void RegisterStreamObjectOps();

}  // namespace sable::xcmd
