// Append-only file in Redis 7's multi-part layout (appenddirname/ with a base file, incremental
// RESP files and a manifest). The Propagator fills Server's AOF buffer; Flush() writes it
// before replies leave (the pre-sleep hook), fsyncing inline for `appendfsync always` (the
// write barrier) or on a background thread for `everysec`.
//
// Rewrites run in a forked child (BGREWRITEAOF, auto-aof-rewrite-*, CONFIG SET appendonly
// yes): at the start the parent opens a new INCR file and appends there, the child writes the
// new BASE from its copy of the dataset; when it succeeds the parent renames it into
// place, records the new manifest atomically and deletes the files it made history. A failed
// rewrite leaves the old manifest valid (its incr files plus the new one cover everything).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "persistence/aof_manifest.h"

namespace sable {

class Server;

class Aof {
 public:
  // Redis's aof_state: kWaitRewrite = turned on at run time, waiting for the first rewrite
  // (appends go to a temp incr file while it runs).
  enum class State { kOff, kOn, kWaitRewrite };

  explicit Aof(Server* s);
  ~Aof();

  // Start-up, whatever appendonly says: reads the manifest if there is one.
  bool LoadManifest(std::string* err);
  // appendonly yes at start-up: loads the manifest's files if there are any, creates a base
  // for an empty dataset, then opens the incremental file. False = fatal (message in *err).
  bool Start(bool load, std::string* err);
  // Moves a pre-7.0 single-file AOF into the directory as its base (see aof.cc).
  bool UpgradeOldStyle(std::string* err);
  // Start-up: deletes the history files the manifest still lists.
  void DeleteHistoryFiles();
  // CONFIG SET appendonly yes / no (Redis's startAppendOnly / stopAppendOnly).
  bool Enable();
  void Disable();
  bool enabled() const { return state_ != State::kOff; }
  State state() const { return state_; }

  // BGREWRITEAOF / auto rewrite: flush, open the next incr file, fork the child. False (logged,
  // aof_last_bgrewrite_status err) if it could not start.
  bool StartRewrite();
  // The rewrite child exited (from Server's cron).
  void OnChildDone(int exitcode, int bysignal);
  // Kills a running rewrite child (waiting for it) and removes its temp files.
  void KillChild();
  bool rewrite_in_progress() const;
  // serverCron parts: the scheduled rewrite, the automatic one (auto-aof-rewrite-percentage /
  // -min-size), retrying a failed write once a second.
  void CronScheduled();
  void CronAutoRewrite();
  void CronRetryWrite();

  // Writes the buffered changes; fsyncs per appendfsync. Called before replies are sent.
  // With everysec a write waits (up to 2 s) for an fsync still running unless `force`.
  void Flush(bool force = false);
  // appendfsync / no-appendfsync-on-rewrite changed.
  void RefreshConfig();
  // SHUTDOWN: everything buffered written and fsynced now.
  void FlushAndSync();
  // DEBUG LOADAOF: flush, empty the dataset, load the files again.
  bool Reload(std::string* err);

  // -MISCONF: the last write or background fsync failed (errno in *err_no).
  bool WritesDenied(int* err_no) const;
  bool last_write_ok() const;

  // INFO persistence.
  bool rewrite_scheduled = false;
  int64_t rewrites() const { return rewrites_; }
  int64_t consecutive_failures() const { return consecutive_failures_; }
  // BGREWRITEAOF while a child runs: the scheduled rewrite is not held back by failures.
  void ResetFailures() { consecutive_failures_ = 0; }
  bool last_bgrewrite_ok() const { return last_bgrewrite_ok_; }
  int64_t rewrite_time_last() const { return rewrite_time_last_; }
  int64_t rewrite_time_start() const { return rewrite_time_start_; }
  int64_t current_size() const { return current_size_; }
  int64_t base_size() const { return base_size_; }
  uint64_t delayed_fsync() const { return delayed_fsync_; }
  int pending_fsync_jobs() const { return pending_fsync_.load(); }
  const AofManifest& manifest() const { return manifest_; }

 private:
  std::string Dir() const;
  std::string Path(const std::string& name) const;
  std::string FileName() const;
  std::string TempIncrName() const;
  bool Load(std::string* err);
  // Replays the RESP commands of `path` from byte `start` on (after an RDB preamble).
  bool LoadRespFile(const std::string& path, bool last, std::string* err, size_t start = 0);
  bool OpenNewIncrForAppend();
  bool PersistManifest(const AofManifest& m);
  void DeleteHistory(AofManifest* m);
  bool RewriteLimited();
  int64_t FileSize(const std::string& name) const;
  void FsyncWorker();
  // Queues an fdatasync of (a dup of) fd on the worker; `close_after` closes fd itself.
  void BackgroundFsync(int fd, bool close_after);

  Server* server_;
  State state_ = State::kOff;
  enum Policy { kNo, kEverysec, kAlways } policy_ = kEverysec;
  bool no_fsync_on_rewrite_ = false;
  bool rewrite_preamble_ = true;  // the format the running rewrite child writes
  AofManifest manifest_;
  int fd_ = -1;
  int64_t incr_size_ = 0;         // aof_last_incr_size
  int64_t fsync_offset_ = 0;      // aof_last_incr_fsync_offset
  int64_t current_size_ = 0;      // aof_current_size
  int64_t base_size_ = 0;         // aof_rewrite_base_size
  int64_t last_fsync_s_ = 0;
  int64_t flush_postponed_start_s_ = 0;
  uint64_t delayed_fsync_ = 0;
  bool last_write_ok_ = true;
  int last_write_errno_ = 0;
  int64_t last_write_error_log_s_ = 0;
  int64_t last_retry_ms_ = 0;

  int64_t rewrites_ = 0;
  int64_t consecutive_failures_ = 0;
  bool last_bgrewrite_ok_ = true;
  int64_t rewrite_time_start_ = -1;
  int64_t rewrite_time_last_ = -1;
  int next_delay_minutes_ = 0;
  int64_t next_rewrite_time_s_ = 0;

  // everysec: fsync happens off the loop thread (Redis's bio AOF fsync jobs).
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::pair<int, bool>> jobs_;  // (fd, close only: the fd is a retired incr file)
  std::atomic<int> pending_fsync_{0};
  std::atomic<bool> fsync_ok_{true};
  std::atomic<int> fsync_errno_{0};
  bool stop_ = false;
};

}  // namespace sable
