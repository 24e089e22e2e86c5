#include "server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>
#include <random>

#ifndef SABLE_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "datastructs/numbers.h"
#include "server/acl.h"
#include "server/aof.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/notify.h"
#include "server/pubsub.h"
#include "server/snapshot.h"
#include "server/tracking.h"

namespace sable {

void ServerStats::CountError(std::string_view code) {
  ++total_error_replies;
  auto it = errors.find(std::string(code));
  if (it != errors.end()) {
    ++it->second;
  } else if (errors.size() < 128) {
    errors.emplace(std::string(code), 1);
  }
}

Server::Server(Config* config) : config_(config) {
  loop_ = uv_default_loop();
  seed_ = RandomHashSeed();
  keyspace_ = std::make_unique<Keyspace>(config->databases, &seed_);
  UpdateClock();
  start_time_s_ = now_ms_ / 1000;
  std::random_device rd;
  static const char kHex[] = "0123456789abcdef";
  for (int i = 0; i < 40; ++i) run_id_ += kHex[rd() % 16];
  keyspace_->lru_clock = static_cast<uint32_t>(now_ms_ / 1000);
  keyspace_->on_expired = OnKeyExpired;
  keyspace_->on_expired_ctx = this;
  keyspace_->on_stream_removed = [](void* self, int db, std::string_view key) {
    static_cast<Server*>(self)->SignalKeyReady(db, key);
  };
  keyspace_->on_stream_removed_ctx = this;
  pubsub_ = std::make_unique<PubSub>(this);
  tracking_ = std::make_unique<Tracking>(this);
  OnConfigChange("notify-keyspace-events");
  aof_ = std::make_unique<Aof>(this);
  lastsave_s = start_time_s_;
  acl_ = std::make_unique<Acl>(this);
  // A subscriber whose user lost access to one of its channels or patterns is disconnected
  // (Redis's ACLKillPubsubClientsIfNeeded).
  acl_->pubsub_violates = [](Connection& c,
                             const std::function<bool(std::string_view, bool)>& allowed) {
    if (!c.subscribed()) return false;
    for (const std::string& p : c.pubsub->patterns)
      if (!allowed(p, true)) return true;
    for (const std::string& ch : c.pubsub->channels)
      if (!allowed(ch, false)) return true;
    for (const std::string& ch : c.pubsub->shard_channels)
      if (!allowed(ch, false)) return true;
    return false;
  };
  if (!config_->requirepass.empty()) acl_->UpdateDefaultUserPassword(config_->requirepass);
  config_->on_change = [this](const std::string& name) { OnConfigChange(name); };
  config_->rewrite_users = [this]() {
    std::vector<std::string> lines;
    if (!config_->GetValue("aclfile").empty()) return lines;  // users live in the ACL file
    for (const auto& [name, u] : acl_->users())
      lines.push_back("user " + name + " " + acl_->Describe(*u));
    return lines;
  };
  ApplyAccessPolicy();
}

void Server::OnConfigChange(const std::string& name) {
  if (name == "loglevel") {
    static const char* kLevels[] = {"debug", "verbose", "notice", "warning"};
    for (int i = 0; i < 4; ++i)
      if (config_->loglevel == kLevels[i]) Logger::Get().SetLevel(static_cast<LogLevel>(i));
  } else if (name == "appendonly") {
    std::string err;
    if (config_->GetValue("appendonly") == "yes") {
      if (!aof_->Enable(&err)) Log(LogLevel::kWarning, "Could not enable the AOF: {}", err);
    } else {
      aof_->Disable();
    }
  } else if (name == "maxmemory-policy" || name == "lfu-log-factor" ||
             name == "lfu-decay-time") {
    ApplyAccessPolicy();
  } else if (name == "requirepass") {
    acl_->UpdateDefaultUserPassword(config_->requirepass);
  } else if (name == "hz") {
    uv_timer_set_repeat(&cron_timer_, 1000 / config_->hz);
  } else if (name == "notify-keyspace-events") {
    // The "new" event hooks key creation only while it is enabled.
    keyspace_->on_new_key = (config_->notify_keyspace_events & kNotifyNew) ? OnNewKey : nullptr;
  }
}

void Server::OnNewKey(void* self, int db, std::string_view key) {
  static_cast<Server*>(self)->NotifyKeyspaceEvent(kNotifyNew, "new", key, db);
}

void Server::ApplyAccessPolicy() {
  Keyspace& ks = *keyspace_;
  ks.lfu = config_->maxmemory_policy.find("lfu") != std::string::npos;
  int64_t v = 10;
  StringToInt64(config_->GetValue("lfu-log-factor"), &v);
  ks.lfu_log_factor = static_cast<int>(std::clamp<int64_t>(v, 0, INT_MAX));
  v = 1;
  StringToInt64(config_->GetValue("lfu-decay-time"), &v);
  ks.lfu_decay_time = static_cast<int>(std::clamp<int64_t>(v, 0, INT_MAX));
}

bool Server::LoadData(std::string* err) {
  if (config_->GetValue("appendonly") == "yes") return aof_->Start(true, err);
  std::string path = config_->dir + "/" + config_->GetValue("dbfilename");
  bool found = false;
  RdbLoadStats st;
  auto t0 = std::chrono::steady_clock::now();
  if (!LoadRdbFile(*this, path, &found, &st, err)) return false;
  if (found) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Log(LogLevel::kNotice, "DB loaded from disk: {:.3f} seconds", secs);
    Log(LogLevel::kNotice, "Done loading RDB, keys loaded: {}, keys expired: {}.",
        st.keys_loaded, st.keys_expired);
  }
  return true;
}

