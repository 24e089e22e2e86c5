#include "server/server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <climits>
#include <cstring>
#include <fstream>
#include <random>

#ifndef SABLE_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#elif defined(__SANITIZE_ADDRESS__)
// ASan's allocator statistics (libasan; Debian ships no header for them).
extern "C" size_t __sanitizer_get_current_allocated_bytes();
#define SABLE_SANITIZER_ALLOCATOR 1
#endif

#include "datastructs/numbers.h"
#include "server/acl.h"
#include "server/aof.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/lua_engine.h"
#include "server/notify.h"
#include "server/oom_score.h"
#include "server/proctitle.h"
#include "server/pubsub.h"
#include "server/snapshot.h"
#include "server/tracking.h"

namespace sable {

namespace {

// Set by the SIGTERM/SIGINT handler, acted upon by the cron (Redis's shutdown_asap and
// last_sig_received): nothing but these flags is touched in the handler.
volatile sig_atomic_t g_shutdown_asap = 0;
volatile sig_atomic_t g_last_signal = 0;
// "temp-<pid>.rdb", prepared before the handler may need it (async-signal-safe unlink).
char g_temp_rdb[64];

}  // namespace

void RateSampler::Sample(uint64_t value, int64_t now_ms) {
  if (last_ms != 0 && now_ms > last_ms && value >= last_value)
    samples[idx++ % 16] = (value - last_value) * 1000 / static_cast<uint64_t>(now_ms - last_ms);
  last_ms = now_ms;
  last_value = value;
}

uint64_t RateSampler::PerSecond() const {
  uint64_t sum = 0;
  for (uint64_t v : samples) sum += v;
  return sum / 16;
}

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
  lazyfree_ = std::make_unique<LazyFree>();
  OnConfigChange("notify-keyspace-events");
  OnConfigChange("lazyfree-lazy-expire");
  OnConfigChange("lazyfree-lazy-server-del");
  ApplyOomScoreAdj(*config_, OomClass::kPrimary);  // logged if it fails, as Redis
  aof_ = std::make_unique<Aof>(this);
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
  rdb_ = std::make_unique<Snapshotter>(this);
  lua_ = std::make_unique<LuaEngine>(this);
  config_->on_change = [this](const std::string& name) { return OnConfigChange(name); };
  CalibrateUsedMemory();
  InstallKeyspaceGrowthCheck();
  config_->rewrite_users = [this]() {
    std::vector<std::string> lines;
    if (!config_->GetValue("aclfile").empty()) return lines;  // users live in the ACL file
    for (const auto& [name, u] : acl_->users())
      lines.push_back("user " + name + " " + acl_->Describe(*u));
    return lines;
  };
  ApplyAccessPolicy();
}

std::string Server::UpdateProcTitle() {
  ProcTitleVars v;
  v.title = executable;
  v.listen_addr = fmt::format("{}:{}", config_->bind.empty() ? "*" : config_->bind[0],
                              config_->port);
  v.port = std::to_string(config_->port);
  v.tls_port = config_->GetValue("tls-port");
  v.unixsocket = config_->unixsocket;
  v.config_file = config_->file();
  std::string title;
  if (!ExpandProcTitle(config_->GetValue("proc-title-template"), v, &title))
    return "template format is invalid or contains unknown variables";
  if (config_->GetValue("set-proc-title") == "yes") SetProcTitle(title);
  return "";
}

