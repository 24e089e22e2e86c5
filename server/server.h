// The process: the libuv loop, listeners, clients, databases, command table, cron, stats,
// slowlog and latency monitor. Owns everything; no globals. Commands reach it through
// CommandContext::server.
#pragma once

#include <uv.h>

#include <cstdint>
#include <deque>
#include <map>
#include <set>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "datastructs/hash.h"
#include "server/child.h"
#include "server/command_table.h"
#include "server/config.h"
#include "server/keyspace.h"
#include "server/lazyfree.h"
#include "server/reply_writer.h"
#include "server/tick_clock.h"

namespace sable {

class Connection;
class Aof;
class Acl;
class Snapshotter;
class LuaEngine;
class PubSub;
class Tracking;

struct SlowlogEntry {
  uint64_t id;
  int64_t time_s;
  int64_t duration_us;
  std::vector<std::string> args;
  std::string peer, name;
};

struct LatencySample {
  int64_t time_s;
  int64_t ms;
};

struct LatencyEvent {
  std::deque<LatencySample> samples;  // last 160
  int64_t max_ms = 0;
};

// A dataset being loaded (startup, DEBUG RELOAD, DEBUG LOADAOF): INFO's loading_* fields and
// when the loader next lets clients in (see server/loading.cc).
struct LoadingState {
  int depth = 0;  // nested loads (an AOF whose base is an RDB image) count once
  int64_t start_s = 0;
  uint64_t total_bytes = 0;
  uint64_t loaded_bytes = 0;
  uint64_t rdb_used_mem = 0;     // the image's used-mem AUX field
  uint64_t next_events_at = 0;   // loaded_bytes at which events are processed next
  uint64_t events_interval = 0;  // loading-process-events-interval-bytes
  int64_t key_delay_us = 0;      // key-load-delay (testing knob; < 0: 1us every -n keys)
};

// Redis's instantaneous metrics: a per-second rate, the mean of the last 16 samples taken
// every 100 ms by the cron.
struct RateSampler {
  void Sample(uint64_t value, int64_t now_ms);
  uint64_t PerSecond() const;
  int64_t last_ms = 0;
  uint64_t last_value = 0;
  uint64_t samples[16] = {};
  unsigned idx = 0;
};

struct ServerStats : public ErrorSink {
  uint64_t total_connections = 0;
  uint64_t rejected_connections = 0;
  uint64_t total_commands = 0;
  uint64_t net_input_bytes = 0;
  uint64_t net_output_bytes = 0;
  uint64_t total_error_replies = 0;
  uint64_t unexpected_error_replies = 0;
  uint64_t dirty = 0;  // changes since last save
  std::map<std::string, uint64_t> errors;  // errorstats
  RateSampler ops_rate, input_rate, output_rate;  // instantaneous_* in INFO
  uint64_t evicted_keys = 0;
  size_t peak_memory = 0;     // used_memory_peak
  size_t startup_memory = 0;  // used_memory_startup: allocated before any data
  void CountError(std::string_view code) override;
};

class Server {
 public:
  explicit Server(Config* config);
  ~Server();

  // Binds listeners (TCP, and the unixsocket if configured); returns false (error logged) if
  // it cannot.
  bool Listen();
  int Run();  // runs the loop until shutdown; returns exit code
  enum class ShutdownMode { kDefault, kSave, kNoSave };
  // Saves if asked (or if save points exist, by default), flushes the AOF and stops the loop.
  // False (with *err) if the final save failed and `force` is not set: the server keeps going.
  bool Shutdown(ShutdownMode mode, bool force, std::string* err);
  // SHUTDOWN ABORT: cancels a shutdown a signal asked for and the cron has not started yet.
  bool AbortShutdown();

  // Dispatch one parsed command for `c` (the single request pipeline).
  void Execute(Connection& c, ArgList args);
  // Runs a command that passed every check (also used by EXEC for queued commands).
  void Call(Connection& c, const CommandSpec& spec, ArgList args);

