// Consumer-group commands (XGROUP *, XACK, XPENDING, XCLAIM, XAUTOCLAIM) and XINFO.
//
// XCLAIM and XAUTOCLAIM never propagate themselves: each PEL change goes out as the
// idempotent XCLAIM ... TIME RETRYCOUNT FORCE JUSTID LASTID form (Redis's
// streamPropagateXCLAIM), a LASTID-only change as XGROUP SETID.
#include <string>
#include <vector>

#include "server/commands/stream_common.h"

namespace sable::xcmd {

namespace {

std::string NoGroupError(std::string_view key, std::string_view group) {
  return "NOGROUP No such key '" + std::string(key) + "' or consumer group '" + std::string(group) +
         "'";
}

// The group of a stream key for XCLAIM/XAUTOCLAIM/XPENDING: nullptr after replying
// WRONGTYPE or NOGROUP. `looked_up`: the key was already read (XAUTOCLAIM reads it before
// parsing its arguments, as Redis: a missing key is a keymiss even when parsing fails).
StreamGroup* LookupGroup(CommandContext& ctx, KvEntry** entry, KvEntry** looked_up = nullptr) {
  bool wrong;
  KvEntry* e;
  if (looked_up != nullptr) {
    e = *looked_up;
    wrong = WrongType(ctx, e, ObjType::kStream);
  } else {
    e = ReadStream(ctx, ctx.args[1], &wrong);
  }
  if (wrong) return nullptr;
  StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.args[2]) : nullptr;
  if (g == nullptr) {
    ctx.reply.Error(NoGroupError(ctx.args[1], ctx.args[2]));
    return nullptr;
  }
  *entry = e;
  return g;
}

// streamReplyWithCGLag: entries not yet delivered to the group, or null when tombstones make
// the group's position unknowable.
void ReplyLag(CommandContext& ctx, const Stream& s, const StreamGroup& g) {
  int64_t read;
  if (s.entries_added() == 0) {
    ctx.reply.Integer(0);
  } else if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
             !s.RangeHasTombstones(g.last_id, StreamId::Max())) {
    ctx.reply.Integer(static_cast<int64_t>(s.entries_added()) - g.entries_read);
  } else if ((read = s.EstimateDistanceFromFirstEverEntry(g.last_id)) !=
             StreamGroup::kInvalidEntriesRead) {
    ctx.reply.Integer(static_cast<int64_t>(s.entries_added()) - read);
  } else {
    ctx.reply.Null();
  }
}

void ReplyEntriesRead(CommandContext& ctx, const StreamGroup& g) {
  if (g.entries_read != StreamGroup::kInvalidEntriesRead) {
    ctx.reply.Integer(g.entries_read);
  } else {
    ctx.reply.Null();
  }
}

// The consumer XCLAIM/XAUTOCLAIM give entries to: looked up (refreshing its seen time) or
// created on first use.
StreamConsumer* ClaimingConsumer(CommandContext& ctx, StreamGroup& g, StreamConsumer** cache) {
  if (*cache != nullptr) return *cache;
  std::string_view name = ctx.args[3];
  StreamConsumer* c = g.FindConsumer(name);
  if (c != nullptr) {
    c->seen_time = ctx.now_ms;
  } else {
    c = g.CreateConsumer(name, ctx.now_ms);
    Dirty(ctx);
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-createconsumer", ctx.args[1]);
  }
  *cache = c;
  return c;
}