std::string Server::OnConfigChange(const std::string& name) {
  if (name == "loglevel") {
    static const char* kLevels[] = {"debug", "verbose", "notice", "warning"};
    for (int i = 0; i < 4; ++i)
      if (config_->loglevel == kLevels[i]) Logger::Get().SetLevel(static_cast<LogLevel>(i));
  } else if (name == "appendonly") {
    if (config_->GetValue("appendonly") == "yes") {
      aof_->RefreshConfig();
      if (!aof_->Enable()) return "Unable to turn on AOF. Check server logs.";
    } else {
      aof_->Disable();
    }
  } else if (name == "aof-disable-auto-gc") {
    aof_->DeleteHistoryFiles();  // as Redis's updateAofAutoGCEnabled: gc runs when re-enabled
  } else if (name == "maxmemory-policy" || name == "lfu-log-factor" ||
             name == "lfu-decay-time") {
    ApplyAccessPolicy();
  } else if (name == "requirepass") {
    acl_->UpdateDefaultUserPassword(config_->requirepass);
  } else if (name == "appendfsync" || name == "no-appendfsync-on-rewrite") {
    aof_->RefreshConfig();
  } else if (name == "proc-title-template") {
    return UpdateProcTitle();
  } else if (name == "port" || name == "bind") {
    return RebindTcp(name == "port");
  } else if (name == "maxmemory") {
    if (config_->maxmemory > 0) {
      size_t used = UsedMemory(), skip = MemoryNotCountedForEvict();
      used = used > skip ? used - skip : 0;
      if (MemoryOverLimit(0) > 0)
        Log(LogLevel::kWarning,
            "WARNING: the new maxmemory value set via CONFIG SET ({}) is smaller than the "
            "current memory usage ({}). This will result in key eviction and/or the inability "
            "to accept new write commands depending on the maxmemory-policy.",
            config_->maxmemory, used);
      // Evicted from a timer, after this command (and the transaction it may be part of).
      StartEvictionTimer();
    }
  } else if (name == "rdb-key-save-delay") {
    int64_t v = 0;
    StringToInt64(config_->GetValue("rdb-key-save-delay"), &v);
    ChildProcess::set_key_save_delay_us(v);
  } else if (name == "hz") {
    uv_timer_set_repeat(&cron_timer_, 1000 / config_->hz);
  } else if (name == "oom-score-adj" || name == "oom-score-adj-values") {
    if (!ApplyOomScoreAdj(*config_, OomClass::kPrimary))
      return "Failed to set current oom_score_adj. Check server logs.";
  } else if (name == "lazyfree-lazy-server-del") {
    keyspace_->free_server_del = config_->lazyfree_lazy_server_del ? LazyFreeEntry : nullptr;
  } else if (name == "lazyfree-lazy-expire") {
    keyspace_->free_expired = config_->lazyfree_lazy_expire ? LazyFreeEntry : nullptr;
  } else if (name == "notify-keyspace-events") {
    // The "new" event hooks key creation only while it is enabled.
    keyspace_->on_new_key = (config_->notify_keyspace_events & kNotifyNew) ? OnNewKey : nullptr;
  }
  return "";
}

// The keyspace's hook for lazyfree-lazy-expire / -server-del.
void Server::LazyFreeEntry(void* self, KvEntry* e) {
  static_cast<Server*>(self)->lazyfree_->Free(e);
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
  stats_.startup_memory = UsedMemory();
  int64_t delay = 0;
  StringToInt64(config_->GetValue("rdb-key-save-delay"), &delay);
  ChildProcess::set_key_save_delay_us(delay);
  snprintf(g_temp_rdb, sizeof(g_temp_rdb), "temp-%d.rdb", static_cast<int>(getpid()));
  // As Redis: the manifest is read whatever appendonly says (a later CONFIG SET appendonly yes
  // continues its numbering and retires its files).
  if (!aof_->LoadManifest(err)) return false;
  if (config_->GetValue("appendonly") == "yes") {
    if (!aof_->Start(true, err)) return false;
    aof_->DeleteHistoryFiles();
    return true;
  }
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
    rdb_->last_load_keys_loaded = st.keys_loaded;
    rdb_->last_load_keys_expired = st.keys_expired;
  }
  aof_->DeleteHistoryFiles();
  return true;
}

bool Server::SaveSnapshot(std::string* err) {
  if (!rdb_->Save()) {
    *err = "Error saving DB on disk, check the logs";
    return false;
  }
  return true;
}

void Server::CloseListenerFdsInChild() {
  for (uv_tcp_t* t : listeners_) {
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(t), &fd) == 0) close(fd);
  }
  if (unix_listener_ != nullptr) {
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<uv_handle_t*>(unix_listener_), &fd) == 0) close(fd);
  }
}

bool Server::WritesDeniedByDiskError(std::string* msg) const {
  if (rdb_->WritesDenied()) {
    *msg =
        "MISCONF Redis is configured to save RDB snapshots, but it's currently unable to "
        "persist to disk. Commands that may modify the data set are disabled, because this "
        "instance is configured to report errors during writes if RDB snapshotting fails "
        "(stop-writes-on-bgsave-error option). Please check the Redis logs for details about "
        "the RDB error.";
    return true;
  }
  int e = 0;
  if (aof_->WritesDenied(&e)) {
    *msg = fmt::format("MISCONF Errors writing to the AOF file: {}", strerror(e));
    return true;
  }
  return false;
}

