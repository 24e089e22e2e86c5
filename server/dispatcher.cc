// The single request pipeline: lookup → arity → auth → tracking table limit → Pub/Sub context
// → MULTI queue → pause → handler → stats, slowlog, latency monitor, MONITOR feed, tracking.
// Handlers never repeat these checks.
#include <fmt/format.h>

#include <chrono>
#include <cstring>

#include "datastructs/latency_histogram.h"
#include "server/acl.h"
#include "server/aof.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/snapshot.h"
#include "server/lua_engine.h"
#include "server/pubsub.h"
#include "server/server.h"
#include "server/tick_clock.h"
#include "server/tracking.h"

namespace sable {

namespace {

std::string Upper(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(toupper(static_cast<unsigned char>(c)));
  return r;
}

std::string UnknownCommandError(ArgList args) {
  std::string rest;
  for (size_t i = 1; i < args.size() && rest.size() < 128; ++i) {
    size_t room = 128 - rest.size();
    rest += "'";
    rest.append(args[i].substr(0, room));
    rest += "' ";
  }
  return fmt::format("ERR unknown command '{}', with args beginning with: {}",
                     args[0].substr(0, 128), rest);
}

bool EqualsNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

uint32_t all_flags_of(const CommandSpec& s) {
  return s.flags | (s.parent ? s.parent->flags : 0);
}

bool IsMultiControl(const CommandSpec& s) {
  return s.name == "exec" || s.name == "discard" || s.name == "multi" || s.name == "watch" ||
         s.name == "quit" || s.name == "reset";
}

// What a RESP2 client in Pub/Sub mode may still run.
bool AllowedWhileSubscribed(const CommandSpec& s) {
  return s.name == "ping" || s.name == "subscribe" || s.name == "ssubscribe" ||
         s.name == "unsubscribe" || s.name == "sunsubscribe" || s.name == "psubscribe" ||
         s.name == "punsubscribe" || s.name == "quit" || s.name == "reset";
}

// Scripts remember the keys of their read commands themselves (see Tracking::RememberKeys).
bool IsReadOnlyScript(const CommandSpec& s) {
  return s.name == "eval_ro" || s.name == "evalsha_ro" || s.name == "fcall_ro";
}

bool ArityOk(const CommandSpec& s, size_t argc) {
  return !((s.arity > 0 && static_cast<size_t>(s.arity) != argc) ||
           (s.arity < 0 && argc < static_cast<size_t>(-s.arity)));
}

// One call of `us` microseconds, recorded as Redis does: in nanoseconds, at microsecond
// resolution (a call under 1 us counts as 1 ns). The histogram comes with the first sample.
inline void RecordLatency(CommandStats& st, int64_t us) {
  if (st.latency == nullptr) [[unlikely]]
    st.latency.reset(new LatencyHistogram());
  st.latency->Record(us * 1000);
}

// Credentials never reach MONITOR or the slow log (Redis's redactClientCommandArgument):
// AUTH's arguments, HELLO's AUTH pair, MIGRATE's AUTH password / AUTH2 pair, everything after
// ACL SETUSER, and the values of CONFIG SET requirepass / masterauth / masteruser. Empty (no
// allocation) for every other command.
std::vector<bool> SecretArgs(ArgList args) {
  std::string_view cmd = args[0];
  std::vector<bool> secret;
  if (!EqualsNoCase(cmd, "auth") && !EqualsNoCase(cmd, "hello") &&
      !EqualsNoCase(cmd, "migrate") && !EqualsNoCase(cmd, "acl") && !EqualsNoCase(cmd, "config"))
    return secret;
  secret.assign(args.size(), false);
  auto from = [&](size_t i) {
    for (; i < args.size(); ++i) secret[i] = true;
  };
  if (EqualsNoCase(cmd, "auth")) {
    from(1);
  } else if (EqualsNoCase(cmd, "hello")) {
    for (size_t i = 2; i < args.size(); ++i) {  // HELLO protover [AUTH u p] [SETNAME n]
      if (EqualsNoCase(args[i], "auth") && i + 2 < args.size()) {
        secret[i + 1] = secret[i + 2] = true;
        i += 2;
      } else if (EqualsNoCase(args[i], "setname")) {
        ++i;
      }
    }
  } else if (EqualsNoCase(cmd, "migrate")) {
    for (size_t i = 6; i < args.size(); ++i) {
      if (EqualsNoCase(args[i], "keys")) break;
      size_t n = EqualsNoCase(args[i], "auth") ? 1 : EqualsNoCase(args[i], "auth2") ? 2 : 0;
      for (size_t k = 1; k <= n && i + k < args.size(); ++k) secret[i + k] = true;
      i += n;
    }
  } else if (EqualsNoCase(cmd, "acl") && args.size() > 1 && EqualsNoCase(args[1], "setuser")) {
    from(2);
  } else if (EqualsNoCase(cmd, "config") && args.size() > 1 && EqualsNoCase(args[1], "set")) {
    for (size_t i = 2; i + 1 < args.size(); i += 2)
      if (EqualsNoCase(args[i], "requirepass") || EqualsNoCase(args[i], "masterauth") ||
          EqualsNoCase(args[i], "masteruser"))
        secret[i + 1] = true;
  }
  return secret;
}

}  // namespace

void Server::Execute(Connection& c, ArgList args) {
  Connection* outer = current_client_;
  current_client_ = &c;
  ++c.executing;
  const CommandSpec* top = Dispatch(c, args);
  --c.executing;
  if (config_->obuf_normal.hard != 0 || config_->obuf_normal.soft != 0) CheckOutputLimit(c);
  if (current_client_ == &c) current_client_ = outer;
  // CLIENT CACHING applies to the next command (or the next transaction) only.
  if (c.tracking.has(ClientTracking::kCaching) && !c.in_multi &&
      (top == nullptr || top->name != "client"))
    c.tracking.flags &= ~ClientTracking::kCaching;
}

const CommandSpec* Server::Dispatch(Connection& c, ArgList args) {
  ReplyWriter& w = c.writer();
  bool muted = c.reply_mode == ReplyMode::kOff || c.reply_mode == ReplyMode::kSkipNext ||
               c.close_asap;
  if (c.reply_mode == ReplyMode::kSkipNext) c.reply_mode = ReplyMode::kOn;
  w.set_muted(muted);

  // Pipelines repeat the same command: a one-entry cache per connection (exact bytes) skips
  // the case-insensitive table lookup.
  const CommandSpec* spec;
  std::string_view name = args[0];
  if (c.cached_cmd != nullptr && name.size() == c.cached_name_len &&
      memcmp(name.data(), c.cached_name, name.size()) == 0) {
    spec = c.cached_cmd;
  } else {
    spec = commands_.Find(name);
    if (spec != nullptr && name.size() <= sizeof(c.cached_name)) {
      memcpy(c.cached_name, name.data(), name.size());
      c.cached_name_len = static_cast<uint8_t>(name.size());
      c.cached_cmd = spec;
    }
  }
  if (spec == nullptr) {
    c.multi_dirty = c.in_multi;
    w.Error(UnknownCommandError(args));
    return nullptr;
  }
  if (!spec->subcommands.empty() && args.size() >= 2) {
    const CommandSpec* sub = spec->FindSub(args[1]);
    if (sub == nullptr) {
      ++spec->stats.rejected;
      c.multi_dirty = c.in_multi;
      w.Error(fmt::format("ERR unknown subcommand '{}'. Try {} HELP.", args[1].substr(0, 128),
                          Upper(spec->name)));
      return spec;
    }
    spec = sub;
  }
  if (!ArityOk(*spec, args.size())) {
    ++spec->stats.rejected;
    c.multi_dirty = c.in_multi;
    w.Error(fmt::format("ERR wrong number of arguments for '{}' command", spec->FullName()));
    return spec->parent ? spec->parent : spec;
  }
  const CommandSpec& top = spec->parent ? *spec->parent : *spec;
  if (!c.authenticated && acl_->AuthRequired(c) && !(spec->flags & kCmdNoAuth) &&
      !(top.flags & kCmdNoAuth)) {
    Reject(c, *spec, top, "NOAUTH Authentication required.");
    return &top;
  }
  if (c.user != nullptr && !c.user->unrestricted) {  // ACL: command, keys, channels
    int r = acl_->CheckAndLog(c, *spec, args, c.in_multi ? kAclCtxMulti : kAclCtxToplevel);
    if (r != kAclOk) {
      Reject(c, *spec, top, Acl::DeniedMessage(r, *spec));
      return &top;
    }
  }
  // Keep client-side caching metadata within tracking-table-max-keys (even for a command
  // that only gets queued: its invalidations come before QUEUED, as in Redis).
  if (tracking_->clients() > 0) tracking_->LimitUsedSlots();
  // maxmemory: evict first; a denyoom command (any command queued in MULTI, an EXEC of one,
  // a script whose flags allow writes but not OOM) is refused when nothing more can go.
  if (config_->maxmemory > 0 && !c.fake() && PerformEvictions() == EvictResult::kFail &&
      DeniedOnOom(c, *spec, top, args)) {
    Reject(c, *spec, top, "OOM command not allowed when used memory > 'maxmemory'.");
    return &top;
  }
  if (c.subscribed() && !w.resp3() && !AllowedWhileSubscribed(top)) {
    Reject(c, *spec, top, fmt::format(
        "ERR Can't execute '{}': only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET "
        "are allowed in this context",
        spec->FullName()));
    return &top;
  }
  uint32_t all_flags = spec->flags | top.flags;
  // Persistence errors refuse writes (and PING) with -MISCONF; reads keep working. The AOF
  // loading client (id 0) obeys, as Redis's obey_client.
  if ((!rdb_->last_bgsave_ok || aof_->enabled()) && c.id() != 0) {
    std::string msg;
    if (WritesDeniedByDiskError(&msg) && (IsWrite(c, all_flags, top) || top.name == "ping" ||
                                          lua_->DeclaresWrites(*spec, args))) {
      Reject(c, *spec, top, msg);
      return &top;
    }
  }
  // min-replicas-to-write: writes (and an EXEC of writes) need enough good replicas.
  if (!EnoughGoodReplicas() && c.id() != 0 && !c.fake() && IsWrite(c, all_flags, top)) {
    Reject(c, *spec, top, "NOREPLICAS Not enough good replicas to write.");
    return &top;
  }
  // A dataset being loaded: only `loading` commands are served (the loader's own client and
  // the scripts it replays are obeyed).
  if (loading_.depth > 0 && !(spec->flags & kCmdLoading) && !c.fake() && !c.script) {
    Reject(c, *spec, top, "LOADING Redis is loading the dataset in memory");
    return &top;
  }
  // A script running past busy-reply-threshold: only allow_busy commands are served.
  if (lua_->timed_out() && !(all_flags & kCmdAllowBusy)) {
    Reject(c, *spec, top, lua_->busy_error());
    return &top;
  }
  if (c.monitor && (all_flags & (kCmdWrite | kCmdReadonly | kCmdMayReplicate))) {
    ++spec->stats.rejected;
    w.Error("ERR Replica can't interact with the keyspace");
    return &top;
  }
  if (c.in_multi && !IsMultiControl(top)) {
    if ((spec->flags & kCmdNoMulti) || (top.flags & kCmdNoMulti)) {
      c.multi_dirty = true;
      w.Error("ERR Command not allowed inside a transaction");
      return &top;
    }
    c.multi_queue.emplace_back(spec, std::vector<std::string>(args.begin(), args.end()));
    w.Simple("QUEUED");
    return &top;
  }
  // A script that declares no-writes is not a write for CLIENT PAUSE WRITE (Redis's
  // evalGetCommandFlags / fcallGetCommandFlags).
  if (pause_end_ms != 0 && PausedNow(c, *spec, top, args)) {
    c.paused = true;
    c.paused_cmd.assign(args.begin(), args.end());
    return &top;
  }
  Call(c, *spec, args);
  w.set_muted(false);
  // Clients blocked on keys a running script touched are served once the script ends.
  if (!ready_keys_.empty() && !lua_->running()) HandleReadyKeys();
  return &top;
}

// CLIENT PAUSE holds back writes and commands that may replicate (a script that declares
// no-writes is not one: Redis's evalGetCommandFlags / fcallGetCommandFlags), and an EXEC of a
// queue holding one.
bool Server::PausedNow(const Connection& c, const CommandSpec& spec, const CommandSpec& top,
                       ArgList args) const {
  if (pause_all) return true;
  auto paused = [&](const CommandSpec& s, ArgList a) {
    return IsPaused(s) && !lua_->DeclaresNoWrites(s, a);
  };
  if (paused(spec, args)) return true;
  if (!c.in_multi || top.name != "exec") return false;
  for (const auto& [qs, qargs] : c.multi_queue) {
    std::vector<std::string_view> v(qargs.begin(), qargs.end());
    if (paused(*qs, ArgList(v.data(), v.size()))) return true;
  }
  return false;
}

// As Redis's rejectCommand: a refused command marks the transaction it is queued in as failed;
// a refused EXEC discards the transaction and says why.
void Server::Reject(Connection& c, const CommandSpec& spec, const CommandSpec& top,
                    std::string_view msg) {
  ++spec.stats.rejected;
  ReplyWriter& w = c.writer();
  if (c.in_multi && top.name == "exec") {
    c.in_multi = false;
    c.multi_dirty = false;
    c.multi_queue.clear();
    UnwatchAll(c);
    if (!msg.empty() && msg[0] == '-') msg.remove_prefix(1);
    w.Error(fmt::format("EXECABORT Transaction discarded because of: {}", msg));
  } else {
    c.multi_dirty = c.in_multi;
    w.Error(msg);
  }
}

// A write command, or an EXEC whose queue holds one.
bool Server::IsWrite(const Connection& c, uint32_t flags, const CommandSpec& top) const {
  if (flags & kCmdWrite) return true;
  if (c.in_multi && top.name == "exec")
    for (const auto& q : c.multi_queue)
      if (all_flags_of(*q.first) & kCmdWrite) return true;
  return false;
}

// min-replicas-to-write / min-replicas-max-lag: good replicas acknowledged within the last
// max-lag seconds (Redis's repl_good_slaves_count).
bool Server::EnoughGoodReplicas() const {
  int64_t to_write = config_->min_replicas_to_write, max_lag = config_->min_replicas_max_lag;
  if (to_write <= 0 || max_lag <= 0) return true;
  int64_t good = 0;
  for (const Connection* r : replicas_)
    if ((now_ms_ - r->repl_ack_ms) / 1000 <= max_lag) ++good;
  return good >= to_write;
}

// Redis's reject_cmd_on_oom.
bool Server::DeniedOnOom(const Connection& c, const CommandSpec& spec, const CommandSpec& top,
                         ArgList args) const {
  uint32_t flags = spec.flags | top.flags;
  if (flags & kCmdDenyOom) return true;
  if (top.name == "exec") {
    for (const auto& q : c.multi_queue)
      if (all_flags_of(*q.first) & kCmdDenyOom) return true;
    return false;
  }
  // Queuing could take any amount of memory: in MULTI all but DISCARD/QUIT/RESET are refused.
  if (c.in_multi) return top.name != "discard" && top.name != "quit" && top.name != "reset";
  return lua_->DeclaresDenyOom(spec, args);
}

void Server::Call(Connection& c, const CommandSpec& spec_ref, ArgList args) {
  const CommandSpec* spec = &spec_ref;
  const CommandSpec& top = spec->parent ? *spec->parent : *spec;
  ReplyWriter& w = c.writer();
  c.last_cmd = spec;
  uint64_t errors_before = stats_.total_error_replies;
  uint64_t nested_before = nested_errors_;
  bool failed_outer = mark_failed;
  mark_failed = false;
  uint64_t dirty_before = stats_.dirty;
  bool replaced_outer = prop_replaced_;
  prop_replaced_ = false;
  bool signaled_outer = keys_signaled;
  keys_signaled = false;
  // Within a batch of pipelined commands the end of one command is the start of the next:
  // one clock read per command instead of two.
  uint64_t start = in_batch_ ? last_tick_ : TickClock::Now();
  CommandContext ctx{*this, c, args, w, *spec, c.db,
                     script_time_ms != 0 ? script_time_ms : now_ms_};
  // The current client is the one whose top-level command runs (as Redis's current_client):
  // commands nested in EXEC, or run by a script on a caller's behalf, keep it.
  Connection* outer_client = current_client_;
  if (call_depth_ == 0) current_client_ = &c;
  ++call_depth_;
  spec->handler(ctx);
  last_tick_ = TickClock::Now();
  int64_t dur = TickClock::ToMicros(last_tick_ - start);
  ++stats_.total_commands;
  // A command that parked its client is counted (calls, time, errors, slowlog) when it ends,
  // by the re-run that serves it or by UnblockClient, as Redis does.
  const bool parked = c.blocked || (reprocessing_ == &c && reblocked_);
  if (!parked) ++spec->stats.calls;
  if (!monitors_.empty() && !(spec->flags & (kCmdSkipMonitor | kCmdAdmin)) &&
      !(top.flags & (kCmdSkipMonitor | kCmdAdmin)))
    FeedMonitors(c, args);
  if (!parked) {
    spec->stats.usec += static_cast<uint64_t>(dur);
    // INFO latencystats. A served blocked command counts the call that blocked too. As in
    // Redis, commands replayed from the AOF (its client has id 0) and commands of scripts run
    // while loading record nothing.
    if (config_->latency_tracking && (c.id() != 0 || (c.script && loading_.depth == 0))) {
      if (pending_latency_ != nullptr) RecordLatency(*pending_latency_, pending_latency_us_);
      pending_latency_ = &spec->stats;
      pending_latency_us_ = reprocessing_ == &c ? c.block.first_run_us + dur : dur;
    }
  } else if (c.blocked && reprocessing_ != &c) {
    c.block.first_run_us = dur;
  }
  // Errors of the commands a script or a transaction ran are theirs, not the script's or
  // EXEC's (Redis counts as failed only a caller whose own reply was an error).
  // (CONFIG RESETSTAT may have zeroed the error counter meanwhile.)
  uint64_t errors = stats_.total_error_replies >= errors_before
                        ? stats_.total_error_replies - errors_before
                        : 0;
  uint64_t nested = nested_errors_ - nested_before;
  uint64_t own_errors = errors > nested ? errors - nested : 0;
  if (own_errors > 0 || mark_failed) ++spec->stats.failed;
  mark_failed = failed_outer;
  if (call_depth_ > 1) nested_errors_ += own_errors;
  if (propagating() && !prop_replaced_ && stats_.dirty != dirty_before &&
      (all_flags_of(*spec) & kCmdWrite)) {
    if (exec_depth == 0 && prop_queue_.empty()) {
      FeedChange(ctx.db, args);  // the common case: verbatim, no copy
    } else {
      prop_queue_.push_back({ctx.db, std::vector<std::string>(args.begin(), args.end())});
    }
  }
  prop_replaced_ = replaced_outer;
  // Several effects of one command reach the AOF/replicas as one MULTI/EXEC block (Redis 7.0).
  if (exec_depth == 0 && !prop_queue_.empty()) FlushPropagation(false);
  bool signaled = keys_signaled;
  keys_signaled = signaled_outer;
  if (!signaled && stats_.dirty != dirty_before &&
      (!watched_keys_.empty() || tracking_->active())) {
    std::vector<int> pos;
    spec->KeyPositions(args, &pos);
    for (int i : pos) SignalModifiedKey(&c, ctx.db, args[i]);
  }
  // Client-side caching: remember what a tracking client read (default mode).
  if (c.tracking.on() && !c.tracking.has(ClientTracking::kBcast) &&
      (all_flags_of(*spec) & kCmdReadonly) && !IsReadOnlyScript(top))
    tracking_->RememberKeys(c, *spec, args);
  // Invalidations for this client follow its reply (after a whole EXEC).
  if (--call_depth_ == 0 && tracking_->has_pending()) tracking_->HandlePending();
  current_client_ = outer_client;

  int64_t slower = config_->slowlog_log_slower_than;
  if (!parked && slower >= 0 && dur >= slower && !(spec->flags & kCmdSkipSlowlog) &&
      !(top.flags & kCmdSkipSlowlog)) {
    SlowlogEntry e;
    e.id = next_slowlog_id++;
    e.time_s = now_ms_ / 1000;
    e.duration_us = dur;
    size_t n = std::min<size_t>(args.size(), 32);
    std::vector<bool> secret = SecretArgs(args);
    for (size_t i = 0; i < n; ++i) {
      if (!secret.empty() && secret[i]) {
        e.args.emplace_back("(redacted)");
        continue;
      }
      if (i == 31 && args.size() > 32) {
        e.args.push_back(fmt::format("... ({} more arguments)", args.size() - 31));
        break;
      }
      if (args[i].size() > 128) {
        e.args.push_back(fmt::format("{}... ({} more bytes)", args[i].substr(0, 128),
                                     args[i].size() - 128));
      } else {
        e.args.emplace_back(args[i]);
      }
    }
    e.peer = c.peer;
    e.name = c.name;
    slowlog_.push_front(std::move(e));
    while (slowlog_.size() > static_cast<size_t>(std::max<int64_t>(config_->slowlog_max_len, 0)))
      slowlog_.pop_back();
  }
  int64_t thr = config_->latency_monitor_threshold;
  if (thr > 0 && dur / 1000 >= thr)
    LatencyAddSample((spec->flags & kCmdFast) ? "fast-command" : "command", dur / 1000);
  (void)w;
}

void Server::FlushLatencySample() {
  if (pending_latency_ == nullptr) return;
  RecordLatency(*pending_latency_, pending_latency_us_);
  pending_latency_ = nullptr;
}

void Server::Watch(Connection& c, int db, std::string_view key) {
  for (auto& wk : c.watched)
    if (wk.db == db && wk.key == key) return;
  KvEntry* e = keyspace_->Peek(db, key);
  c.watched.push_back({db, std::string(key), e != nullptr && keyspace_->expired(e, now_ms_)});
  watched_keys_[{db, std::string(key)}].push_back(&c);
}

void Server::UnwatchAll(Connection& c) {
  for (auto& wk : c.watched) {
    auto it = watched_keys_.find(std::make_pair(wk.db, wk.key));
    if (it == watched_keys_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) watched_keys_.erase(it);
  }
  c.watched.clear();
  c.watch_dirty = false;
}

bool Server::WatchedKeyExpired(Connection& c) {
  for (auto& wk : c.watched) {
    if (wk.expired) continue;  // it was expired when watched: expiring is no change
    KvEntry* e = keyspace_->Peek(wk.db, wk.key);
    if (e != nullptr && keyspace_->expired(e, now_ms_)) return true;
  }
  return false;
}

void Server::SignalModifiedKey(Connection* by, int db, std::string_view key) {
  if (!watched_keys_.empty()) TouchWatchedKey(db, key, false);
  if (tracking_->active()) tracking_->InvalidateKey(by, key, true);
}

void Server::SignalFlushedDb(int db) {
  TouchWatchedDb(db, -1);
  tracking_->InvalidateAllOnFlush();
}

namespace {
Connection::WatchedKey* FindWatched(Connection& c, int db, std::string_view key) {
  for (auto& wk : c.watched)
    if (wk.db == db && wk.key == key) return &wk;
  return nullptr;
}
}  // namespace

// As Redis's touchWatchedKey: a key that was already expired when watched and is now gone
// (deleted by expiry or by a command) is logically unchanged; the flag is cleared, so a later
// write to it does make the transaction fail.
void Server::TouchWatchedKey(int db, std::string_view key, bool being_deleted) {
  auto it = watched_keys_.find(std::make_pair(db, std::string(key)));
  if (it == watched_keys_.end()) return;
  bool gone = being_deleted || keyspace_->Peek(db, key) == nullptr;
  for (Connection* w : it->second) {
    Connection::WatchedKey* wk = FindWatched(*w, db, key);
    if (wk != nullptr && wk->expired && gone) {
      wk->expired = false;
      continue;
    }
    w->watch_dirty = true;
  }
}

// As Redis's touchAllWatchedKeysInDb: `db` is emptied (FLUSHDB/FLUSHALL, replaced_with < 0)
// or its contents are exchanged with `replaced_with` (SWAPDB). Called before the change. A
// watched key is touched only if it exists on either side, and an expired key that stays
// gone or expired is no change.
void Server::TouchWatchedDb(int db, int replaced_with) {
  for (auto& [k, conns] : watched_keys_) {
    if (db >= 0 && k.first != db) continue;
    KvEntry* before = keyspace_->Peek(k.first, k.second);
    KvEntry* after = replaced_with >= 0 ? keyspace_->Peek(replaced_with, k.second) : nullptr;
    if (before == nullptr && after == nullptr) continue;
    for (Connection* w : conns) {
      Connection::WatchedKey* wk = FindWatched(*w, k.first, k.second);
      if (wk != nullptr && wk->expired) {
        if (after == nullptr) {
          wk->expired = false;  // the expired key is now deleted
          continue;
        }
        if (keyspace_->expired(after, now_ms_)) continue;  // still an expired key
      } else if (wk != nullptr && before == nullptr && keyspace_->expired(after, now_ms_)) {
        wk->expired = true;  // no key replaced by an expired one
        continue;
      }
      w->watch_dirty = true;
    }
  }
}

void Server::FeedMonitors(const Connection& c, ArgList args) {
  std::string line = fmt::format("{}.{:06d} [{} {}]", now_us_ / 1000000, now_us_ % 1000000,
                                 c.db, c.peer);
  std::vector<bool> secret = SecretArgs(args);
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view a = args[i];
    if (!secret.empty() && secret[i]) {
      line += " \"(redacted)\"";
      continue;
    }
    line += " \"";
    for (unsigned char ch : a) {
      switch (ch) {
        case '\\': line += "\\\\"; break;
        case '"': line += "\\\""; break;
        case '\n': line += "\\n"; break;
        case '\r': line += "\\r"; break;
        case '\t': line += "\\t"; break;
        case '\a': line += "\\a"; break;
        case '\b': line += "\\b"; break;
        default:
          if (isprint(ch)) {
            line += static_cast<char>(ch);
          } else {
            line += fmt::format("\\x{:02x}", ch);
          }
      }
    }
    line += "\"";
  }
  for (Connection* m : monitors_) {
    if (m == &c) continue;
    m->writer().Simple(line);
    ScheduleFlush(m);
  }
}

