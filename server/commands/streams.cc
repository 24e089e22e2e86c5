// Stream commands: XADD XTRIM XDEL XLEN XRANGE XREVRANGE XSETID XREAD XREADGROUP and the
// family's command table. Consumer-group commands and XINFO live in stream_groups.cc, the
// type's ObjectOps row (free, dup, encoding, memory, RDB, digest) in stream_objects.cc.
//
// Propagation follows Redis 7.0: XADD goes out with the ID it generated and, when it trimmed
// approximately, with the exact result ("MAXLEN = <len>" / "MINID = <first id>"), so replicas
// and AOF replays end with the same stream; XREADGROUP propagates its effects as XCLAIM /
// XGROUP SETID / XGROUP CREATECONSUMER, never itself.
//
// Blocking XREAD/XREADGROUP park the client with the server's blocking machinery (the command
// runs again when a key is signalled): XREAD's "$" is replaced by the stream's last ID at the
// time it blocked, and XREADGROUP is also woken when its stream is deleted or replaced, to
// fail as Redis does.
#include <string>
#include <vector>

#include "server/commands/stream_common.h"

namespace sable {

using namespace xcmd;  // NOLINT: the family's shared helpers

namespace {

// ---------------------------------------------------------------------------------------------
// XADD / XTRIM
// ---------------------------------------------------------------------------------------------

struct AddTrimArgs {
  StreamTrimArgs trim;
  size_t trim_arg_idx = 0;  // the count / ID of MAXLEN / MINID (rewritten for propagation)
  StreamId id;
  bool id_given = false;
  bool seq_given = true;
  bool no_mkstream = false;
};

// streamParseAddOrTrimArgsOrReply: returns the position of XADD's ID argument (args.size() if
// there is none), or 0 after replying an error.
size_t ParseAddOrTrim(CommandContext& ctx, bool xadd, AddTrimArgs* out) {
  ArgList a = ctx.args;
  bool limit_given = false;
  size_t i = 2;
  for (; i < a.size(); ++i) {
    size_t moreargs = a.size() - 1 - i;
    std::string_view opt = a[i];
    if (xadd && opt == "*") break;
    if ((EqNoCase(opt, "maxlen") || EqNoCase(opt, "minid")) && moreargs) {
      bool maxlen = EqNoCase(opt, "maxlen");
      if (out->trim.strategy != StreamTrimArgs::kNone) {
        ctx.reply.Error(
            "ERR syntax error, MAXLEN and MINID options at the same time are not compatible");
        return 0;
      }
      out->trim.approx = false;
      std::string_view next = a[i + 1];
      if (moreargs >= 2 && (next == "~" || next == "=")) {
        out->trim.approx = next == "~";
        ++i;
      }
      if (maxlen) {
        if (!ArgInt64(ctx, a[i + 1], &out->trim.maxlen)) return 0;
        if (out->trim.maxlen < 0) {
          ctx.reply.Error("ERR The MAXLEN argument must be >= 0.");
          return 0;
        }
        out->trim.strategy = StreamTrimArgs::kMaxLen;
      } else {
        if (!ArgId(ctx, a[i + 1], &out->trim.minid)) return 0;
        out->trim.strategy = StreamTrimArgs::kMinId;
      }
      ++i;
      out->trim_arg_idx = i;
    } else if (EqNoCase(opt, "limit") && moreargs) {
      if (!ArgInt64(ctx, a[i + 1], &out->trim.limit)) return 0;
      if (out->trim.limit < 0) {
        ctx.reply.Error("ERR The LIMIT argument must be >= 0.");
        return 0;
      }
      limit_given = true;
      ++i;
    } else if (xadd && EqNoCase(opt, "nomkstream")) {
      out->no_mkstream = true;
    } else if (xadd) {
      // Anything else is the ID (or a syntax error reported as a bad ID).
      if (!ArgId(ctx, opt, &out->id, 0, true, &out->seq_given)) return 0;
      out->id_given = true;
      break;
    } else {
      ctx.reply.Error(err::kSyntax);
      return 0;
    }
  }
  if (out->trim.limit && out->trim.strategy == StreamTrimArgs::kNone) {
    ctx.reply.Error(
        "ERR syntax error, LIMIT cannot be used without specifying a trimming strategy");
    return 0;
  }
  if (!xadd && out->trim.strategy == StreamTrimArgs::kNone) {
    ctx.reply.Error("ERR syntax error, XTRIM must be called with a trimming strategy");
    return 0;
  }
  if (ctx.conn.fake()) {
    // Replayed (AOF): the trim arguments were made exact when first propagated.
    out->trim.limit = 0;
  } else if (limit_given) {
    if (!out->trim.approx) {
      ctx.reply.Error("ERR syntax error, LIMIT cannot be used without the special ~ option");
      return 0;
    }
  } else if (out->trim.approx) {
    // At most 100 nodes' worth of work per trim, within [10000 if unset, 1000000], as Redis.
    int64_t per_node = ctx.server.config().stream_node_max_entries;
    int64_t limit = per_node > 10000 ? 1000000 : 100 * per_node;
    out->trim.limit = limit <= 0 ? 10000 : limit;
  } else {
    out->trim.limit = 0;
  }
  return i;
}

// The exact form of an approximate trim for propagation: "=" and the resulting length (MAXLEN)
// or first entry ID, tombstones included (MINID).
void RewriteTrim(const Stream& s, const AddTrimArgs& p, std::vector<std::string>* args) {
  (*args)[p.trim_arg_idx - 1] = "=";
  if (p.trim.strategy == StreamTrimArgs::kMaxLen) {
    (*args)[p.trim_arg_idx] = Int64ToString(static_cast<int64_t>(s.length()));
  } else {
    (*args)[p.trim_arg_idx] = s.EdgeId(true, false).ToString();
  }
}

void XAdd(CommandContext& ctx) {
  AddTrimArgs p;
  size_t idpos = ParseAddOrTrim(ctx, true, &p);
  if (idpos == 0) return;
  size_t field_pos = idpos + 1;
  size_t nargs = ctx.args.size();
  if (field_pos > nargs || nargs - field_pos < 2 || (nargs - field_pos) % 2 == 1) {
    ctx.reply.Error("ERR wrong number of arguments for 'xadd' command");
    return;
  }
  if (p.id_given && p.seq_given && p.id.IsZero()) {
    ctx.reply.Error("ERR The ID specified in XADD must be greater than 0-0");
    return;
  }
  std::string_view key = ctx.args[1];
  bool wrong;
  KvEntry* e = WriteStream(ctx, key, &wrong);
  if (wrong) return;
  if (e == nullptr) {
    if (p.no_mkstream) {
      ctx.reply.Null();
      return;
    }
    e = InsertStream(ctx, key);  // stays (empty) even if the append below fails, as in Redis
  }
  Stream* s = StreamOf(e);
  if (s->last_id() == StreamId::Max()) {
    ctx.reply.Error("ERR The stream has exhausted the last possible ID, unable to add more items");
    return;
  }
  StreamId id;
  Stream::AddResult r =
      s->Add(ctx.args.subspan(field_pos), p.id_given ? &p.id : nullptr, p.seq_given,
             static_cast<uint64_t>(ctx.now_ms), NodeLimits(ctx), &id);
  if (r != Stream::AddResult::kOk) {
    ctx.reply.Error(r == Stream::AddResult::kIdNotGreater
                        ? "ERR The ID specified in XADD is equal or smaller than the target "
                          "stream top item"
                        : "ERR Elements are too large to be stored");
    return;
  }
  std::string idstr = id.ToString();
  ctx.reply.Bulk(idstr);
  SignalModifiedKey(ctx, key);
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xadd", key);
  Dirty(ctx);
  if (s->Trim(p.trim)) NotifyKeyspaceEvent(ctx, kNotifyStream, "xtrim", key);
  if (ctx.server.propagating() && (p.trim.approx || !p.id_given || !p.seq_given)) {
    std::vector<std::string> args(ctx.args.begin(), ctx.args.end());
    if (p.trim.approx) RewriteTrim(*s, p, &args);
    args[idpos] = idstr;
    ctx.server.PropagateAs(ctx.db, std::move(args));
  }
  KeyReady(ctx, key);
}

void XTrim(CommandContext& ctx) {
  AddTrimArgs p;
  if (ParseAddOrTrim(ctx, false, &p) == 0) return;
  std::string_view key = ctx.args[1];
  bool wrong;
  KvEntry* e = WriteStream(ctx, key, &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  Stream* s = StreamOf(e);
  int64_t deleted = s->Trim(p.trim);
  if (deleted) {
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xtrim", key);
    if (p.trim.approx && ctx.server.propagating()) {
      std::vector<std::string> args(ctx.args.begin(), ctx.args.end());
      RewriteTrim(*s, p, &args);
      ctx.server.PropagateAs(ctx.db, std::move(args));
    }
    SignalModifiedKey(ctx, key);
    Dirty(ctx, static_cast<uint64_t>(deleted));
  }
  ctx.reply.Integer(deleted);
}

// ---------------------------------------------------------------------------------------------
// XDEL / XLEN / XRANGE / XREVRANGE / XSETID
// ---------------------------------------------------------------------------------------------

void XDel(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  bool wrong;
  KvEntry* e = WriteStream(ctx, key, &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  // Every ID is checked first: the command applies fully or not at all.
  std::vector<StreamId> ids(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j)
    if (!ArgId(ctx, ctx.args[j], &ids[j - 2])) return;
  Stream* s = StreamOf(e);
  int64_t deleted = 0;
  bool first_deleted = false;
  for (const StreamId& id : ids) {
    if (!s->Delete(id)) continue;
    if (id == s->first_id()) first_deleted = true;
    if (id > s->max_deleted_id()) s->set_max_deleted_id(id);
    ++deleted;
  }
  if (deleted) {
    if (s->length() == 0) {
      s->set_first_id({0, 0});
    } else if (first_deleted) {
      s->set_first_id(s->EdgeId(true, true));
    }
    SignalModifiedKey(ctx, key);
    NotifyKeyspaceEvent(ctx, kNotifyStream, "xdel", key);
    Dirty(ctx, static_cast<uint64_t>(deleted));
  }
  ctx.reply.Integer(deleted);
}

void XLen(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadStream(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(e ? static_cast<int64_t>(StreamOf(e)->length()) : 0);
}

void RangeGeneric(CommandContext& ctx, bool rev) {
  StreamId start, end;
  if (!ArgRangeStart(ctx, ctx.args[rev ? 3 : 2], &start)) return;
  if (!ArgRangeEnd(ctx, ctx.args[rev ? 2 : 3], &end)) return;
  int64_t count = -1;
  for (size_t j = 4; j < ctx.args.size(); ++j) {
    if (EqNoCase(ctx.args[j], "COUNT") && j + 1 < ctx.args.size()) {
      if (!ArgInt64(ctx, ctx.args[j + 1], &count)) return;
      if (count < 0) count = 0;
      ++j;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  bool wrong;
  KvEntry* e = ReadStream(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Array(0);
    return;
  }
  if (count == 0) {
    ctx.reply.NullArray();
    return;
  }
  ReplyRange(ctx, *StreamOf(e), start, end, count < 0 ? 0 : static_cast<size_t>(count), rev);
}

void XRange(CommandContext& ctx) { RangeGeneric(ctx, false); }
void XRevRange(CommandContext& ctx) { RangeGeneric(ctx, true); }

void XSetId(CommandContext& ctx) {
  StreamId id, max_xdel;
  if (!ArgId(ctx, ctx.args[2], &id)) return;
  int64_t entries_added = -1;
  for (size_t i = 3; i < ctx.args.size(); i += 2) {
    std::string_view opt = ctx.args[i];
    bool more = i + 1 < ctx.args.size();
    if (EqNoCase(opt, "ENTRIESADDED") && more) {
      if (!ArgInt64(ctx, ctx.args[i + 1], &entries_added)) return;
      if (entries_added < 0) {
        ctx.reply.Error("ERR entries_added must be positive");
        return;
      }
    } else if (EqNoCase(opt, "MAXDELETEDID") && more) {
      if (!ArgId(ctx, ctx.args[i + 1], &max_xdel)) return;
      if (id < max_xdel) {
        ctx.reply.Error(
            "ERR The ID specified in XSETID is smaller than the provided max_deleted_entry_id");
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  bool wrong;
  KvEntry* e = WriteStream(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Error(err::kNoKey);
    return;
  }
  Stream* s = StreamOf(e);
  if (s->length() > 0) {
    if (id < s->LastValidId()) {
      ctx.reply.Error("ERR The ID specified in XSETID is smaller than the target stream top item");
      return;
    }
    if (entries_added != -1 && s->length() > static_cast<uint64_t>(entries_added)) {
      ctx.reply.Error(
          "ERR The entries_added specified in XSETID is smaller than the target stream length");
      return;
    }
  }
  s->set_last_id(id);
  if (entries_added != -1) s->set_entries_added(static_cast<uint64_t>(entries_added));
  if (!max_xdel.IsZero()) s->set_max_deleted_id(max_xdel);
  SignalModifiedKey(ctx, ctx.args[1]);
  Dirty(ctx);
  ctx.reply.Ok();
  NotifyKeyspaceEvent(ctx, kNotifyStream, "xsetid", ctx.args[1]);
}

// ---------------------------------------------------------------------------------------------
// XREAD / XREADGROUP
// ---------------------------------------------------------------------------------------------

constexpr size_t kBlockedDefaultCount = 1000;  // Redis's XREAD_BLOCKED_DEFAULT_COUNT

// streamReplyWithRange for a group reading new entries (">"): delivers entries after `start`,
// advances the group, creates or reassigns PEL entries and propagates it all.
size_t ServeNew(CommandContext& ctx, Stream& s, std::string_view key, std::string_view gname,
                StreamGroup& g, StreamConsumer* consumer, const StreamId& start, size_t count,
                bool noack) {
  size_t h = ctx.reply.BeginDeferred();
  Stream::Iterator it(s, start, StreamId::Max(), false);
  StreamId id;
  int64_t nf;
  size_t n = 0;
  bool propagate_last_id = false;
  const bool prop = ctx.server.propagating();
  while ((count == 0 || n < count) && it.Next(&id, &nf)) {
    if (id > g.last_id) {
      if (g.entries_read != StreamGroup::kInvalidEntriesRead &&
          !s.RangeHasTombstones(id, StreamId::Max())) {
        ++g.entries_read;
      } else if (s.entries_added()) {
        g.entries_read = s.EstimateDistanceFromFirstEverEntry(id);
      }
      g.last_id = id;
      if (noack) propagate_last_id = true;
    }
    ReplyEntry(ctx, it, id, nf);
    if (!noack) {
      auto [pit, inserted] = g.pel.try_emplace(id, StreamNack{ctx.now_ms, 1, nullptr});
      StreamNack* nack = &pit->second;
      if (!inserted) {
        // Already pending (the group's ID was moved back): the entry changes hands.
        nack->delivery_time = ctx.now_ms;
        nack->delivery_count = 1;
      }
      g.Reassign(id, nack, consumer);
      if (prop) PropagateXClaim(ctx, key, gname, g, id, *nack);
    }
    ++n;
  }
  if (propagate_last_id && prop) PropagateGroupId(ctx, key, gname, g);
  ctx.reply.EndDeferredArray(h, n);
  return n;
}

// streamReplyWithRangeFromConsumerPEL: the consumer's own pending entries from `start`;
// entries deleted meanwhile come back as [id, nil].
void ServeHistory(CommandContext& ctx, const Stream& s, StreamConsumer* consumer,
                  const StreamId& start, size_t count) {
  size_t h = ctx.reply.BeginDeferred();
  size_t n = 0;
  for (auto it = consumer->pel.lower_bound(start);
       it != consumer->pel.end() && (count == 0 || n < count); ++it, ++n) {
    if (ReplyEntries(ctx, s, it->first, it->first, 1, false) == 0) {
      ctx.reply.Array(2);
      ReplyId(ctx, it->first);
      ctx.reply.NullArray();
    } else {
      it->second->delivery_time = ctx.now_ms;
      ++it->second->delivery_count;
    }
  }
  ctx.reply.EndDeferredArray(h, n);
}

void ReadGeneric(CommandContext& ctx, bool group_mode) {
  ArgList a = ctx.args;
  int64_t deadline = -1;  // -1: no BLOCK
  int64_t count = 0;
  size_t streams_arg = 0, nstreams = 0;
  bool noack = false;
  std::string_view gname, cname;
  bool have_group = false;
  for (size_t i = 1; i < a.size(); ++i) {
    size_t moreargs = a.size() - i - 1;
    std::string_view o = a[i];
    if (EqNoCase(o, "BLOCK") && moreargs) {
      if (ctx.conn.script) {  // as Redis: BLOCK means nothing to a script
        ctx.reply.Error("ERR " + std::string(a[0]) +
                        " command is not allowed with BLOCK option from scripts");
        return;
      }
      ++i;
      int64_t ms;
      if (!ArgInt64(ctx, a[i], &ms, "ERR timeout is not an integer or out of range")) return;
      if (ms < 0) {
        ctx.reply.Error("ERR timeout is negative");
        return;
      }
      deadline = ms > 0 ? (ms > INT64_MAX - ctx.now_ms ? INT64_MAX : ctx.now_ms + ms) : 0;
    } else if (EqNoCase(o, "COUNT") && moreargs) {
      ++i;
      if (!ArgInt64(ctx, a[i], &count)) return;
      if (count < 0) count = 0;
    } else if (EqNoCase(o, "STREAMS") && moreargs) {
      streams_arg = i + 1;
      nstreams = a.size() - streams_arg;
      if (nstreams % 2 != 0) {
        ctx.reply.Error(
            "ERR Unbalanced XREAD list of streams: for each stream key an ID or '$' must be "
            "specified.");
        return;
      }
      nstreams /= 2;
      break;
    } else if (EqNoCase(o, "GROUP") && moreargs >= 2) {
      if (!group_mode) {
        ctx.reply.Error(
            "ERR The GROUP option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      gname = a[i + 1];
      cname = a[i + 2];
      have_group = true;
      i += 2;
    } else if (EqNoCase(o, "NOACK")) {
      if (!group_mode) {
        ctx.reply.Error(
            "ERR The NOACK option is only supported by XREADGROUP. You called XREAD instead.");
        return;
      }
      noack = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (streams_arg == 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (group_mode && !have_group) {
    ctx.reply.Error("ERR Missing GROUP option for XREADGROUP");
    return;
  }
  const bool rerun = ctx.server.reprocessing(ctx.conn);
  if (group_mode) PropagateNothing(ctx);  // only its effects propagate (as XCLAIM, ...)

  std::vector<StreamId> ids(nstreams);
  std::vector<StreamGroup*> groups(have_group ? nstreams : 0);
  std::vector<bool> dollar(nstreams);
  for (size_t k = 0; k < nstreams; ++k) {
    std::string_view key = a[streams_arg + k];
    std::string_view arg = a[streams_arg + nstreams + k];
    KvEntry* e = LookupRead(ctx, key);
    if (have_group && rerun && (e == nullptr || e->type() != ObjType::kStream)) {
      ctx.reply.Error("UNBLOCKED the stream key no longer exists");
      return;
    }
    if (rerun && !have_group && e != nullptr && e->type() != ObjType::kStream) {
      e = nullptr;  // served after blocking: another key of the wrong type is just not ready
    } else if (WrongType(ctx, e, ObjType::kStream)) {
      return;
    }
    if (have_group) {
      StreamGroup* g = e ? StreamOf(e)->FindGroup(gname) : nullptr;
      if (g == nullptr) {
        if (rerun) {
          ctx.reply.Error("NOGROUP the consumer group this client was blocked on no longer exists");
        } else {
          ctx.reply.Error("NOGROUP No such key '" + std::string(key) + "' or consumer group '" +
                          std::string(gname) + "' in XREADGROUP with GROUP option");
        }
        return;
      }
      groups[k] = g;
    }
    if (arg == "$") {
      if (group_mode) {
        ctx.reply.Error(
            "ERR The $ ID is meaningless in the context of XREADGROUP: you want to read the "
            "history of this consumer by specifying a proper ID, or use the > ID to get new "
            "messages. The $ ID would just return an empty result set.");
        return;
      }
      ids[k] = e ? StreamOf(e)->last_id() : StreamId{0, 0};
      dollar[k] = true;
      continue;
    }
    if (arg == ">") {
      if (!group_mode) {
        ctx.reply.Error(
            "ERR The > ID can be specified only when calling XREADGROUP using the GROUP <group> "
            "<consumer> option.");
        return;
      }
      ids[k] = StreamId::Max();  // stands for "after the group's last delivered ID"
      continue;
    }
    if (!ArgId(ctx, arg, &ids[k])) return;
  }

  // A client served after blocking gets at most kBlockedDefaultCount entries per stream
  // unless it asked for a COUNT.
  size_t max_count = count > 0 ? static_cast<size_t>(count) : (rerun ? kBlockedDefaultCount : 0);
  size_t served = 0;
  size_t h = 0;
  for (size_t k = 0; k < nstreams; ++k) {
    std::string_view key = a[streams_arg + k];
    KvEntry* e = LookupRead(ctx, key);
    if (e == nullptr || e->type() != ObjType::kStream) continue;
    Stream* s = StreamOf(e);
    StreamId gt = ids[k];
    bool serve = false, history = false;
    if (have_group) {
      if (gt != StreamId::Max()) {
        serve = history = true;
      } else if (s->length() && s->LastValidId() > groups[k]->last_id) {
        serve = true;
        gt = groups[k]->last_id;
      }
    } else if (s->length() && s->LastValidId() > gt) {
      serve = true;
    }
    if (!serve) continue;
    if (served++ == 0) h = ctx.reply.BeginDeferred();
    StreamId start = gt;
    start.Incr();
    if (!ctx.reply.resp3()) ctx.reply.Array(2);
    ctx.reply.Bulk(key);
    if (!have_group) {
      ReplyRange(ctx, *s, start, StreamId::Max(), max_count, false);
      continue;
    }
    StreamGroup* g = groups[k];
    StreamConsumer* consumer = g->FindConsumer(cname);
    if (consumer != nullptr) {
      consumer->seen_time = ctx.now_ms;
    } else {
      consumer = g->CreateConsumer(cname, ctx.now_ms);
      Dirty(ctx);
      NotifyKeyspaceEvent(ctx, kNotifyStream, "xgroup-createconsumer", key);
      if (noack && ctx.server.propagating()) PropagateConsumerCreation(ctx, key, gname, cname);
    }
    if (history) {
      ServeHistory(ctx, *s, consumer, start, max_count);
    } else {
      ServeNew(ctx, *s, key, gname, *g, consumer, start, max_count, noack);
    }
    Dirty(ctx);
  }
  if (served) {
    if (ctx.reply.resp3()) {
      ctx.reply.EndDeferredMap(h, served);
    } else {
      ctx.reply.EndDeferredArray(h, served);
    }
    return;
  }
  if (deadline >= 0) {
    if (DenyBlocking(ctx)) {
      ctx.reply.NullArray();  // cannot block here: answer as a timeout
      return;
    }
    // Blocked with "$": remember what "$" meant now, so later entries count as new.
    std::vector<std::string> args(a.begin(), a.end());
    for (size_t k = 0; k < nstreams; ++k)
      if (dollar[k]) args[streams_arg + nstreams + k] = ids[k].ToString();
    std::vector<std::string_view> views(args.begin(), args.end());
    std::vector<std::string_view> keys(a.begin() + static_cast<long>(streams_arg),
                                       a.begin() + static_cast<long>(streams_arg + nstreams));
    ctx.server.BlockClient(ctx.conn, ctx.db, keys, ObjType::kStream, deadline, true, ctx.spec,
                           ArgList(views.data(), views.size()), have_group);
    return;
  }
  ctx.reply.NullArray();
}

void XRead(CommandContext& ctx) { ReadGeneric(ctx, false); }
void XReadGroup(CommandContext& ctx) { ReadGeneric(ctx, true); }

// xreadGetKeys: the keys are the first half of what follows STREAMS.
void ReadKeys(ArgList args, std::vector<int>* out) {
  size_t streams_pos = 0;
  for (size_t i = 1; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (EqNoCase(a, "BLOCK") || EqNoCase(a, "COUNT")) {
      ++i;
    } else if (EqNoCase(a, "GROUP")) {
      i += 2;
    } else if (EqNoCase(a, "NOACK")) {
      continue;
    } else if (EqNoCase(a, "STREAMS")) {
      streams_pos = i;
      break;
    } else {
      break;  // a syntax error: no keys
    }
  }
  if (streams_pos == 0) return;
  size_t num = args.size() - streams_pos - 1;
  if (num == 0 || num % 2 != 0) return;
  for (size_t i = streams_pos + 1; i <= streams_pos + num / 2; ++i)
    out->push_back(static_cast<int>(i));
}

}  // namespace

void RegisterStreamCommands(CommandTable& t) {
  RegisterStreamObjectOps();
  const char* g = "stream";
  const char* wf = "@write @stream @fast";
  const char* ws = "@write @stream @slow";
  const char* rf = "@read @stream @fast";
  const char* rs = "@read @stream @slow";
  t.Add({"xadd", -5, "write denyoom fast", 1, 1, 1, wf, XAdd, g, "Appends a new entry to a stream",
         "5.0.0",
         "O(1) when adding a new entry, O(N) when trimming where N being the number of entries "
         "evicted."});
  t.Add({"xtrim", -4, "write", 1, 1, 1, ws, XTrim, g,
         "Trims the stream to (approximately if '~' is passed) a certain size", "5.0.0",
         "O(N), with N being the number of evicted entries."});
  t.Add({"xdel", -3, "write fast", 1, 1, 1, wf, XDel, g,
         "Removes the specified entries from the stream.", "5.0.0",
         "O(1) for each single item to delete in the stream, regardless of the stream size."});
  t.Add({"xlen", 2, "readonly fast", 1, 1, 1, rf, XLen, g,
         "Return the number of entries in a stream", "5.0.0", "O(1)"});
  t.Add({"xrange", -4, "readonly", 1, 1, 1, rs, XRange, g,
         "Return a range of elements in a stream, with IDs matching the specified IDs interval",
         "5.0.0", "O(N) with N being the number of elements being returned."});
  t.Add({"xrevrange", -4, "readonly", 1, 1, 1, rs, XRevRange, g,
         "Return a range of elements in a stream, with IDs matching the specified IDs interval, "
         "in reverse order (from greater to smaller IDs) compared to XRANGE",
         "5.0.0", "O(N) with N being the number of elements returned."});
  t.Add({"xsetid", -3, "write denyoom fast", 1, 1, 1, wf, XSetId, g,
         "An internal command for replicating stream values", "5.0.0", "O(1)"});
  t.Add({"xread", -4, "readonly blocking movablekeys", 0, 0, 0, "@read @stream @slow @blocking",
         XRead, g,
         "Return never seen elements in multiple streams, with IDs greater than the ones "
         "reported by the caller for each stream. Can block.",
         "5.0.0", "For each stream mentioned: O(N) with N being the number of elements returned."})
      ->keys_fn = ReadKeys;
  t.Add({"xreadgroup", -7, "write blocking movablekeys", 0, 0, 0, "@write @stream @slow @blocking",
         XReadGroup, g,
         "Return new entries from a stream using a consumer group, or access the history of the "
         "pending entries for a given consumer. Can block.",
         "5.0.0", "For each stream mentioned: O(M) with M being the number of elements returned."})
      ->keys_fn = ReadKeys;
  t.Add({"xack", -4, "write fast", 1, 1, 1, wf, XAck, g,
         "Marks a pending message as correctly processed, effectively removing it from the "
         "pending entries list of the consumer group.",
         "5.0.0", "O(1) for each message ID processed."});
  t.Add({"xpending", -3, "readonly", 1, 1, 1, rs, XPending, g,
         "Return information and entries from a stream consumer group pending entries list, "
         "that are messages fetched but never acknowledged.",
         "5.0.0", "O(N) with N being the number of elements returned."});
  t.Add({"xclaim", -6, "write fast", 1, 1, 1, wf, XClaim, g,
         "Changes (or acquires) ownership of a message in a consumer group, as if the message "
         "was delivered to the specified consumer.",
         "5.0.0",
         "O(log N) with N being the number of messages in the PEL of the consumer group."});
  t.Add({"xautoclaim", -6, "write fast", 1, 1, 1, wf, XAutoClaim, g,
         "Changes (or acquires) ownership of messages in a consumer group, as if the messages "
         "were delivered to the specified consumer.",
         "6.2.0", "O(1) if COUNT is small."});

  CommandSpec* xg =
      t.Add({"xgroup", -2, "", 0, 0, 0, "@slow", nullptr, g,
             "A container for consumer groups commands", "5.0.0", "Depends on subcommand."});
  t.AddSub(xg, {"create", -5, "write denyoom", 2, 2, 1, ws, XGroupCreate, g,
                "Create a consumer group.", "5.0.0", "O(1)"});
  t.AddSub(xg, {"createconsumer", 5, "write denyoom", 2, 2, 1, ws, XGroupCreateConsumer, g,
                "Create a consumer in a consumer group.", "6.2.0", "O(1)"});
  t.AddSub(xg, {"delconsumer", 5, "write", 2, 2, 1, ws, XGroupDelConsumer, g,
                "Delete a consumer from a consumer group.", "5.0.0", "O(1)"});
  t.AddSub(
      xg,
      {"destroy", 4, "write", 2, 2, 1, ws, XGroupDestroy, g, "Destroy a consumer group.", "5.0.0",
       "O(N) where N is the number of entries in the group's pending entries list (PEL)."});
  t.AddSub(xg, {"help", 2, "loading stale", 0, 0, 0, "@stream @slow", XGroupHelp, g,
                "Show helpful text about the different subcommands", "5.0.0", "O(1)"});
  t.AddSub(xg, {"setid", -5, "write", 2, 2, 1, ws, XGroupSetId, g,
                "Set a consumer group to an arbitrary last delivered ID value.", "5.0.0", "O(1)"});

  CommandSpec* xi =
      t.Add({"xinfo", -2, "", 0, 0, 0, "@slow", nullptr, g,
             "A container for stream introspection commands", "5.0.0", "Depends on subcommand."});
  t.AddSub(xi, {"consumers", 4, "readonly", 2, 2, 1, rs, XInfoConsumers, g,
                "List the consumers in a consumer group", "5.0.0", "O(1)"});
  t.AddSub(xi, {"groups", 3, "readonly", 2, 2, 1, rs, XInfoGroups, g,
                "List the consumer groups of a stream", "5.0.0", "O(1)"});
  t.AddSub(xi, {"help", 2, "loading stale", 0, 0, 0, "@stream @slow", XInfoHelp, g,
                "Show helpful text about the different subcommands", "5.0.0", "O(1)"});
  t.AddSub(xi, {"stream", -3, "readonly", 2, 2, 1, rs, XInfoStream, g,
                "Get information about a stream", "5.0.0", "O(1)"});
}

}  // namespace sable