  // WATCH bookkeeping: keys written by a command invalidate the transactions watching them.
  void Watch(Connection& c, int db, std::string_view key);
  void UnwatchAll(Connection& c);
  void TouchWatchedKey(int db, std::string_view key, bool being_deleted);
  // EXEC: a key watched while it was live has expired since.
  bool WatchedKeyExpired(Connection& c);
  // A handler that names exactly which keys it modified (SignalModifiedKey in util.h) turns
  // off the fallback of invalidating every key argument of a write that changed data.
  bool keys_signaled = false;
  void TouchWatchedDb(int db, int replaced_with);  // FLUSHDB / FLUSHALL (-1), SWAPDB

  // A key was modified (Redis's signalModifiedKey): WATCH and client-side caching
  // invalidation. `by` is the client whose command changed it (nullptr: expiry, eviction).
  void SignalModifiedKey(Connection* by, int db, std::string_view key);
  // FLUSHDB/FLUSHALL (db -1): WATCH and a "flush everything" invalidation for tracking clients.
  void SignalFlushedDb(int db);
  // Publishes a keyspace event when its class is enabled (notify-keyspace-events; the
  // classes are NotifyFlag bits of server/notify.h).
  void NotifyKeyspaceEvent(int type, std::string_view event, std::string_view key, int db) {
    if (config_->notify_keyspace_events & type) PublishKeyspaceEvent(event, key, db);
  }
  PubSub& pubsub() { return *pubsub_; }
  Tracking& tracking() { return *tracking_; }
  LazyFree& lazyfree() { return *lazyfree_; }
  // The client whose command is being processed (nullptr in cron and loop callbacks).
  Connection* current_client() const { return current_client_; }
  // True while a command handler runs (including the commands of an EXEC).
  bool in_call() const { return call_depth_ > 0; }
  // Pub/Sub clients over client-output-buffer-limit are closed before the next flush.
  void CheckOutputLimit(Connection& c);
  void CloseAsap(Connection& c);
  // For commands building a huge reply (KEYS, *RANDFIELD/MEMBER with a large count), checked
  // every so many elements: the client went over its output limit and is being closed.
  bool ReplyOverLimit(Connection& c);
  // "normal", "slave" or "pubsub" (CLIENT LIST/KILL TYPE, output buffer classes).
  std::string_view ClientType(const Connection& c) const;
  bool cron_paused = false;  // DEBUG PAUSE-CRON

  Config& config() { return *config_; }
  Keyspace& keyspace() { return *keyspace_; }
  CommandTable& commands() { return commands_; }
  Acl& acl() { return *acl_; }
  ServerStats& stats() { return stats_; }
  uv_loop_t* loop() { return loop_; }
  int64_t now_ms() const { return now_ms_; }
  int64_t now_us() const { return now_us_; }
  void UpdateClock();
  int64_t start_time_s() const { return start_time_s_; }
  const std::string& run_id() const { return run_id_; }
  uint64_t cron_loops() const { return cron_loops_; }

  // Clients.
  const std::unordered_map<uint64_t, Connection*>& clients() const { return clients_; }
  Connection* FindClient(uint64_t id);
  void ScheduleFlush(Connection* c);
  void RemoveClient(Connection* c);
  std::string ClientInfoLine(const Connection& c) const;

  // MONITOR feed.
  void FeedMonitors(const Connection& c, ArgList args);
  std::vector<Connection*>& monitors() { return monitors_; }

  // Slowlog / latency.
  std::deque<SlowlogEntry>& slowlog() { return slowlog_; }
  uint64_t next_slowlog_id = 0;
  std::map<std::string, LatencyEvent>& latency_events() { return latency_; }
  void LatencyAddSample(const std::string& event, int64_t ms);
  // Adds the sample if latency-monitor-threshold is set and reached.
  void LatencyAddSampleIfNeeded(const std::string& event, int64_t ms);