std::string Server::ClientInfoLine(const Connection& c) const {
  // Flags in Redis's order (those Sable has): O P x b t R B d e, or N.
  std::string flags;
  if (c.monitor) flags += 'O';
  if (c.subscribed()) flags += 'P';
  if (c.in_multi) flags += 'x';
  if (c.paused || c.blocked) flags += 'b';
  if (c.tracking.on()) flags += 't';
  if (c.tracking.has(ClientTracking::kBrokenRedir)) flags += 'R';
  if (c.tracking.has(ClientTracking::kBcast)) flags += 'B';
  if (c.watch_dirty) flags += 'd';
  if (c.is_unix_socket()) flags += 'U';
  if (c.no_evict) flags += 'e';
  if (flags.empty()) flags = "N";
  std::string cmdname = c.last_cmd ? c.last_cmd->FullName() : "NULL";
  size_t sub = 0, psub = 0, ssub = 0;
  if (c.pubsub) {
    sub = c.pubsub->channels.size();
    psub = c.pubsub->patterns.size();
    ssub = c.pubsub->shard_channels.size();
  }
  int64_t multi = c.in_multi ? static_cast<int64_t>(c.multi_queue.size()) : -1;
  int64_t redir = c.tracking.on() ? static_cast<int64_t>(c.tracking.redirect) : -1;
  return fmt::format(
      "id={} addr={} laddr={} fd={} name={} age={} idle={} flags={} db={} sub={} psub={} "
      "ssub={} multi={} qbuf={} qbuf-free={} argv-mem=0 multi-mem=0 rbs=16384 rbp=0 obl=0 "
      "oll=0 omem={} tot-mem={} events=r cmd={} user={} redir={} resp={}",
      c.id(), c.peer, c.local, c.fd(), c.name, (now_ms_ - c.created_ms) / 1000,
      (now_ms_ - c.last_interaction_ms) / 1000, flags, c.db, sub, psub, ssub, multi,
      c.query_buffer_size(), c.query_buffer_free(), c.output_bytes(),
      c.memory_usage(), cmdname,
      c.user != nullptr ? c.user->name : "(superuser)", redir,
      const_cast<Connection&>(c).writer().proto());
}

}  // namespace sable