// Deletes a PEL entry whose stream entry is gone, propagating the deletion first.
void DropNack(CommandContext& ctx, StreamGroup& g, std::map<StreamId, StreamNack>::iterator it) {
  if (ctx.server.propagating())
    PropagateXClaim(ctx, ctx.args[1], ctx.args[2], g, it->first, it->second);
  Dirty(ctx);
  g.Ack(it);
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// XGROUP
// ---------------------------------------------------------------------------------------------

namespace {

struct GroupArgs {
  KvEntry* e = nullptr;
  StreamGroup* g = nullptr;
  bool mkstream = false;
  int64_t entries_read = StreamGroup::kInvalidEntriesRead;
};

// The checks every XGROUP subcommand with a key shares (options, key, group), in Redis's
// order. False after replying.
bool PrepareGroup(CommandContext& ctx, bool create, bool setid, bool need_group, GroupArgs* out) {
  ArgList a = ctx.args;
  for (size_t i = 5; i < a.size();) {
    if (create && EqNoCase(a[i], "MKSTREAM")) {
      out->mkstream = true;
      ++i;
    } else if ((create || setid) && EqNoCase(a[i], "ENTRIESREAD") && i + 1 < a.size()) {
      if (!ArgInt64(ctx, a[i + 1], &out->entries_read)) return false;
      if (out->entries_read < 0 && out->entries_read != StreamGroup::kInvalidEntriesRead) {
        ctx.reply.Error("ERR value for ENTRIESREAD must be positive or -1");
        return false;
      }
      i += 2;
    } else {
      ReplySubcommandSyntaxError(ctx);
      return false;
    }
  }
  bool wrong;
  out->e = WriteStream(ctx, a[2], &wrong);
  if (wrong) return false;
  if (!out->mkstream) {
    if (out->e == nullptr) {
      ctx.reply.Error(
          "ERR The XGROUP subcommand requires the key to exist. Note that for CREATE you may "
          "want to use the MKSTREAM option to create an empty stream automatically.");
      return false;
    }
    out->g = StreamOf(out->e)->FindGroup(a[3]);
    if (out->g == nullptr && need_group) {
      ctx.reply.Error("NOGROUP No such consumer group '" + std::string(a[3]) + "' for key name '" +
                      std::string(a[2]) + "'");
      return false;
    }
  }
  return true;
}

}  // namespace

void XGroupCreate(CommandContext& ctx) {
  GroupArgs p;
  if (!PrepareGroup(ctx, true, false, false, &p)) return;
  if (ctx.args.size() > 8) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  StreamId id;
  if (ctx.args[4] == "$") {
    if (p.e != nullptr) id = StreamOf(p.e)->last_id();
  } else if (!ArgId(ctx, ctx.args[4], &id)) {
    return;
  }
  std::string_view key = ctx.args[2];
  if (p.e == nullptr) {
    p.e = InsertStream(ctx, key);
    SignalModifiedKey(ctx, key);
    KeyReady(ctx, key);
  }
  if (StreamOf(p.e)->CreateGroup(ctx.args[3], id, p.entries_read) == nullptr) {
    ctx.reply.Error("BUSYGROUP Consumer Group name already exists");
    return;
  }
  SignalModifiedKey(ctx, key);
  Dirty(ctx);
  ctx.reply.Ok();
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-create", key);
}

void XGroupSetId(CommandContext& ctx) {
  GroupArgs p;
  if (!PrepareGroup(ctx, false, true, true, &p)) return;
  if (ctx.args.size() != 5 && ctx.args.size() != 7) {
    ReplySubcommandSyntaxError(ctx);
    return;
  }
  StreamId id;
  if (ctx.args[4] == "$") {
    id = StreamOf(p.e)->last_id();
  } else if (!ArgId(ctx, ctx.args[4], &id, 0, false)) {
    return;
  }
  p.g->last_id = id;
  p.g->entries_read = p.entries_read;
  SignalModifiedKey(ctx, ctx.args[2]);
  Dirty(ctx);
  ctx.reply.Ok();
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-setid", ctx.args[2]);
}

void XGroupDestroy(CommandContext& ctx) {
  GroupArgs p;
  if (!PrepareGroup(ctx, false, false, false, &p)) return;
  if (p.g == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  StreamOf(p.e)->DestroyGroup(ctx.args[3]);
  SignalModifiedKey(ctx, ctx.args[2]);
  Dirty(ctx);
  KeyReady(ctx, ctx.args[2]);  // its blocked readers fail with NOGROUP
  ctx.reply.Integer(1);
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-destroy", ctx.args[2]);
}

void XGroupCreateConsumer(CommandContext& ctx) {
  GroupArgs p;
  if (!PrepareGroup(ctx, false, false, true, &p)) return;
  bool created = p.g->CreateConsumer(ctx.args[4], ctx.now_ms) != nullptr;
  if (created) {
    SignalModifiedKey(ctx, ctx.args[2]);
    Dirty(ctx);
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-createconsumer", ctx.args[2]);
  }
  ctx.reply.Integer(created ? 1 : 0);
}

void XGroupDelConsumer(CommandContext& ctx) {
  GroupArgs p;
  if (!PrepareGroup(ctx, false, false, true, &p)) return;
  StreamConsumer* c = p.g->FindConsumer(ctx.args[4]);
  int64_t pending = 0;
  if (c != nullptr) {
    pending = static_cast<int64_t>(c->pel.size());
    p.g->DeleteConsumer(c);
    SignalModifiedKey(ctx, ctx.args[2]);
    Dirty(ctx);
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-delconsumer", ctx.args[2]);
  }
  ctx.reply.Integer(pending);
}

void XGroupHelp(CommandContext& ctx) {
  ReplyHelp(
      ctx, ctx.args[0],
      {"CREATE <key> <groupname> <id|$> [option]",
       "    Create a new consumer group. Options are:", "    * MKSTREAM",
       "      Create the empty stream if it does not exist.", "    * ENTRIESREAD entries_read",
       "      Set the group's entries_read counter (internal use).",
       "CREATECONSUMER <key> <groupname> <consumer>",
       "    Create a new consumer in the specified group.",
       "DELCONSUMER <key> <groupname> <consumer>", "    Remove the specified consumer.",
       "DESTROY <key> <groupname>", "    Remove the specified group.",
       "SETID <key> <groupname> <id|$> [ENTRIESREAD entries_read]",
       "    Set the current group ID and entries_read counter."});
}

// ---------------------------------------------------------------------------------------------
// XACK / XPENDING
// ---------------------------------------------------------------------------------------------

void XAck(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadStream(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  StreamGroup* g = e ? StreamOf(e)->FindGroup(ctx.args[2]) : nullptr;
  if (g == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // All IDs are parsed before any is acknowledged: all or nothing.
  std::vector<StreamId> ids(ctx.args.size() - 3);
  for (size_t j = 3; j < ctx.args.size(); ++j)
    if (!ArgId(ctx, ctx.args[j], &ids[j - 3])) return;
  int64_t acked = 0;
  for (const StreamId& id : ids) {
    auto it = g->pel.find(id);
    if (it == g->pel.end()) continue;
    g->Ack(it);
    ++acked;
  }
  if (acked) {
    SignalModifiedKey(ctx, ctx.args[1]);
    Dirty(ctx, static_cast<uint64_t>(acked));
  }
  ctx.reply.Integer(acked);
}

void XPending(CommandContext& ctx) {
  ArgList a = ctx.args;
  const bool summary = a.size() == 3;
  if (!summary && (a.size() < 6 || a.size() > 9)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  StreamId start, end;
  int64_t count = 0, minidle = 0;
  std::string_view consumer_name;
  bool have_consumer = false;
  if (!summary) {
    size_t idx = 3;
    if (EqNoCase(a[3], "IDLE")) {
      if (!ArgInt64(ctx, a[4], &minidle)) return;
      if (a.size() < 8) {
        ctx.reply.Error(err::kSyntax);
        return;
      }
      idx += 2;
    }
    if (!ArgInt64(ctx, a[idx + 2], &count)) return;
    if (count < 0) count = 0;
    if (!ArgRangeStart(ctx, a[idx], &start)) return;
    if (!ArgRangeEnd(ctx, a[idx + 1], &end)) return;
    if (idx + 3 < a.size()) {
      consumer_name = a[idx + 3];
      have_consumer = true;
    }
  }
  KvEntry* e;
  StreamGroup* g = LookupGroup(ctx, &e);
  if (g == nullptr) return;

  if (summary) {
    ctx.reply.Array(4);
    ctx.reply.Integer(static_cast<int64_t>(g->pel.size()));
    if (g->pel.empty()) {
      ctx.reply.Null();
      ctx.reply.Null();
      ctx.reply.NullArray();
      return;
    }
    ReplyId(ctx, g->pel.begin()->first);
    ReplyId(ctx, g->pel.rbegin()->first);
    size_t h = ctx.reply.BeginDeferred();
    size_t n = 0;
    for (const auto& [name, c] : g->consumers) {
      if (c.pel.empty()) continue;
      ctx.reply.Array(2);
      ctx.reply.Bulk(name);
      ctx.reply.BulkInt(static_cast<int64_t>(c.pel.size()));
      ++n;
    }
    ctx.reply.EndDeferredArray(h, n);
    return;
  }

  const int64_t now = ctx.now_ms;
  auto emit = [&](const StreamId& id, const StreamNack& nack) {
    ctx.reply.Array(4);
    ReplyId(ctx, id);
    ctx.reply.Bulk(nack.consumer ? nack.consumer->name : std::string_view());
    int64_t elapsed = now - nack.delivery_time;
    ctx.reply.Integer(elapsed < 0 ? 0 : elapsed);
    ctx.reply.Integer(static_cast<int64_t>(nack.delivery_count));
  };
  auto wanted = [&](const StreamNack& nack) {
    return !minidle || now - nack.delivery_time >= minidle;
  };
  size_t h = ctx.reply.BeginDeferred();
  size_t n = 0;
  if (have_consumer) {
    StreamConsumer* c = g->FindConsumer(consumer_name);
    if (c != nullptr) {
      for (auto it = c->pel.lower_bound(start); count && it != c->pel.end() && it->first <= end;
           ++it) {
        if (!wanted(*it->second)) continue;
        emit(it->first, *it->second);
        ++n;
        --count;
      }
    }
  } else {
    for (auto it = g->pel.lower_bound(start); count && it != g->pel.end() && it->first <= end;
         ++it) {
      if (!wanted(it->second)) continue;
      emit(it->first, it->second);
      ++n;
      --count;
    }
  }
  ctx.reply.EndDeferredArray(h, n);
}

// ---------------------------------------------------------------------------------------------
// XCLAIM / XAUTOCLAIM
// ---------------------------------------------------------------------------------------------

void XClaim(CommandContext& ctx) {
  ArgList a = ctx.args;
  KvEntry* e;
  StreamGroup* g = LookupGroup(ctx, &e);
  if (g == nullptr) return;
  Stream* s = StreamOf(e);
  int64_t minidle;
  if (!ArgInt64(ctx, a[4], &minidle, "ERR Invalid min-idle-time argument for XCLAIM")) return;
  if (minidle < 0) minidle = 0;
  // IDs run until the first argument that is not one; options follow.
  std::vector<StreamId> ids;
  size_t j = 5;
  for (; j < a.size(); ++j) {
    StreamId id;
    if (!ParseStreamId(a[j], 0, true, nullptr, &id)) break;
    ids.push_back(id);
  }
  const int64_t now = ctx.now_ms;
  int64_t retrycount = -1, deliverytime = -1;
  bool force = false, justid = false;
  StreamId last_id;
  for (; j < a.size(); ++j) {
    std::string_view opt = a[j];
    bool more = j + 1 < a.size();
    if (EqNoCase(opt, "FORCE")) {
      force = true;
    } else if (EqNoCase(opt, "JUSTID")) {
      justid = true;
    } else if (EqNoCase(opt, "IDLE") && more) {
      if (!ArgInt64(ctx, a[++j], &deliverytime, "ERR Invalid IDLE option argument for XCLAIM"))
        return;
      deliverytime = now - deliverytime;
    } else if (EqNoCase(opt, "TIME") && more) {
      if (!ArgInt64(ctx, a[++j], &deliverytime, "ERR Invalid TIME option argument for XCLAIM"))
        return;
    } else if (EqNoCase(opt, "RETRYCOUNT") && more) {
      if (!ArgInt64(ctx, a[++j], &retrycount, "ERR Invalid RETRYCOUNT option argument for XCLAIM"))
        return;
    } else if (EqNoCase(opt, "LASTID") && more) {
      if (!ArgId(ctx, a[++j], &last_id)) return;
    } else {
      ctx.reply.Error("ERR Unrecognized XCLAIM option '" + std::string(opt) + "'");
      return;
    }
  }
  PropagateNothing(ctx);  // effects go out as XCLAIM ... FORCE JUSTID / XGROUP SETID
  bool propagate_last_id = false;
  if (last_id > g->last_id) {
    g->last_id = last_id;
    propagate_last_id = true;
  }
  // A bogus time (negative, in the future) means now: clients compute it from their clocks.
  if (deliverytime < 0 || deliverytime > now) deliverytime = now;

  StreamConsumer* consumer = nullptr;
  size_t h = ctx.reply.BeginDeferred();
  size_t n = 0;
  for (const StreamId& id : ids) {
    auto it = g->pel.find(id);
    if (!s->EntryExists(id)) {
      if (it != g->pel.end()) {
        DropNack(ctx, *g, it);
        propagate_last_id = false;  // the XCLAIM carries LASTID
      }
      continue;
    }
    if (force && it == g->pel.end()) it = g->pel.emplace(id, StreamNack{now, 1, nullptr}).first;
    if (it == g->pel.end()) continue;
    StreamNack& nack = it->second;
    // A FORCE-created entry has no owner and ignores min-idle-time.
    if (nack.consumer != nullptr && minidle && now - nack.delivery_time < minidle) continue;
    StreamConsumer* c = ClaimingConsumer(ctx, *g, &consumer);
    nack.delivery_time = deliverytime;
    if (retrycount >= 0) {
      nack.delivery_count = static_cast<uint64_t>(retrycount);
    } else if (!justid) {
      ++nack.delivery_count;
    }
    g->Reassign(id, &nack, c);
    if (justid) {
      ReplyId(ctx, id);
    } else {
      ReplyEntries(ctx, *s, id, id, 1, false);
    }
    ++n;
    if (ctx.server.propagating()) PropagateXClaim(ctx, a[1], a[2], *g, id, nack);
    propagate_last_id = false;
    Dirty(ctx);
  }
  if (propagate_last_id) {
    if (ctx.server.propagating()) PropagateGroupId(ctx, a[1], a[2], *g);
    Dirty(ctx);
  }
  ctx.reply.EndDeferredArray(h, n);
}

void XAutoClaim(CommandContext& ctx) {
  ArgList a = ctx.args;
  KvEntry* looked_up = LookupRead(ctx, a[1]);  // parsing cannot change the keyspace
  int64_t minidle;
  if (!ArgInt64(ctx, a[4], &minidle, "ERR Invalid min-idle-time argument for XAUTOCLAIM")) return;
  if (minidle < 0) minidle = 0;
  StreamId start;
  if (!ArgRangeStart(ctx, a[5], &start)) return;
  constexpr int64_t kAttemptsFactor = 10;
  constexpr int64_t kMaxCount = INT64_MAX / 16;  // LONG_MAX / max(sizeof(streamID), factor)
  int64_t count = 100;
  bool justid = false;
  for (size_t j = 6; j < a.size(); ++j) {
    if (EqNoCase(a[j], "COUNT") && j + 1 < a.size()) {
      int64_t v;
      if (!StringToInt64(a[j + 1], &v) || v < 1 || v > kMaxCount) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return;
      }
      count = v;
      ++j;
    } else if (EqNoCase(a[j], "JUSTID")) {
      justid = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  KvEntry* e;
  StreamGroup* g = LookupGroup(ctx, &e, &looked_up);
  if (g == nullptr) return;
  Stream* s = StreamOf(e);
  PropagateNothing(ctx);

  const int64_t now = ctx.now_ms;
  int64_t attempts = count * kAttemptsFactor;
  StreamConsumer* consumer = nullptr;
  std::vector<StreamId> claimed, deleted;
  auto it = g->pel.lower_bound(start);
  while (attempts-- > 0 && count > 0 && it != g->pel.end()) {
    StreamId id = it->first;
    if (!s->EntryExists(id)) {
      auto next = std::next(it);
      DropNack(ctx, *g, it);
      it = next;
      deleted.push_back(id);
      --count;
      continue;
    }
    StreamNack& nack = it->second;
    if (minidle && now - nack.delivery_time < minidle) {
      ++it;
      continue;
    }
    StreamConsumer* c = ClaimingConsumer(ctx, *g, &consumer);
    nack.delivery_time = now;
    if (!justid) ++nack.delivery_count;
    g->Reassign(id, &nack, c);
    claimed.push_back(id);
    --count;
    if (ctx.server.propagating()) PropagateXClaim(ctx, a[1], a[2], *g, id, nack);
    Dirty(ctx);
    ++it;
  }
  // [next cursor (0-0 at the end), claimed entries (or IDs), IDs whose entries were gone]
  ctx.reply.Array(3);
  ReplyId(ctx, it == g->pel.end() ? StreamId{0, 0} : it->first);
  ctx.reply.Array(claimed.size());
  for (const StreamId& id : claimed) {
    if (justid) {
      ReplyId(ctx, id);
    } else {
      ReplyEntries(ctx, *s, id, id, 1, false);
    }
  }
  ctx.reply.Array(deleted.size());
  for (const StreamId& id : deleted) ReplyId(ctx, id);
}

// ---------------------------------------------------------------------------------------------
// XINFO
// ---------------------------------------------------------------------------------------------

namespace {

KvEntry* InfoLookup(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadStream(ctx, ctx.args[2], &wrong);
  if (wrong) return nullptr;
  if (e == nullptr) ctx.reply.Error(err::kNoKey);
  return e;
}

void ReplyFull(CommandContext& ctx, const Stream& s, size_t count) {
  ctx.reply.Bulk("entries");
  ReplyRange(ctx, s, {0, 0}, StreamId::Max(), count, false);
  ctx.reply.Bulk("groups");
  ctx.reply.Array(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    ctx.reply.Map(7);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx, g->last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.reply.Bulk("lag");
    ReplyLag(ctx, s, *g);
    ctx.reply.Bulk("pel-count");
    ctx.reply.Integer(static_cast<int64_t>(g->pel.size()));
    ctx.reply.Bulk("pending");
    size_t pn = count == 0 ? g->pel.size() : std::min(count, g->pel.size());
    ctx.reply.Array(pn);
    auto pit = g->pel.begin();
    for (size_t i = 0; i < pn; ++i, ++pit) {
      ctx.reply.Array(4);
      ReplyId(ctx, pit->first);
      ctx.reply.Bulk(pit->second.consumer ? pit->second.consumer->name : std::string_view());
      ctx.reply.Integer(pit->second.delivery_time);
      ctx.reply.Integer(static_cast<int64_t>(pit->second.delivery_count));
    }
    ctx.reply.Bulk("consumers");
    ctx.reply.Array(g->consumers.size());
    for (const auto& [cname, c] : g->consumers) {
      ctx.reply.Map(4);
      ctx.reply.Bulk("name");
      ctx.reply.Bulk(cname);
      ctx.reply.Bulk("seen-time");
      ctx.reply.Integer(c.seen_time);
      ctx.reply.Bulk("pel-count");
      ctx.reply.Integer(static_cast<int64_t>(c.pel.size()));
      ctx.reply.Bulk("pending");
      size_t cn = count == 0 ? c.pel.size() : std::min(count, c.pel.size());
      ctx.reply.Array(cn);
      auto cit = c.pel.begin();
      for (size_t i = 0; i < cn; ++i, ++cit) {
        ctx.reply.Array(3);
        ReplyId(ctx, cit->first);
        ctx.reply.Integer(cit->second->delivery_time);
        ctx.reply.Integer(static_cast<int64_t>(cit->second->delivery_count));
      }
    }
  }
}

}  // namespace

void XInfoStream(CommandContext& ctx) {
  ArgList a = ctx.args;
  KvEntry* e = InfoLookup(ctx);  // the key is checked before the options, as in Redis
  if (e == nullptr) return;
  bool full = false;
  int64_t count = 10;  // FULL's default: a bounded reply
  size_t optc = a.size() - 3;
  if (optc != 0) {
    if ((optc != 1 && optc != 3) || !EqNoCase(a[3], "full") ||
        (optc == 3 && !EqNoCase(a[4], "count"))) {
      ReplySubcommandSyntaxError(ctx);
      return;
    }
    full = true;
    if (optc == 3) {
      if (!ArgInt64(ctx, a[5], &count)) return;
      if (count < 0) count = 10;
    }
  }
  const Stream& s = *StreamOf(e);
  ctx.reply.Map(full ? 9 : 10);
  ctx.reply.Bulk("length");
  ctx.reply.Integer(static_cast<int64_t>(s.length()));
  ctx.reply.Bulk("radix-tree-keys");
  ctx.reply.Integer(static_cast<int64_t>(s.nodes().size()));
  // Sable keeps nodes in an ordered map, not a radix tree: one node per key plus the root.
  ctx.reply.Bulk("radix-tree-nodes");
  ctx.reply.Integer(static_cast<int64_t>(s.nodes().size() + 1));
  ctx.reply.Bulk("last-generated-id");
  ReplyId(ctx, s.last_id());
  ctx.reply.Bulk("max-deleted-entry-id");
  ReplyId(ctx, s.max_deleted_id());
  ctx.reply.Bulk("entries-added");
  ctx.reply.Integer(static_cast<int64_t>(s.entries_added()));
  ctx.reply.Bulk("recorded-first-entry-id");
  ReplyId(ctx, s.first_id());
  if (full) {
    ReplyFull(ctx, s, static_cast<size_t>(count));
    return;
  }
  ctx.reply.Bulk("groups");
  ctx.reply.Integer(static_cast<int64_t>(s.groups().size()));
  ctx.reply.Bulk("first-entry");
  if (ReplyEntries(ctx, s, {0, 0}, StreamId::Max(), 1, false) == 0) ctx.reply.Null();
  ctx.reply.Bulk("last-entry");
  if (ReplyEntries(ctx, s, {0, 0}, StreamId::Max(), 1, true) == 0) ctx.reply.Null();
}

void XInfoGroups(CommandContext& ctx) {
  KvEntry* e = InfoLookup(ctx);
  if (e == nullptr) return;
  const Stream& s = *StreamOf(e);
  ctx.reply.Array(s.groups().size());
  for (const auto& [name, g] : s.groups()) {
    ctx.reply.Map(6);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("consumers");
    ctx.reply.Integer(static_cast<int64_t>(g->consumers.size()));
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(g->pel.size()));
    ctx.reply.Bulk("last-delivered-id");
    ReplyId(ctx, g->last_id);
    ctx.reply.Bulk("entries-read");
    ReplyEntriesRead(ctx, *g);
    ctx.reply.Bulk("lag");
    ReplyLag(ctx, s, *g);
  }
}

void XInfoConsumers(CommandContext& ctx) {
  KvEntry* e = InfoLookup(ctx);
  if (e == nullptr) return;
  StreamGroup* g = StreamOf(e)->FindGroup(ctx.args[3]);
  if (g == nullptr) {
    ctx.reply.Error("NOGROUP No such consumer group '" + std::string(ctx.args[3]) +
                    "' for key name '" + std::string(ctx.args[2]) + "'");
    return;
  }
  ctx.reply.Array(g->consumers.size());
  for (const auto& [name, c] : g->consumers) {
    int64_t idle = ctx.now_ms - c.seen_time;
    ctx.reply.Map(3);
    ctx.reply.Bulk("name");
    ctx.reply.Bulk(name);
    ctx.reply.Bulk("pending");
    ctx.reply.Integer(static_cast<int64_t>(c.pel.size()));
    ctx.reply.Bulk("idle");
    ctx.reply.Integer(idle < 0 ? 0 : idle);
  }
}

void XInfoHelp(CommandContext& ctx) {
  ReplyHelp(ctx, ctx.args[0],
            {"CONSUMERS <key> <groupname>", "    Show consumers of <groupname>.", "GROUPS <key>",
             "    Show the stream consumer groups.", "STREAM <key> [FULL [COUNT <count>]",
             "    Show information about the stream."});
}

}  // namespace sable::xcmd