bool Server::ResetRdbAfterFlushAll() {
  rdb_->KillChild();
  if (config_->save.empty()) return false;
  return rdb_->Save();
}

void Server::CheckChildrenDone() {
  int exitcode = 0, bysignal = 0;
  if (!child_.Poll(&exitcode, &bysignal)) return;
  if (child_.type() == ChildType::kRdb) {
    rdb_->OnChildDone(exitcode, bysignal);
  } else if (child_.type() == ChildType::kAof) {
    aof_->OnChildDone(exitcode, bysignal);
  }
  if (bysignal == 0 && exitcode == 0) child_.ReceiveInfo();
  child_.Reset();
}

Server::~Server() = default;

void Server::UpdateClock() {
  auto now = std::chrono::system_clock::now().time_since_epoch();
  now_us_ = std::chrono::duration_cast<std::chrono::microseconds>(now).count();
  now_ms_ = now_us_ / 1000;
}

bool Server::Listen() {
  if (config_->port == 0) {
    // port 0: no TCP listener (unix socket only), as Redis.
    if (config_->unixsocket.empty()) {
      Log(LogLevel::kWarning, "Configured to not listen anywhere, exiting.");
      return false;
    }
    return ListenUnix();
  }
  std::string err;
  if (!ListenTcp(&err)) {
    // As Redis words it: the test suite retries on another port when it sees this.
    Log(LogLevel::kWarning, "Failed listening on port {} (TCP), aborting.", config_->port);
    return false;
  }
  return config_->unixsocket.empty() || ListenUnix();
}

bool Server::ListenTcp(std::string* err) {
  bool any = false;
  for (std::string addr : config_->bind) {
    bool optional = false;
    if (!addr.empty() && addr[0] == '-') {
      optional = true;
      addr = addr.substr(1);
    }
    if (addr == "*") addr = "0.0.0.0";
    if (addr == "::*") addr = "::";
    sockaddr_storage ss{};
    bool v6 = addr.find(':') != std::string::npos;
    int rc = v6 ? uv_ip6_addr(addr.c_str(), config_->port, reinterpret_cast<sockaddr_in6*>(&ss))
                : uv_ip4_addr(addr.c_str(), config_->port, reinterpret_cast<sockaddr_in*>(&ss));
    if (rc != 0) {
      Log(LogLevel::kWarning, "Invalid bind address '{}'", addr);
      *err = "Invalid bind address";
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
      *err = uv_strerror(rc);
      return false;
    }
    listeners_.push_back(t);
    any = true;
  }
  // An empty bind list is no TCP listener at all (unix socket only), as Redis 7.0.
  if (!any && !config_->bind.empty()) *err = "no address to listen on";
  if (any || config_->bind.empty()) listen_bind_ = config_->bind;
  return any || config_->bind.empty();
}

// CONFIG SET port/bind (Redis's changeListener / applyBind): for a new port the new listeners
// come first and the old ones stay if they fail; for new addresses, see below. A failure
// restores the setting.
std::string Server::RebindTcp(bool port_changed) {
  std::vector<uv_tcp_t*> old;
  old.swap(listeners_);
  std::string err;
  if (port_changed) {
    if (config_->port != 0 && !ListenTcp(&err)) {
      CloseTcpListeners(&listeners_);
      listeners_ = std::move(old);
      return "Unable to listen on this port: " + err;
    }
    CloseTcpListeners(&old);
    return "";
  }
  // New addresses on the same port (Redis's applyBind): the old sockets go first (the new
  // set may include them, or a wildcard over them); on failure the old addresses come back.
  std::vector<std::string> previous = listen_bind_;
  CloseTcpListeners(&old);
  if (config_->port == 0 || ListenTcp(&err)) return "";
  CloseTcpListeners(&listeners_);
  std::swap(config_->bind, previous);
  if (!ListenTcp(&err))
    Log(LogLevel::kWarning, "Failed to restore the previous bind addresses: {}", err);
  std::swap(config_->bind, previous);
  return "Failed to bind to specified addresses.";
}

void Server::CloseTcpListeners(std::vector<uv_tcp_t*>* ls) {
  for (uv_tcp_t* t : *ls)
    uv_close(reinterpret_cast<uv_handle_t*>(t),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_tcp_t*>(h); });
  ls->clear();
}