bool Server::SaveSnapshot(std::string* err) {
  std::string path = config_->dir + "/" + config_->GetValue("dbfilename");
  if (!SaveRdbFile(*this, path, err)) {
    last_bgsave_ok = false;
    Log(LogLevel::kWarning, "Error saving DB on disk: {}", *err);
    return false;
  }
  Log(LogLevel::kNotice, "DB saved on disk");
  last_bgsave_ok = true;
  lastsave_s = now_ms_ / 1000;
  stats_.dirty = 0;
  ++rdb_saves;
  return true;
}

Server::~Server() = default;

void Server::UpdateClock() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  now_us_ = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  now_ms_ = now_us_ / 1000;
}

bool Server::Listen() {
  bool any = false;
  for (std::string addr : config_->bind) {
    bool optional = false;
    if (!addr.empty() && addr[0] == '-') {
      optional = true;
      addr = addr.substr(1);
    }
    if (addr == "*") addr = "0.0.0.0";
    sockaddr_storage ss{};
    bool v6 = addr.find(':') != std::string::npos;
    int rc = v6 ? uv_ip6_addr(addr.c_str(), config_->port, reinterpret_cast<sockaddr_in6*>(&ss))
                : uv_ip4_addr(addr.c_str(), config_->port, reinterpret_cast<sockaddr_in*>(&ss));
    if (rc != 0) {
      Log(LogLevel::kWarning, "Invalid bind address '{}'", addr);
      return false;
    }
    auto* t = new uv_tcp_t;
    uv_tcp_init(loop_, t);
    t->data = this;
    rc = uv_tcp_bind(t, reinterpret_cast<sockaddr*>(&ss), v6 ? UV_TCP_IPV6ONLY : 0);
    if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(t), 511, OnConnection);
    if (rc != 0) {
      uv_close(reinterpret_cast<uv_handle_t*>(t), [](uv_handle_t* h) {
        delete reinterpret_cast<uv_tcp_t*>(h);
      });
      if (optional && (rc == UV_EADDRNOTAVAIL || rc == UV_EAFNOSUPPORT || rc == UV_EPROTONOSUPPORT)) {
        Log(LogLevel::kNotice, "Skipping optional bind address {}: {}", addr, uv_strerror(rc));
        continue;
      }
      Log(LogLevel::kWarning, "Warning: Could not create server TCP listening socket {}:{}: {}",
          addr, config_->port, uv_strerror(rc));
      return false;
    }
    listeners_.push_back(t);
    any = true;
  }
  if (!any) {
    Log(LogLevel::kWarning, "Failed listening on port {} (tcp), aborting.", config_->port);
    return false;
  }
  return true;
}

