// Append-only file in Redis 7's multi-part layout (appenddirname/ with a base file, incremental
// RESP files and a manifest). The Propagator fills Server's AOF buffer; Flush() writes it
// before replies leave (the pre-sleep hook), fsyncing inline for `appendfsync always` (the
// write barrier) or on a background thread for `everysec`. Rewrites are synchronous for now.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "persistence/aof_manifest.h"

namespace sable {

class Server;

class Aof {
 public:
  explicit Aof(Server* s);
  ~Aof();

  // appendonly yes at start-up: loads the manifest's files if there are any, then opens the
  // incremental file. False = fatal (message in *err).
  bool Start(bool load, std::string* err);
  // CONFIG SET appendonly yes: writes a base from the current data, then appends.
  bool Enable(std::string* err);
  void Disable();
  bool enabled() const { return fd_ >= 0; }
  // BGREWRITEAOF: new base from the dataset + new empty incr file, manifest swapped atomically.
  bool Rewrite(std::string* err);
  // Writes the buffered changes; fsyncs per appendfsync. Called before replies are sent.
  void Flush();
  // DEBUG LOADAOF: flush, empty the dataset, load the files again.
  bool Reload(std::string* err);

  bool last_write_ok() const { return last_write_ok_; }
  int64_t rewrites() const { return rewrites_; }
  size_t current_size() const { return incr_size_; }

 private:
  std::string Dir() const;
  std::string Path(const std::string& name) const;
  bool Load(std::string* err);
  bool LoadRespFile(const std::string& path, bool last, std::string* err);
  bool WriteBase(int64_t seq, std::string* name, std::string* err);
  bool OpenIncr(const std::string& name, std::string* err);
  bool PersistManifest(std::string* err);
  void FsyncWorker();

  Server* server_;
  AofManifest manifest_;
  int fd_ = -1;
  size_t incr_size_ = 0;
  int64_t last_fsync_ms_ = 0;
  bool last_write_ok_ = true;
  int64_t rewrites_ = 0;

  // everysec: fsync happens off the loop thread.
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_fsync_fd_ = -1;
  bool stop_ = false;
};

}  // namespace sable