// unixsocket: a stale socket file is removed first, permissions follow unixsocketperm.
bool Server::ListenUnix() {
  const std::string& path = config_->unixsocket;
  unlink(path.c_str());
  auto* p = new uv_pipe_t;
  uv_pipe_init(loop_, p, 0);
  p->data = this;
  int rc = uv_pipe_bind(p, path.c_str());
  if (rc == 0 && config_->unixsocketperm != 0) {
    uv_fs_t req;
    rc = uv_fs_chmod(loop_, &req, path.c_str(), config_->unixsocketperm, nullptr);  // synchronous
    uv_fs_req_cleanup(&req);
    if (rc > 0) rc = 0;
  }
  if (rc == 0) rc = uv_listen(reinterpret_cast<uv_stream_t*>(p), 511, OnConnection);
  if (rc != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(p),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
    Log(LogLevel::kWarning, "Failed opening Unix socket: {}", uv_strerror(rc));
    return false;
  }
  unix_listener_ = p;
  unix_socket_path_ = path;
  return true;
}

void Server::CloseListeners() {
  CloseTcpListeners(&listeners_);
  if (unix_listener_ != nullptr) {
    uv_close(reinterpret_cast<uv_handle_t*>(unix_listener_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_pipe_t*>(h); });
    unix_listener_ = nullptr;
  }
  if (!unix_socket_path_.empty()) {
    Log(LogLevel::kNotice, "Removing the unix socket file.");
    unlink(unix_socket_path_.c_str());
    unix_socket_path_.clear();
  }
}

