#include "server/aof.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include "server/connection.h"
#include "server/log.h"
#include "server/lua_engine.h"
#include "server/resp_parser.h"
#include "server/server.h"
#include "server/snapshot.h"

namespace sable {

namespace {

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

bool WriteAll(int fd, const char* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

// Writes `data` to path via a temp file, fsync and rename: a crash leaves the old file or
// the complete new one, never half a file.
bool AtomicWrite(const std::string& path, const std::string& data, std::string* err) {
  std::string tmp = path + ".tmp";
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0 || !WriteAll(fd, data.data(), data.size()) || fsync(fd) != 0) {
    *err = "Error writing " + tmp + ": " + strerror(errno);
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return false;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    *err = "Error renaming " + tmp + ": " + strerror(errno);
    unlink(tmp.c_str());
    return false;
  }
  return true;
}

void FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

}  // namespace

Aof::Aof(Server* s) : server_(s) { worker_ = std::thread([this] { FsyncWorker(); }); }

Aof::~Aof() {
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  worker_.join();
  if (fd_ >= 0) close(fd_);
}

void Aof::FsyncWorker() {
  std::unique_lock<std::mutex> l(mu_);
  while (true) {
    cv_.wait(l, [this] { return stop_ || pending_fsync_fd_ >= 0; });
    if (pending_fsync_fd_ >= 0) {
      int fd = pending_fsync_fd_;
      pending_fsync_fd_ = -1;
      l.unlock();
      fdatasync(fd);
      close(fd);  // a dup of the AOF descriptor, owned by this thread
      l.lock();
    }
    if (stop_) return;
  }
}

std::string Aof::Dir() const {
  return server_->config().dir + "/" + server_->config().GetValue("appenddirname");
}

std::string Aof::Path(const std::string& name) const { return Dir() + "/" + name; }

bool Aof::PersistManifest(std::string* err) {
  std::string name = AofManifestName(server_->config().GetValue("appendfilename"));
  if (!AtomicWrite(Path(name), manifest_.Serialize(), err)) return false;
  FsyncDir(Dir());
  return true;
}

bool Aof::OpenIncr(const std::string& name, std::string* err) {
  int fd = open(Path(name).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = "Can't open the append-only file " + name + ": " + strerror(errno);
    return false;
  }
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  struct stat st{};
  incr_size_ = fstat(fd, &st) == 0 ? static_cast<size_t>(st.st_size) : 0;
  server_->ResetAofFeed(true);
  return true;
}

bool Aof::WriteBase(int64_t seq, std::string* name, std::string* err) {
  const std::string fname = server_->config().GetValue("appendfilename");
  bool preamble = server_->config().GetValue("aof-use-rdb-preamble") == "yes";
  std::string data;
  if (preamble) {
    if (!WriteRdbImage(*server_, &data, err)) return false;
  } else if (!WriteRespImage(*server_, &data, err)) {
    return false;
  }
  *name = AofBaseName(fname, seq, preamble);
  return AtomicWrite(Path(*name), data, err);
}

bool Aof::Rewrite(std::string* err) {
  Flush();
  if (fd_ >= 0) fdatasync(fd_);
  mkdir(Dir().c_str(), 0755);
  const std::string fname = server_->config().GetValue("appendfilename");
  AofManifest next;
  std::string base;
  next.base.seq = manifest_.base.seq + 1;
  next.base.type = 'b';
  if (!WriteBase(next.base.seq, &base, err)) return false;
  next.base.name = base;
  AofFileInfo incr;
  incr.seq = manifest_.NextIncrSeq();
  incr.type = 'i';
  incr.name = AofIncrName(fname, incr.seq);
  next.incrs.push_back(incr);
  std::vector<std::string> old;
  if (!manifest_.base.name.empty()) old.push_back(manifest_.base.name);
  for (const auto& f : manifest_.incrs) old.push_back(f.name);
  for (const auto& f : manifest_.history) old.push_back(f.name);
  AofManifest prev = manifest_;
  manifest_ = next;
  bool was_enabled = fd_ >= 0;
  if (!OpenIncr(incr.name, err) || !PersistManifest(err)) {
    manifest_ = prev;
    if (!was_enabled && fd_ >= 0) {
      close(fd_);
      fd_ = -1;
    }
    return false;
  }
  for (const auto& n : old) unlink(Path(n).c_str());
  ++rewrites_;
  Log(LogLevel::kNotice, "Background append only file rewriting ended successfully (base {})",
      base);
  return true;
}

bool Aof::Enable(std::string* err) {
  if (fd_ >= 0) return true;
  if (!Rewrite(err)) return false;
  Log(LogLevel::kNotice, "AOF enabled: base written, appending to {}", Dir());
  return true;
}

void Aof::Disable() {
  Flush();
  if (fd_ >= 0) {
    fdatasync(fd_);
    close(fd_);
    fd_ = -1;
  }
  server_->ResetAofFeed(false);
}

void Aof::Flush() {
  std::string& buf = server_->aof_buffer();
  if (fd_ < 0) {
    buf.clear();
    return;
  }
  if (buf.empty()) return;
  if (!WriteAll(fd_, buf.data(), buf.size())) {
    if (last_write_ok_)
      Log(LogLevel::kWarning, "Error writing to the AOF file: {}", strerror(errno));
    last_write_ok_ = false;
    return;  // kept in the buffer; retried before the next replies
  }
  last_write_ok_ = true;
  incr_size_ += buf.size();
  buf.clear();
  const std::string policy = server_->config().GetValue("appendfsync");
  if (policy == "always") {
    fdatasync(fd_);  // the write barrier: replies follow only after this
  } else if (policy == "everysec") {
    int64_t now = server_->now_ms();
    if (now - last_fsync_ms_ >= 1000) {
      last_fsync_ms_ = now;
      std::lock_guard<std::mutex> l(mu_);
      if (pending_fsync_fd_ < 0) {
        pending_fsync_fd_ = dup(fd_);
        cv_.notify_one();
      }
    }
  }
}

bool Aof::LoadRespFile(const std::string& path, bool last, std::string* err) {
  std::string data;
  if (!ReadWholeFile(path, &data)) {
    *err = "Can't open the append-only file " + path + ": " + strerror(errno);
    return false;
  }
  if (data.empty()) return true;
  Connection client(server_, 0, true);
  client.authenticated = true;
  RespParser parser;
  ParserLimits limits;
  limits.max_bulk_len = INT64_MAX;
  std::vector<std::string_view> args;
  std::string perr;
  size_t pos = 0, valid = 0;
  while (true) {
    size_t before = pos;
    auto r = parser.Parse(data.data(), data.size(), &pos, limits, &args, &perr);
    if (r == RespParser::Result::kNeedMore) {
      if (before < data.size() || parser.InProgress()) break;  // truncated tail
      valid = data.size();
      break;
    }
    if (r == RespParser::Result::kError || data[before] != '*') {
      *err = "Bad file format reading the append only file " + path + " at offset " +
             std::to_string(before);
      return false;
    }
    if (args.empty()) continue;
    if (server_->commands().Find(args[0]) == nullptr) {
      *err = "Unknown command '" + std::string(args[0]) + "' reading the append only file " +
             path;
      return false;
    }
    server_->Execute(client, ArgList(args.data(), args.size()));
    client.Flush();
    if (!client.in_multi) valid = pos;
  }
  if (valid < data.size()) {
    bool allow = last && server_->config().GetValue("aof-load-truncated") == "yes";
    if (!allow) {
      *err = "Unexpected end of file reading the append only file " + path +
             ". You can: 1) Make a backup of your AOF file, then use ./redis-check-aof --fix "
             "<filename.manifest>. 2) Alternatively you can set the 'aof-load-truncated' "
             "configuration option to yes and restart the server.";
      return false;
    }
    Log(LogLevel::kWarning,
        "!!! Warning: short read while loading the AOF file {}!!! AOF loaded anyway because "
        "aof-load-truncated is enabled (truncated to offset {})",
        path, valid);
    if (client.in_multi) Log(LogLevel::kWarning, "Revert incomplete MULTI/EXEC transaction");
    if (truncate(path.c_str(), static_cast<off_t>(valid)) != 0)
      Log(LogLevel::kWarning, "Error truncating the AOF file: {}", strerror(errno));
  }
  return true;
}

bool Aof::Load(std::string* err) {
  std::string mtext;
  const std::string fname = server_->config().GetValue("appendfilename");
  if (!ReadWholeFile(Path(AofManifestName(fname)), &mtext)) return true;  // nothing yet
  if (!AofManifest::Parse(mtext, &manifest_, err)) return false;
  auto t0 = std::chrono::steady_clock::now();
  server_->keyspace().expiry_paused = true;
  bool ok = true;
  if (!manifest_.base.name.empty()) {
    std::string path = Path(manifest_.base.name), data;
    if (!ReadWholeFile(path, &data)) {
      *err = "Can't open the base append-only file " + path;
      ok = false;
    } else if (data.rfind("REDIS", 0) == 0) {
      RdbLoadStats st;
      ok = LoadRdbImage(*server_, data, &st, err);
    } else {
      ok = LoadRespFile(path, manifest_.incrs.empty(), err);
    }
  }
  for (size_t i = 0; ok && i < manifest_.incrs.size(); ++i)
    ok = LoadRespFile(Path(manifest_.incrs[i].name), i + 1 == manifest_.incrs.size(), err);
  server_->keyspace().expiry_paused = false;
  if (ok) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Log(LogLevel::kNotice, "DB loaded from append only file: {:.3f} seconds", secs);
  }
  return ok;
}

bool Aof::Start(bool load, std::string* err) {
  mkdir(Dir().c_str(), 0755);
  server_->ResetAofFeed(false);  // loading must not append what it replays
  if (load && !Load(err)) return false;
  if (manifest_.base.name.empty() && manifest_.incrs.empty()) return Rewrite(err);
  if (manifest_.incrs.empty()) {
    AofFileInfo incr;
    incr.seq = manifest_.NextIncrSeq();
    incr.name = AofIncrName(server_->config().GetValue("appendfilename"), incr.seq);
    manifest_.incrs.push_back(incr);
    if (!PersistManifest(err)) return false;
  }
  return OpenIncr(manifest_.incrs.back().name, err);
}

bool Aof::Reload(std::string* err) {
  Flush();
  if (fd_ >= 0) fdatasync(fd_);
  server_->keyspace().FlushAll();
  server_->lua().FlushFunctions();
  bool on = fd_ >= 0;
  server_->ResetAofFeed(false);
  AofManifest keep = manifest_;
  bool ok = Load(err);
  manifest_ = keep;
  server_->ResetAofFeed(on);
  return ok;
}

}  // namespace sable