void Server::CloseListeners() {
  for (uv_tcp_t* t : listeners_)
    uv_close(reinterpret_cast<uv_handle_t*>(t),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  listeners_.clear();
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* s = static_cast<Server*>(listener->data);
  if (status < 0) return;
  auto* c = new Connection(s, s->next_client_id_++);
  if (uv_accept(listener, reinterpret_cast<uv_stream_t*>(c->handle())) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(c->handle()),
             [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
    return;
  }
  sockaddr_storage ss{};
  int len = sizeof(ss);
  auto fmt_addr = [](const sockaddr_storage& a) {
    char ip[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (a.ss_family == AF_INET) {
      auto* in = reinterpret_cast<const sockaddr_in*>(&a);
      inet_ntop(AF_INET, &in->sin_addr, ip, sizeof(ip));
      port = ntohs(in->sin_port);
    } else if (a.ss_family == AF_INET6) {
      auto* in6 = reinterpret_cast<const sockaddr_in6*>(&a);
      inet_ntop(AF_INET6, &in6->sin6_addr, ip, sizeof(ip));
      port = ntohs(in6->sin6_port);
    }
    return std::pair<std::string, int>(ip, port);
  };
  uv_tcp_getpeername(c->handle(), reinterpret_cast<sockaddr*>(&ss), &len);
  auto [pip, pport] = fmt_addr(ss);
  c->peer = fmt::format("{}:{}", pip, pport);
  len = sizeof(ss);
  uv_tcp_getsockname(c->handle(), reinterpret_cast<sockaddr*>(&ss), &len);
  auto [lip, lport] = fmt_addr(ss);
  c->local = fmt::format("{}:{}", lip, lport);
  ++s->stats_.total_connections;
  s->clients_[c->id()] = c;
  if (s->clients_.size() > static_cast<size_t>(s->config_->maxclients)) {
    ++s->stats_.rejected_connections;
    c->writer().Error("ERR max number of clients reached");
    c->CloseAfterReply();
    s->ScheduleFlush(c);
    return;
  }
  bool loopback = pip == "127.0.0.1" || pip == "::1" || pip.rfind("127.", 0) == 0;
  if (s->config_->protected_mode && s->config_->requirepass.empty() && !loopback) {
    c->writer().Error(
        "DENIED Redis is running in protected mode because protected mode is enabled and no "
        "password is set for the default user. In this mode connections are only accepted "
        "from the loopback interface. If you want to connect from external computers to "
        "Redis you may adopt one of the following solutions: 1) Just disable protected mode "
        "sending the command 'CONFIG SET protected-mode no' from the loopback interface by "
        "connecting to Redis from the same host the server is running, however MAKE SURE "
        "Redis is not publicly accessible from internet if you do so. Use CONFIG REWRITE to "
        "make this change permanent. 2) Alternatively you can just disable the protected mode "
        "by editing the Redis configuration file, and setting the protected mode option to "
        "'no', and then restarting the server. 3) If you started the server manually just for "
        "testing, restart it with the '--protected-mode no' option. 4) Set up an "
        "authentication password for the default user. NOTE: You only need to do one of the "
        "above things in order for the server to start accepting connections from the "
        "outside.");
    c->CloseAfterReply();
    s->ScheduleFlush(c);
    return;
  }
  c->Start();
}

Connection* Server::FindClient(uint64_t id) {
  auto it = clients_.find(id);
  return it == clients_.end() ? nullptr : it->second;
}

void Server::ScheduleFlush(Connection* c) {
  if (c->flush_generation == flush_generation_) return;
  c->flush_generation = flush_generation_;
  pending_flush_.push_back(c);
}

void Server::RemoveClient(Connection* c) {
  clients_.erase(c->id());
  for (auto& p : pending_flush_)
    if (p == c) p = nullptr;
  if (c->monitor) std::erase(monitors_, c);
  pubsub_->RemoveClient(*c);
  tracking_->Disable(*c);
  if (current_client_ == c) current_client_ = nullptr;
  UnwatchAll(*c);
  RemoveBlocked(*c);
  std::erase(replicas_, c);
  if (reprocessing_ == c) reprocessing_ = nullptr;
}

void Server::FlushPending() {
  // Before the loop sleeps (Redis's beforeSleep): BCAST invalidations of this cycle, and
  // clients that went over their output buffer limit are dropped.
  tracking_->Broadcast();
  if (!close_asap_.empty()) CloseClientsOverLimit();
  // The write barrier: changes reach the AOF (and, with appendfsync always, the disk) before
  // any reply to them is sent.
  if (!aof_buf_.empty()) aof_->Flush();
  if (pending_flush_.empty()) return;
  ++flush_generation_;
  std::vector<Connection*> batch;
  batch.swap(pending_flush_);
  for (Connection* c : batch)
    if (c != nullptr) c->Flush();
}

void Server::OnCheck(uv_check_t* h) { static_cast<Server*>(h->data)->FlushPending(); }
void Server::OnPrepare(uv_prepare_t* h) { static_cast<Server*>(h->data)->FlushPending(); }

void Server::OnCron(uv_timer_t* t) { static_cast<Server*>(t->data)->Cron(); }

void Server::Cron() {
  UpdateClock();
  if (cron_paused) return;  // DEBUG PAUSE-CRON
  ++cron_loops_;
  keyspace_->lru_clock = static_cast<uint32_t>(now_ms_ / 1000);
  // Active expiry: at most 25% of a cron period, scaled by active-expire-effort.
  int64_t budget_us = 1000000 / config_->hz / 4 * (config_->active_expire_effort + 3) / 4;
  keyspace_->ActiveExpireCycle(now_ms_, budget_us);
  if (!ready_keys_.empty()) HandleReadyKeys();  // an expired stream fails its XREADGROUP clients
  keyspace_->RehashStep(1000);
  if (pause_end_ms != 0 && now_ms_ >= pause_end_ms) Unpause();
  if (tracking_->clients() > 0) tracking_->LimitUsedSlots();
  if (pubsub_->channel_count(false) + pubsub_->channel_count(true) + pubsub_->pattern_count())
    CheckPubsubSoftLimits();
  if (config_->timeout > 0) {
    std::vector<Connection*> idle;
    for (auto& [id, c] : clients_)
      if (!c->monitor && !c->subscribed() &&
          now_ms_ - c->last_interaction_ms > config_->timeout * 1000)
        idle.push_back(c);
    for (Connection* c : idle) c->Close();
  }
  if (shutdown_asap) {
    std::string err;
    Shutdown(ShutdownMode::kDefault, false, &err);
  }
}

std::string_view Server::ClientType(const Connection& c) const {
  if (std::find(replicas_.begin(), replicas_.end(), &c) != replicas_.end()) return "slave";
  return c.subscribed() ? "pubsub" : "normal";
}

void Server::CheckOutputLimit(Connection& c) {
  // Only the pubsub class is enforced (normal has no limit by default; replicas are streamed).
  if (!c.subscribed() || c.closing()) return;
  const OutputBufferLimit& lim = config_->obuf_pubsub;
  size_t used = c.output_bytes();
  bool over = lim.hard > 0 && used >= static_cast<size_t>(lim.hard);
  if (lim.soft > 0 && used >= static_cast<size_t>(lim.soft)) {
    // Redis counts whole seconds on the cached clock: over for more than soft_seconds.
    if (c.obuf_soft_since_ms == 0) {
      c.obuf_soft_since_ms = now_ms_;
    } else if ((now_ms_ - c.obuf_soft_since_ms) / 1000 > lim.soft_seconds) {
      over = true;
    }
  } else {
    c.obuf_soft_since_ms = 0;
  }
  if (!over) return;
  if (std::find(close_asap_.begin(), close_asap_.end(), c.id()) != close_asap_.end()) return;
  Log(LogLevel::kWarning,
      "Client id={} addr={} name={} scheduled to be closed ASAP for overcoming of output "
      "buffer limits.",
      c.id(), c.peer, c.name);
  close_asap_.push_back(c.id());
}

void Server::CheckPubsubSoftLimits() {
  // A subscriber that stays over the soft limit without new traffic is still dropped.
  for (auto& [id, c] : clients_)
    if (c->obuf_soft_since_ms != 0) CheckOutputLimit(*c);
}

void Server::CloseClientsOverLimit() {
  std::vector<uint64_t> ids;
  ids.swap(close_asap_);
  for (uint64_t id : ids) {
    Connection* c = FindClient(id);
    if (c != nullptr) c->Close();
  }
}

bool Server::IsPaused(const CommandSpec& spec) const {
  if (pause_end_ms == 0) return false;
  if (pause_all) return true;
  const CommandSpec& top = spec.parent ? *spec.parent : spec;
  return (spec.flags & kCmdWrite) || (top.flags & kCmdMayReplicate) ||
         (spec.flags & kCmdMayReplicate);
}

void Server::Unpause() {
  pause_end_ms = 0;
  ResumePaused();
}

void Server::ResumePaused() {
  std::vector<Connection*> paused;
  for (auto& [id, c] : clients_)
    if (c->paused) paused.push_back(c);
  std::sort(paused.begin(), paused.end(),
            [](Connection* a, Connection* b) { return a->id() < b->id(); });
  for (Connection* c : paused) {
    c->paused = false;
    std::vector<std::string> held;
    held.swap(c->paused_cmd);
    std::vector<std::string_view> views(held.begin(), held.end());
    Execute(*c, ArgList(views.data(), views.size()));
    if (!c->closing()) c->ProcessInput();
    ScheduleFlush(c);
  }
}

void Server::OnSignal(uv_signal_t* h, int signum) {
  auto* s = static_cast<Server*>(h->data);
  Log(LogLevel::kWarning, "Received {} scheduling shutdown...",
      signum == SIGINT ? "SIGINT" : "SIGTERM");
  std::string how = s->config_->GetValue(signum == SIGINT ? "shutdown-on-sigint"
                                                           : "shutdown-on-sigterm");
  ShutdownMode mode = ShutdownMode::kDefault;
  if (how.find("nosave") != std::string::npos) {
    mode = ShutdownMode::kNoSave;
  } else if (how.find("save") != std::string::npos) {
    mode = ShutdownMode::kSave;
  }
  bool force = how.find("force") != std::string::npos;
  std::string err;
  if (!s->Shutdown(mode, force, &err))
    Log(LogLevel::kWarning, "SIGTERM received but errors trying to shut down the server, check "
        "the logs for more information");
}

bool Server::Shutdown(ShutdownMode mode, bool force, std::string* err) {
  if (shutting_down_) return true;
  Log(LogLevel::kWarning, "User requested shutdown...");
  bool save = mode == ShutdownMode::kSave ||
              (mode == ShutdownMode::kDefault && !config_->save.empty());
  if (save) {
    Log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
    if (!SaveSnapshot(err) && !force) {
      Log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
      return false;
    }
  }
  shutting_down_ = true;
  aof_->Flush();
  if (aof_->enabled()) {
    Log(LogLevel::kNotice, "Calling fsync() on the AOF file.");
    aof_->Disable();
  }
  if (!config_->pidfile.empty()) unlink(config_->pidfile.c_str());
  Log(LogLevel::kWarning, "Redis is now ready to exit, bye bye...");
  // Flush what is already queued, then stop the loop.
  FlushPending();
  uv_stop(loop_);
  return true;
}

int Server::Run() {
  uv_timer_init(loop_, &cron_timer_);
  cron_timer_.data = this;
  uv_timer_start(&cron_timer_, OnCron, 1000 / config_->hz, 1000 / config_->hz);
  uv_timer_init(loop_, &block_timer_);
  block_timer_.data = this;
  uv_check_init(loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, OnCheck);
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, OnPrepare);
  uv_signal_init(loop_, &sigterm_);
  sigterm_.data = this;
  uv_signal_start(&sigterm_, OnSignal, SIGTERM);
  uv_signal_init(loop_, &sigint_);
  sigint_.data = this;
  uv_signal_start(&sigint_, OnSignal, SIGINT);
  signal(SIGPIPE, SIG_IGN);
  if (!config_->pidfile.empty()) {
    std::ofstream(config_->pidfile) << getpid() << "\n";
  }
  Log(LogLevel::kNotice, "Ready to accept connections tcp");
  uv_run(loop_, UV_RUN_DEFAULT);
  CloseListeners();
  return exit_code;
}

bool Server::debug_allowed(const Connection& c) const {
  const std::string& v = config_->enable_debug_command;
  if (v == "yes") return true;
  if (v == "local") return c.peer.rfind("127.0.0.1:", 0) == 0 || c.peer.rfind("::1:", 0) == 0;
  return false;
}

size_t Server::UsedMemory() const {
#ifndef SABLE_NO_JEMALLOC
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  size_t allocated = 0;
  sz = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0) return allocated;
#endif
  return UsedMemoryRss();
}

size_t Server::UsedMemoryRss() const {
  std::ifstream f("/proc/self/statm");
  size_t pages = 0, rss = 0;
  f >> pages >> rss;
  return rss * static_cast<size_t>(sysconf(_SC_PAGESIZE));
}

std::string Server::AllocatorName() const {
#ifndef SABLE_NO_JEMALLOC
  const char* v = nullptr;
  size_t sz = sizeof(v);
  if (mallctl("version", &v, &sz, nullptr, 0) == 0 && v) {
    std::string s(v);
    return "jemalloc-" + s.substr(0, s.find('-'));
  }
  return "jemalloc";
#else
  return "libc";
#endif
}

void Server::LatencyAddSample(const std::string& event, int64_t ms) {
  auto& ev = latency_[event];
  int64_t now_s = now_ms_ / 1000;
  if (!ev.samples.empty() && ev.samples.back().time_s == now_s) {
    if (ms > ev.samples.back().ms) ev.samples.back().ms = ms;
  } else {
    ev.samples.push_back({now_s, ms});
    if (ev.samples.size() > 160) ev.samples.pop_front();
  }
  if (ms > ev.max_ms) ev.max_ms = ms;
}

}  // namespace sable