  // Propagation (server/propagator.cc): a write that changed data is fed verbatim to the AOF
  // and replicas unless its handler described its effect with PropagateAs (one call per
  // command to feed, e.g. SET ... PXAT for SET ... EX).
  void PropagateAs(int db, std::vector<std::string> args);
  // Fed to replicas only, never to the AOF (PUBLISH, as Redis's PROPAGATE_REPL).
  void PropagateToReplicas(int db, ArgList args);
  // Whether anything consumes the feed (AOF on or replicas attached).
  bool propagating() const { return aof_on_ || !replicas_.empty(); }
  void FeedChange(int db, ArgList args, bool replicas_only = false);
  void FlushPropagation(bool wrap_in_multi);
  // Effects queued so far, and dropping those queued after a point (redis.set_repl).
  size_t prop_queue_size() const { return prop_queue_.size(); }
  void DropPropagation(size_t keep) {
    if (prop_queue_.size() > keep) prop_queue_.resize(keep);
  }
  void AddReplica(Connection* c);
  // Replication offsets (server/replication/primary.cc): bytes fed to replicas so far, and
  // how many replicas acknowledged at least `offset`.
  int64_t repl_offset() const { return repl_offset_; }
  size_t ReplicasAcked(int64_t offset) const;
  const std::vector<Connection*>& replicas() const { return replicas_; }
  // A replica acknowledged an offset: WAIT clients it satisfies are answered.
  void ReplicaAck(Connection& replica, int64_t offset);
  // WAIT blocks `c` until `n` replicas acknowledge the current offset (REPLCONF GETACK is
  // sent to them before the loop sleeps).
  void WaitForReplicas(Connection& c, int64_t n);
  // Cron: PING to replicas every repl-ping-replica-period seconds.
  void PingReplicas();
  void RequestReplicaAcks();
  std::string& aof_buffer() { return aof_buf_; }
  void ResetAofFeed(bool on) {
    aof_on_ = on;
    aof_db_ = -1;
  }
  bool aof_feeding() const { return aof_on_; }
  Aof* aof() { return aof_.get(); }
  // Loads persisted data before listening: the AOF when appendonly is on, else dump.rdb.
  bool LoadData(std::string* err);
  // Synchronous save (DEBUG RELOAD). Updates lastsave and the dirty counter on success.
  bool SaveSnapshot(std::string* err);
  Snapshotter& rdb() { return *rdb_; }
  // The background child (BGSAVE / AOF rewrite), see child.h.
  ChildProcess& child() { return child_; }
  // In a forked child: close the listening sockets (the port stays the parent's alone).
  void CloseListenerFdsInChild();
  // Redis's writeCommandsDeniedByDiskError: fills *msg with the -MISCONF error when writes
  // (and PING) must be refused because the last RDB or AOF write failed.
  bool WritesDeniedByDiskError(std::string* msg) const;
  // FLUSHALL: stops a BGSAVE child and, with save points, saves the empty dataset at once.
  // True if it saved (the change counter is then 0).
  bool ResetRdbAfterFlushAll();
  // Applies a changed setting; a non-empty result is the reason it could not be (CONFIG SET
  // then restores the old value).
  std::string OnConfigChange(const std::string& name);
  int exec_depth = 0;  // >0 while EXEC replays its queue (or a script runs commands)
  // Lua scripting (server/lua_engine.h).
  LuaEngine& lua() { return *lua_; }
  // Set by a handler whose error reply was not counted in the error stats (already counted
  // by the command a script ran) so that the command still counts as failed.
  bool mark_failed = false;
  // While a script runs, its commands see the time it started (Redis's script time snapshot).
  int64_t script_time_ms = 0;
  size_t replica_count() const { return replicas_.size(); }
  bool EnoughGoodReplicas() const;
  // Errors a script's commands got before running (rejections): counted, but not as EVAL's.
  void AddNestedErrors(uint64_t n) { nested_errors_ += n; }
  // Records the latest call's latency sample, still held back (see pending_latency_); called
  // before the histograms are read or reset.
  void FlushLatencySample();

