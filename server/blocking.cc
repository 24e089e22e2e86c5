#include "server/blocking.h"

#include <cmath>

#include "datastructs/numbers.h"
#include "server/connection.h"
#include "server/server.h"

namespace sable {

bool Server::ParseTimeout(ReplyWriter& w, std::string_view arg, int64_t* deadline_ms) {
  long double secs;
  if (!StringToLongDouble(arg, &secs) || std::isnan(secs)) {
    w.Error("ERR timeout is not a float or out of range");
    return false;
  }
  // As redis-server 7.0 does on x86-64: a timeout whose milliseconds do not fit in a signed
  // 64-bit integer (including inf) converts to INT64_MIN, so it is reported as negative.
  long double ms = std::ceil(secs * 1000);
  if (secs < 0 || !(ms < 9223372036854775808.0L)) {
    w.Error("ERR timeout is negative");
    return false;
  }
  int64_t t = static_cast<int64_t>(ms);
  // A huge but valid timeout blocks for good (saturating instead of overflowing).
  *deadline_ms = t == 0 ? 0 : (t > INT64_MAX - now_ms_ ? INT64_MAX : now_ms_ + t);
  return true;
}

void Server::BlockClient(Connection& c, int db, const std::vector<std::string_view>& keys,
                         ObjType type, int64_t deadline_ms, bool null_array,
                         const CommandSpec& spec, ArgList args, bool wake_on_delete) {
  if (reprocessing_ == &c) {  // still nothing to serve: keep its place in the queues
    reblocked_ = true;
    return;
  }
  c.blocked = true;
  c.block.db = db;
  c.block.keys.assign(keys.begin(), keys.end());
  c.block.type = type;
  c.block.deadline_ms = deadline_ms;
  c.block.null_array = null_array;
  c.block.wait_offset = -1;
  c.block.wake_on_delete = wake_on_delete;
  c.block.spec = &spec;
  c.block.args.assign(args.begin(), args.end());
  for (const auto& k : c.block.keys) {
    auto& q = blocking_keys_[{db, k}];
    if (std::find(q.begin(), q.end(), &c) == q.end()) q.push_back(&c);
  }
  ++blocked_count_;
  if (deadline_ms) {
    block_deadlines_.insert({deadline_ms, c.id()});
    ArmBlockTimer();
  }
}

void Server::RemoveBlocked(Connection& c) {
  if (!c.blocked) return;
  for (const auto& k : c.block.keys) {
    auto it = blocking_keys_.find(std::make_pair(c.block.db, k));
    if (it == blocking_keys_.end()) continue;
    std::erase(it->second, &c);
    if (it->second.empty()) blocking_keys_.erase(it);
  }
  if (c.block.deadline_ms) block_deadlines_.erase({c.block.deadline_ms, c.id()});
  if (c.block.wait_offset >= 0) std::erase(waiting_acks_, &c);
  c.blocked = false;
  c.block.keys.clear();
  c.block.args.clear();
  --blocked_count_;
}

bool Server::UnblockClient(Connection& c, bool with_error) {
  if (!c.blocked) return false;
  RemoveBlocked(c);
  // The call that blocked was not counted; it ends here (Redis's updateStatsOnUnblock).
  if (c.block.spec != nullptr) {
    ++c.block.spec->stats.calls;
    if (with_error) ++c.block.spec->stats.failed;
  }
  ReplyWriter& w = c.writer();
  if (with_error) {
    w.Error("UNBLOCKED client unblocked via CLIENT UNBLOCK");
  } else if (c.block.wait_offset >= 0) {
    w.Integer(static_cast<int64_t>(ReplicasAcked(c.block.wait_offset)));
  } else if (c.block.null_array) {
    w.NullArray();
  } else {
    w.Null();
  }
  ScheduleFlush(&c);
  c.ProcessInput();  // resume its pipeline
  return true;
}

void Server::SignalKeyReady(int db, std::string_view key) {
  if (blocking_keys_.empty()) return;
  auto it = blocking_keys_.find(std::make_pair(db, std::string(key)));
  if (it == blocking_keys_.end()) return;
  for (auto& rk : ready_keys_)
    if (rk.first == db && rk.second == key) return;
  ready_keys_.emplace_back(db, std::string(key));
}

void Server::SignalReadyKeysInDb(int db) {
  // Every key waited on: absent ones too, for XREADGROUP clients whose stream went away.
  std::vector<std::string> keys;
  for (auto& [k, q] : blocking_keys_)
    if (k.first == db) keys.push_back(k.second);
  for (const auto& k : keys) SignalKeyReady(db, k);
}

void Server::HandleReadyKeys() {
  if (handling_ready_) return;
  handling_ready_ = true;
  std::vector<Connection*> resumed;
  while (!ready_keys_.empty()) {
    std::vector<std::pair<int, std::string>> batch;
    batch.swap(ready_keys_);
    for (auto& [db, key] : batch) {
      auto it = blocking_keys_.find(std::make_pair(db, key));
      if (it == blocking_keys_.end()) continue;
      std::deque<Connection*> queue = it->second;  // serving changes the live queue
      // Like Redis, expire against the time of serving (a MULTI with DEBUG SLEEP may have
      // let the key expire since the loop's clock was read); an expired key is deleted here
      // and its DEL propagated after the command that signalled it.
      UpdateClock();
      for (Connection* c : queue) {
        if (!c->blocked) continue;
        KvEntry* e = keyspace_->Find(db, key, now_ms_);
        bool servable = e != nullptr && e->type() == c->block.type;
        if (!servable && !c->block.wake_on_delete) continue;
        // Re-run the command as if it had just arrived; BlockClient notices a re-block.
        std::vector<std::string> args = c->block.args;
        const CommandSpec* spec = c->block.spec;
        std::vector<std::string_view> views(args.begin(), args.end());
        reprocessing_ = c;
        reblocked_ = false;
        c->blocked = false;  // so the handler runs normally
        --blocked_count_;
        Call(*c, *spec, ArgList(views.data(), views.size()));
        reprocessing_ = nullptr;
        if (reblocked_) {
          c->blocked = true;
          ++blocked_count_;
          continue;
        }
        c->blocked = true;
        ++blocked_count_;
        RemoveBlocked(*c);
        ScheduleFlush(c);
        resumed.push_back(c);
      }
    }
  }
  handling_ready_ = false;
  for (Connection* c : resumed)
    if (!c->closing()) c->ProcessInput();
}

void Server::ArmBlockTimer() {
  if (block_deadlines_.empty()) {
    uv_timer_stop(&block_timer_);
    return;
  }
  int64_t wait = block_deadlines_.begin()->first - now_ms_;
  if (wait < 0) wait = 0;
  uv_timer_start(&block_timer_, OnBlockTimer, static_cast<uint64_t>(wait), 0);
}

void Server::OnBlockTimer(uv_timer_t* t) {
  auto* s = static_cast<Server*>(t->data);
  s->UpdateClock();
  while (!s->block_deadlines_.empty() && s->block_deadlines_.begin()->first <= s->now_ms_) {
    uint64_t id = s->block_deadlines_.begin()->second;
    Connection* c = s->FindClient(id);
    if (c == nullptr || !c->blocked) {
      s->block_deadlines_.erase(s->block_deadlines_.begin());
      continue;
    }
    s->UnblockClient(*c, false);
  }
  s->ArmBlockTimer();
}

}  // namespace sable
