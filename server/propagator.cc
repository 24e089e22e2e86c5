// The one feed of changes (DESIGN: "Propagator"): each write becomes the commands that
// reproduce its effect, appended to the AOF buffer and to every replica stream, with SELECT
// inserted when the database changes. MULTI/EXEC blocks stay whole.
#include <fmt/format.h>

#include "server/connection.h"
#include "server/notify.h"
#include "server/resp_parser.h"
#include "server/server.h"

namespace sable {

namespace {

// SELECT db, when a feed's current database (*cur) is another one (db < 0: no database).
void AppendSelectIfChanged(std::string* out, int* cur, int db) {
  if (db == *cur || db < 0) return;
  std::string d = std::to_string(db);
  std::string_view sel[] = {"SELECT", d};
  AppendRespCommand(out, ArgList(sel, 2));
  *cur = db;
}

}  // namespace


void Server::FeedChange(int db, ArgList args, bool replicas_only) {
  if (!aof_on_ && replicas_.empty()) return;
  if (aof_on_ && !replicas_only) {
    // As Redis's feedAppendOnlyFile: a "#TS:<unix time>" annotation when the second changed.
    if (config_->aof_timestamp_enabled && now_ms_ / 1000 > aof_cur_timestamp_) {
      aof_cur_timestamp_ = now_ms_ / 1000;
      aof_buf_ += fmt::format("#TS:{}\r\n", aof_cur_timestamp_);
    }
    AppendSelectIfChanged(&aof_buf_, &aof_db_, db);
    AppendRespCommand(&aof_buf_, args);
  }
  if (!replicas_.empty()) FeedReplicas(db, args);
}

// The replication stream: SELECT when the database changes (db < 0: none), then the command;
// the master offset counts every byte.
void Server::FeedReplicas(int db, ArgList args) {
  std::string chunk;
  AppendSelectIfChanged(&chunk, &repl_db_, db);
  AppendRespCommand(&chunk, args);
  repl_offset_ += static_cast<int64_t>(chunk.size());
  for (Connection* r : replicas_) {
    r->writer().Raw(chunk);
    ScheduleFlush(r);
  }
}

void Server::PropagateAs(int db, std::vector<std::string> args) {
  prop_replaced_ = true;
  if (!propagating()) return;
  prop_queue_.push_back({db, std::move(args)});
}

void Server::PropagateToReplicas(int db, ArgList args) {
  if (replicas_.empty()) return;
  prop_queue_.push_back({db, std::vector<std::string>(args.begin(), args.end()), true});
}

void Server::FlushPropagation(bool wrap_in_multi) {
  if (prop_queue_.empty()) return;
  std::vector<PropEntry> q;
  q.swap(prop_queue_);
  std::erase_if(q, [](const PropEntry& e) { return e.db == -2; });  // PropagateNothing
  if (q.empty()) return;
  wrap_in_multi = wrap_in_multi || q.size() > 1;
  if (wrap_in_multi) {
    std::string_view m[] = {"MULTI"};
    FeedChange(q.front().db, ArgList(m, 1));
  }
  for (const PropEntry& e : q) {
    std::vector<std::string_view> v(e.args.begin(), e.args.end());
    FeedChange(e.db, ArgList(v.data(), v.size()), e.replicas_only);
  }
  if (wrap_in_multi) {
    std::string_view e[] = {"EXEC"};
    FeedChange(-1, ArgList(e, 1));
  }
}

void Server::OnKeyExpired(void* self, int db, std::string_view key) {
  auto* s = static_cast<Server*>(self);
  // As Redis's deleteExpiredKeyAndPropagate: the event, then WATCH/tracking, then the DEL.
  s->NotifyKeyspaceEvent(kNotifyExpired, "expired", key, db);
  // The key is still in the table but is being deleted (see Server::TouchWatchedKey).
  if (!s->watched_keys_.empty()) s->TouchWatchedKey(db, key, true);
  if (s->tracking_->active()) s->tracking_->InvalidateKey(nullptr, key, true);
  if (!s->aof_on_ && s->replicas_.empty()) return;
  std::string_view args[] = {"DEL", key};
  s->FeedChange(db, ArgList(args, 2));
}

}  // namespace sable