  // Blocking commands (see blocking.h). A handler with nothing to serve calls BlockClient and
  // returns without replying; in MULTI it must reply with its timeout value instead.
  // `timeout_ms` is absolute (0 = forever).
  void BlockClient(Connection& c, int db, const std::vector<std::string_view>& keys,
                   ObjType type, int64_t deadline_ms, bool null_array, const CommandSpec& spec,
                   ArgList args, bool wake_on_delete = false);
  // True while `c`'s blocked command is being run again because a key became ready.
  bool reprocessing(const Connection& c) const { return reprocessing_ == &c; }
  // A push/add made `key` ready: blocked clients are served after the current command.
  void SignalKeyReady(int db, std::string_view key);
  // After SWAPDB: every key a client waits on in `db` that now holds data becomes ready.
  void SignalReadyKeysInDb(int db);
  // Unblocks `c` with the timeout reply (or an -UNBLOCKED error); false if not blocked.
  bool UnblockClient(Connection& c, bool with_error);
  size_t blocked_clients() const { return blocked_count_; }
  // Parses a blocking timeout argument (seconds, double) into an absolute deadline.
  bool ParseTimeout(ReplyWriter& w, std::string_view arg, int64_t* deadline_ms);
  void HandleReadyKeys();

  // Loading (server/loading.cc). While a load runs, clients are accepted and served every
  // loading-process-events-interval-bytes: commands without the `loading` flag get -LOADING.
  bool loading() const { return loading_.depth > 0; }
  const LoadingState& loading_state() const { return loading_; }
  void StartLoading(uint64_t total_bytes);
  void StopLoading(bool ok);
  // The loader consumed `n` more bytes. True when clients are due to be served: the loader
  // then makes what it loaded so far visible and calls LoadingProcessEvents.
  bool LoadingAdvance(uint64_t n) {
    loading_.loaded_bytes += n;
    return loading_.loaded_bytes >= loading_.next_events_at;
  }
  void LoadingProcessEvents();
  // Called once per key loaded: applies key-load-delay.
  void LoadingKeyDelay() {
    if (loading_.key_delay_us != 0) DebugDelay(loading_.key_delay_us);
  }
  void set_loading_rdb_used_mem(uint64_t v) { loading_.rdb_used_mem = v; }
  // Serves clients from inside a long operation (a load, a script past busy-reply-threshold):
  // pending replies go out, new connections are accepted, and whatever the clients sent is
  // read and answered. Clients with a command in execution are left alone.
  void ProcessEventsWhileBlocked();
  // Installs the SIGTERM/SIGINT handlers (before loading: a signal then stops the load).
  void InstallSignalHandlers();

  // Batches of commands from one read share a tick chain for command timing.
  void BeginBatch() {
    in_batch_ = true;
    last_tick_ = TickClock::Now();
  }
  void EndBatch() { in_batch_ = false; }

  // CLIENT PAUSE.
  int64_t pause_end_ms = 0;
  bool pause_all = false;  // false = WRITE
  bool IsPaused(const CommandSpec& spec) const;
  void Unpause();

  // maxmemory (server/evict.cc). kRunning: over the limit, a timer keeps evicting.
  enum class EvictResult { kOk, kRunning, kFail };
  EvictResult PerformEvictions();
  // How far used memory (plus `more`), minus what Redis leaves out of the limit (the AOF
  // buffer), is over maxmemory; 0 when under it or without a limit.
  size_t MemoryOverLimit(size_t more) const;
  bool OverMaxmemory() const { return MemoryOverLimit(0) > 0; }
  void InstallKeyspaceGrowthCheck();  // once, by the constructor
  size_t MemoryNotCountedForEvict() const;
  // Memory figures from the allocator. UsedMemory is cheap (see server.cc): the limit is
  // checked before every command.
  size_t UsedMemory() const;
  void CalibrateUsedMemory();  // once, at start
  size_t UsedMemoryRss() const;
  std::string AllocatorName() const;