void Server::OnConnection(uv_stream_t* listener, int status) {
  auto* s = static_cast<Server*>(listener->data);
  if (status < 0) return;
  bool unix_socket = listener->type == UV_NAMED_PIPE;
  auto* c = new Connection(s, s->next_client_id_++, false, unix_socket);
  if (uv_accept(listener, c->handle()) != 0) {
    uv_close(reinterpret_cast<uv_handle_t*>(c->handle()),
             [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
    return;
  }
  s->AdoptConnection(c, unix_socket);
}

void Server::AdoptConnection(Connection* c, bool unix_socket) {
  Server* s = this;
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
  std::string pip;
  if (unix_socket) {
    // Redis names both ends of a unix socket connection "<unixsocket path>:0".
    c->peer = c->local = s->unix_socket_path_ + ":0";
  } else {
    auto* tcp = reinterpret_cast<uv_tcp_t*>(c->handle());
    uv_tcp_getpeername(tcp, reinterpret_cast<sockaddr*>(&ss), &len);
    auto [ip, pport] = fmt_addr(ss);
    pip = ip;
    c->peer = fmt::format("{}:{}", pip, pport);
    len = sizeof(ss);
    uv_tcp_getsockname(tcp, reinterpret_cast<sockaddr*>(&ss), &len);
    auto [lip, lport] = fmt_addr(ss);
    c->local = fmt::format("{}:{}", lip, lport);
  }
  ++s->stats_.total_connections;
  s->clients_[c->id()] = c;
  if (s->clients_.size() > static_cast<size_t>(s->config_->maxclients)) {
    ++s->stats_.rejected_connections;
    c->writer().Error("ERR max number of clients reached");
    c->CloseAfterReply();
    s->ScheduleFlush(c);
    return;
  }
  bool loopback =
      unix_socket || pip == "127.0.0.1" || pip == "::1" || pip.rfind("127.", 0) == 0;
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
  RequestReplicaAcks();
  if (!close_asap_.empty()) CloseClientsOverLimit();
  // DEBUG AOF-FLUSH-SLEEP: as Redis, a pause before buffered AOF changes are written.
  if (aof_flush_sleep_us > 0 && !aof_buf_.empty())
    usleep(static_cast<useconds_t>(aof_flush_sleep_us));
  // The write barrier: changes reach the AOF (and, with appendfsync always, the disk) before
  // any reply to them is sent.
  if (aof_->enabled()) aof_->Flush();
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
  if (now_ms_ - stats_.ops_rate.last_ms >= 100) {
    stats_.ops_rate.Sample(stats_.total_commands, now_ms_);
    stats_.input_rate.Sample(stats_.net_input_bytes, now_ms_);
    stats_.output_rate.Sample(stats_.net_output_bytes, now_ms_);
    stats_.peak_memory = std::max(stats_.peak_memory, UsedMemory());
  }
  // Active expiry: at most 25% of a cron period, scaled by active-expire-effort.
  int64_t budget_us = 1000000 / config_->hz / 4 * (config_->active_expire_effort + 3) / 4;
  keyspace_->ActiveExpireCycle(now_ms_, budget_us);
  if (!ready_keys_.empty()) HandleReadyKeys();  // an expired stream fails its XREADGROUP clients
  // As Redis's databasesCron: no resizing or incremental rehashing while a child saves (it
  // would only copy pages the child still shares).
  if (!child_.active()) keyspace_->RehashStep(1000);
  if (pause_end_ms != 0 && now_ms_ >= pause_end_ms) Unpause();
  if (tracking_->clients() > 0) tracking_->LimitUsedSlots();
  // Clients that stay over a soft output limit without new traffic are dropped too.
  if (config_->obuf_normal.soft != 0 ||
      pubsub_->channel_count(false) + pubsub_->channel_count(true) + pubsub_->pattern_count())
    CheckSoftOutputLimits();
  PingReplicas();
  if (config_->timeout > 0) {
    std::vector<Connection*> idle;
    for (auto& [id, c] : clients_)
      if (!c->monitor && !c->subscribed() &&
          now_ms_ - c->last_interaction_ms > config_->timeout * 1000)
        idle.push_back(c);
    for (Connection* c : idle) c->Close();
  }
  if (g_shutdown_asap && !shutting_down_) HandleShutdownSignal();
  if (shutdown_asap) {
    std::string err;
    Shutdown(ShutdownMode::kDefault, false, &err);
  }
  if (shutting_down_) return;

  // Background children (Redis's serverCron order): a scheduled AOF rewrite, then the child's
  // completion or, with none running, save points and the automatic AOF rewrite.
  aof_->CronScheduled();
  if (child_.active()) {
    if (now_ms_ - last_child_info_ms_ >= 1000) {
      last_child_info_ms_ = now_ms_;
      child_.ReceiveInfo();
    }
    CheckChildrenDone();
  } else {
    rdb_->Cron();
    aof_->CronAutoRewrite();
  }
  aof_->CronRetryWrite();
  if (cron_loops_ % static_cast<uint64_t>(config_->hz) == 0) MigrateCloseIdleSockets(now_ms_);
  // A BGSAVE scheduled while another child ran (BGSAVE SCHEDULE, or one inside EXEC).
  if (!child_.active() && rdb_->scheduled &&
      (rdb_->last_bgsave_ok || now_ms_ / 1000 - rdb_->last_bgsave_try_s > 5)) {
    if (rdb_->BgSave()) rdb_->scheduled = false;
  }
}

std::string_view Server::ClientType(const Connection& c) const {
  if (std::find(replicas_.begin(), replicas_.end(), &c) != replicas_.end()) return "slave";
  return c.subscribed() ? "pubsub" : "normal";
}

void Server::CheckOutputLimit(Connection& c) {
  // The normal and pubsub classes are enforced (replicas are streamed without a limit yet).
  if (c.closing() || c.close_asap || c.fake()) return;
  const OutputBufferLimit& lim = c.subscribed() ? config_->obuf_pubsub : config_->obuf_normal;
  if (lim.hard == 0 && lim.soft == 0) return;
  if (std::find(replicas_.begin(), replicas_.end(), &c) != replicas_.end()) return;
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
  if (over) CloseAsap(c);
}

void Server::CloseAsap(Connection& c) {
  if (c.close_asap) return;
  Log(LogLevel::kWarning,
      "Client id={} addr={} name={} scheduled to be closed ASAP for overcoming of output "
      "buffer limits.",
      c.id(), c.peer, c.name);
  c.close_asap = true;
  close_asap_.push_back(c.id());
}

bool Server::ReplyOverLimit(Connection& c) {
  // Without a configured limit a reply still stops at 1 GiB (it would grow until memory runs
  // out; Redis has no such stop).
  constexpr size_t kMaxReplyBytes = size_t{1} << 30;
  CheckOutputLimit(c);
  if (!c.close_asap && c.output_bytes() > kMaxReplyBytes) CloseAsap(c);
  return c.close_asap;
}

void Server::CheckSoftOutputLimits() {
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
  keyspace_->expire_deletes_paused = false;
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

void Server::OnShutdownSignal(int signum) {
  // A second SIGINT while the shutdown is under way (saving, say): exit at once, as Redis.
  if (g_shutdown_asap && signum == SIGINT) {
    static const char kMsg[] = "You insist... exiting now.\n";
    ssize_t ignored = write(STDOUT_FILENO, kMsg, sizeof(kMsg) - 1);
    (void)ignored;
    unlink(g_temp_rdb);
    _exit(1);
  }
  g_shutdown_asap = 1;
  g_last_signal = signum;
}

void Server::HandleShutdownSignal() {
  int signum = g_last_signal;
  Log(LogLevel::kWarning, "Received {} scheduling shutdown...",
      signum == SIGINT ? "SIGINT" : "SIGTERM");
  std::string how = config_->GetValue(signum == SIGINT ? "shutdown-on-sigint"
                                                        : "shutdown-on-sigterm");
  ShutdownMode mode = ShutdownMode::kDefault;
  if (how.find("nosave") != std::string::npos) {
    mode = ShutdownMode::kNoSave;
  } else if (how.find("save") != std::string::npos) {
    mode = ShutdownMode::kSave;
  }
  bool force = how.find("force") != std::string::npos;
  std::string err;
  Shutdown(mode, force, &err);
}

// While loading (Redis's whileBlockedCron): a signal or a SHUTDOWN ends the process at once,
// without saving the half-loaded dataset.
void Server::ExitIfShutdownWhileLoading() {
  if (!loading()) return;
  if (g_shutdown_asap && !shutting_down_) {
    Log(LogLevel::kWarning, "Received shutdown signal during loading, scheduling shutdown.");
    std::string err;
    if (!Shutdown(ShutdownMode::kNoSave, false, &err)) {
      Log(LogLevel::kWarning,
          "SIGTERM received but errors trying to shut down the server, check the logs for "
          "more information");
    }
  }
  if (shutting_down_) {
    if (!unix_socket_path_.empty()) unlink(unix_socket_path_.c_str());
    exit(0);
  }
}

bool Server::AbortShutdown() {
  if (!g_shutdown_asap) return false;
  g_shutdown_asap = 0;
  g_last_signal = 0;
  Log(LogLevel::kNotice, "Shutdown manually aborted.");
  return true;
}

bool Server::Shutdown(ShutdownMode mode, bool force, std::string* err) {
  if (shutting_down_) return true;
  Log(LogLevel::kWarning, "User requested shutdown...");
  // A BGSAVE child could overwrite the final save: it goes first. So does an AOF rewrite (the
  // AOF already holds everything), unless it is the first one of an AOF just turned on.
  if (child_.type() == ChildType::kRdb) {
    Log(LogLevel::kWarning, "There is a child saving an .rdb. Killing it!");
    rdb_->KillChild();
  }
  // A half-loaded dataset is never saved (Redis: SHUTDOWN during loading is NOSAVE).
  bool save = !loading() && (mode == ShutdownMode::kSave ||
                             (mode == ShutdownMode::kDefault && !config_->save.empty()));
  if (child_.type() == ChildType::kAof) {
    if (aof_->state() == Aof::State::kWaitRewrite) {
      if (force) {
        Log(LogLevel::kWarning, "Writing initial AOF. Exit anyway.");
      } else {
        Log(LogLevel::kWarning, "Writing initial AOF, can't exit.");
        goto error;
      }
    }
    Log(LogLevel::kWarning, "There is a child rewriting the AOF. Killing it!");
    aof_->KillChild();
  }
  if (aof_->enabled()) {
    Log(LogLevel::kNotice, "Calling fsync() on the AOF file.");
    aof_->FlushAndSync();
  }
  if (save) {
    Log(LogLevel::kNotice, "Saving the final RDB snapshot before exiting.");
    if (!rdb_->Save()) {
      if (force) {
        Log(LogLevel::kWarning, "Error trying to save the DB. Exit anyway.");
      } else {
        Log(LogLevel::kWarning, "Error trying to save the DB, can't exit.");
        goto error;
      }
    }
  }
  shutting_down_ = true;
  if (!config_->pidfile.empty()) {
    Log(LogLevel::kNotice, "Removing the pid file.");
    unlink(config_->pidfile.c_str());
  }
  Log(LogLevel::kWarning, "Redis is now ready to exit, bye bye...");
  // Flush what is already queued, then stop the loop.
  FlushPending();
  uv_stop(loop_);
  return true;

error:
  Log(LogLevel::kWarning,
      "Errors trying to shut down the server. Check the logs for more information.");
  g_shutdown_asap = 0;
  g_last_signal = 0;
  *err = "Errors trying to SHUTDOWN. Check logs.";
  return false;
}

void Server::InstallSignalHandlers() {
  struct sigaction act {};
  sigemptyset(&act.sa_mask);
  act.sa_handler = OnShutdownSignal;
  sigaction(SIGTERM, &act, nullptr);
  sigaction(SIGINT, &act, nullptr);
  signal(SIGPIPE, SIG_IGN);
}

int Server::Run() {
  uv_timer_init(loop_, &cron_timer_);
  cron_timer_.data = this;
  uv_timer_start(&cron_timer_, OnCron, 1000 / config_->hz, 1000 / config_->hz);
  uv_timer_init(loop_, &block_timer_);
  block_timer_.data = this;
  uv_timer_init(loop_, &evict_timer_);
  evict_timer_.data = this;
  uv_check_init(loop_, &check_);
  check_.data = this;
  uv_check_start(&check_, OnCheck);
  uv_prepare_init(loop_, &prepare_);
  prepare_.data = this;
  uv_prepare_start(&prepare_, OnPrepare);
  InstallSignalHandlers();
  if (!config_->pidfile.empty()) {
    std::ofstream(config_->pidfile) << getpid() << "\n";
  }
  Log(LogLevel::kNotice, "Ready to accept connections");
  if (!unix_socket_path_.empty())
    Log(LogLevel::kNotice, "The server is now ready to accept connections at {}",
        unix_socket_path_);
  uv_run(loop_, UV_RUN_DEFAULT);
  CloseListeners();
  return exit_code;
}

bool Server::debug_allowed(const Connection& c) const {
  return protected_command_allowed(c, config_->enable_debug_command);
}

bool Server::protected_command_allowed(const Connection& c, const std::string& v) const {
  if (v == "yes") return true;
  if (v == "local")
    return c.is_unix_socket() || c.peer.rfind("127.0.0.1:", 0) == 0 ||
           c.peer.rfind("::1:", 0) == 0;
  return false;
}

namespace {

#ifndef SABLE_NO_JEMALLOC
// jemalloc's cumulative bytes allocated and freed by the calling (loop) thread: the exact
// bytes the server asked for, like Redis's zmalloc counter, read with two loads.
const volatile uint64_t* g_thread_allocated = nullptr;
const volatile uint64_t* g_thread_deallocated = nullptr;

int64_t ThreadNetAllocated() {
  if (g_thread_allocated == nullptr) {
    uint64_t* a = nullptr;
    uint64_t* d = nullptr;
    size_t sz = sizeof(a);
    if (mallctl("thread.allocatedp", &a, &sz, nullptr, 0) != 0 ||
        mallctl("thread.deallocatedp", &d, &sz, nullptr, 0) != 0)
      return 0;
    g_thread_allocated = a;
    g_thread_deallocated = d;
  }
  return static_cast<int64_t>(*g_thread_allocated - *g_thread_deallocated);
}
#endif

}  // namespace

// What was allocated before the loop thread's counters are read (and by other threads, which
// allocate next to nothing) comes from the allocator's total once, at start.
void Server::CalibrateUsedMemory() {
#ifndef SABLE_NO_JEMALLOC
  uint64_t epoch = 1;
  size_t sz = sizeof(epoch);
  mallctl("epoch", &epoch, &sz, &epoch, sz);
  size_t allocated = 0;
  sz = sizeof(allocated);
  if (mallctl("stats.allocated", &allocated, &sz, nullptr, 0) == 0)
    memory_baseline_ = static_cast<int64_t>(allocated) - ThreadNetAllocated();
#endif
}

size_t Server::UsedMemory() const {
#ifndef SABLE_NO_JEMALLOC
  int64_t v = memory_baseline_ + ThreadNetAllocated() + lazyfree_->net_allocated();
  return v > 0 ? static_cast<size_t>(v) : 0;
#elif defined(SABLE_SANITIZER_ALLOCATOR)
  return __sanitizer_get_current_allocated_bytes();
#else
  return UsedMemoryRss();
#endif
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

void Server::LatencyAddSampleIfNeeded(const std::string& event, int64_t ms) {
  if (config_->latency_monitor_threshold > 0 && ms >= config_->latency_monitor_threshold)
    LatencyAddSample(event, ms);
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