  // Debug knobs.
  bool shutdown_asap = false;
  bool shutting_down() const { return shutting_down_; }
  int exit_code = 0;
  bool debug_allowed(const Connection& c) const;
  // enable-debug-command / enable-module-command style settings: "yes", "local" or "no".
  bool protected_command_allowed(const Connection& c, const std::string& setting) const;
  std::string executable;
  // Sets the process title from proc-title-template; the reason if the template is invalid.
  std::string UpdateProcTitle();
  std::string config_file;
  // DEBUG AOF-FLUSH-SLEEP: microseconds to sleep before each write of buffered AOF changes.
  int64_t aof_flush_sleep_us = 0;

 private:
  static void OnConnection(uv_stream_t* server, int status);
  // A connection whose socket is open: names its ends, applies maxclients and protected mode,
  // starts reading.
  void AdoptConnection(Connection* c, bool unix_socket);
  // Accepts what a listener holds outside the loop (ProcessEventsWhileBlocked).
  void AcceptPending(uv_stream_t* listener, bool unix_socket);
  void ExitIfShutdownWhileLoading();
  static void DebugDelay(int64_t us);
  LoadingState loading_;
  // Eviction state (server/evict.cc).
  struct EvictCandidate {
    uint64_t idle;  // higher: better to evict
    int db;
    std::string key;
  };
  static constexpr size_t kEvictPoolSize = 16;
  std::vector<EvictCandidate> evict_pool_;  // ascending idle; the best candidate last
  uint64_t evict_rng_ = 0x9E3779B97F4A7C15ull;
  int evict_next_db_ = 0;
  int64_t memory_baseline_ = 0;
  uv_timer_t evict_timer_;
  bool evict_timer_on_ = false;
  void EvictionPoolPopulate(int db, bool volatile_only, bool lfu_mode, bool ttl_mode,
                            size_t samples);
  void StartEvictionTimer();
  static void OnEvictTimer(uv_timer_t* t);
  static void OnCron(uv_timer_t* t);
  static void OnCheck(uv_check_t* h);
  static void OnPrepare(uv_prepare_t* h);
  static void OnShutdownSignal(int signum);
  void Cron();
  void CheckChildrenDone();
  void HandleShutdownSignal();
  void FlushPending();
  void CloseListeners();
  bool ListenUnix();
  bool ListenTcp(std::string* err);
  std::string RebindTcp(bool port_changed);
  std::vector<std::string> listen_bind_;  // the addresses the TCP listeners were made for
  static void CloseTcpListeners(std::vector<uv_tcp_t*>* ls);
  void ResumePaused();

  Config* config_;
  uv_loop_t* loop_;
  HashSeed seed_;
  std::unique_ptr<Keyspace> keyspace_;
  std::unique_ptr<Aof> aof_;
  std::unique_ptr<Snapshotter> rdb_;
  ChildProcess child_;
  int64_t last_child_info_ms_ = 0;
  std::unique_ptr<LuaEngine> lua_;
  uint64_t nested_errors_ = 0;  // error replies of commands run by scripts, EXEC
  // The latest call's latency sample, recorded at the end of the next call (or by
  // FlushLatencySample): its duration is then long known, so the histogram update adds no
  // latency to the dependency chain that ends every command.
  CommandStats* pending_latency_ = nullptr;
  int64_t pending_latency_us_ = 0;
  CommandTable commands_;
  std::unique_ptr<Acl> acl_;
  ServerStats stats_;
  std::vector<uv_tcp_t*> listeners_;
  uv_pipe_t* unix_listener_ = nullptr;  // the unixsocket listener, if configured
  std::string unix_socket_path_;        // the unixsocket we created (removed at exit)
  uv_timer_t cron_timer_;
  uv_check_t check_;
  uv_prepare_t prepare_;
  std::unordered_map<uint64_t, Connection*> clients_;
  std::vector<Connection*> pending_flush_;
  uint64_t flush_generation_ = 1;
  std::vector<Connection*> monitors_;
  std::map<std::pair<int, std::string>, std::vector<Connection*>, std::less<>> watched_keys_;
  std::map<std::pair<int, std::string>, std::deque<Connection*>, std::less<>> blocking_keys_;
  std::vector<std::pair<int, std::string>> ready_keys_;
  std::set<std::pair<int64_t, uint64_t>> block_deadlines_;  // (deadline, client id)
  uv_timer_t block_timer_;
  size_t blocked_count_ = 0;
  static void OnKeyExpired(void* self, int db, std::string_view key);
  void ApplyAccessPolicy();  // maxmemory-policy / lfu-* settings into the keyspace
  static void OnNewKey(void* self, int db, std::string_view key);
  static void LazyFreeEntry(void* self, KvEntry* e);
  void PublishKeyspaceEvent(std::string_view event, std::string_view key, int db);
  void CloseClientsOverLimit();
  void CheckSoftOutputLimits();
  const CommandSpec* Dispatch(Connection& c, ArgList args);
  void Reject(Connection& c, const CommandSpec& spec, const CommandSpec& top,
              std::string_view msg);
  bool IsWrite(const Connection& c, uint32_t flags, const CommandSpec& top) const;
  bool PausedNow(const Connection& c, const CommandSpec& spec, const CommandSpec& top,
                 ArgList args) const;
  bool DeniedOnOom(const Connection& c, const CommandSpec& spec, const CommandSpec& top,
                   ArgList args) const;
  std::unique_ptr<PubSub> pubsub_;
  std::unique_ptr<Tracking> tracking_;
  std::unique_ptr<LazyFree> lazyfree_;
  Connection* current_client_ = nullptr;
  int call_depth_ = 0;
  std::vector<uint64_t> close_asap_;  // client ids over their output buffer limit
  struct PropEntry {
    int db;  // -2: PropagateNothing marker
    std::vector<std::string> args;
    bool replicas_only = false;
  };
  std::vector<PropEntry> prop_queue_;
  bool prop_replaced_ = false;
  bool aof_on_ = false;
  std::string aof_buf_;
  int aof_db_ = -1;
  int64_t aof_cur_timestamp_ = 0;  // second of the last #TS: annotation fed to the AOF
  std::vector<Connection*> replicas_;
  int repl_db_ = -1;
  int64_t repl_offset_ = 0;
  int64_t last_replica_ping_ms_ = 0;
  std::vector<Connection*> waiting_acks_;  // clients blocked in WAIT
  bool getack_pending_ = false;
  void FeedReplicas(int db, ArgList args);
  bool in_batch_ = false;
  uint64_t last_tick_ = 0;
  Connection* reprocessing_ = nullptr;  // client whose blocked command is being re-run
  bool reblocked_ = false;
  bool handling_ready_ = false;
  void RemoveBlocked(Connection& c);
  void ArmBlockTimer();
  static void OnBlockTimer(uv_timer_t* t);
  std::deque<SlowlogEntry> slowlog_;
  std::map<std::string, LatencyEvent> latency_;
  uint64_t next_client_id_ = 1;
  int64_t now_ms_ = 0;
  int64_t now_us_ = 0;
  int64_t start_time_s_ = 0;
  uint64_t cron_loops_ = 0;
  std::string run_id_;
  bool shutting_down_ = false;
};

// Shared error texts (as Redis words them).
namespace err {
inline constexpr const char* kSyntax = "ERR syntax error";
inline constexpr const char* kNotInt = "ERR value is not an integer or out of range";
inline constexpr const char* kNotFloat = "ERR value is not a valid float";
inline constexpr const char* kWrongType =
    "WRONGTYPE Operation against a key holding the wrong kind of value";
inline constexpr const char* kNoKey = "ERR no such key";
inline constexpr const char* kOverflow = "ERR increment or decrement would overflow";
inline constexpr const char* kDbIndex = "ERR DB index is out of range";
}  // namespace err

}  // namespace sable
