#include "server/aof.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>

#include "persistence/aof_check.h"
#include "datastructs/numbers.h"
#include "server/child.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/lua_engine.h"
#include "server/resp_parser.h"
#include "server/server.h"
#include "server/snapshot.h"

namespace sable {

namespace {

// Redis's dirCreateIfMissing: an existing non-directory of that name is ENOTDIR.
bool CreateDirIfMissing(const std::string& dir) {
  if (mkdir(dir.c_str(), 0755) == 0) return true;
  if (errno != EEXIST) return false;
  struct stat st;
  if (stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) return true;
  errno = ENOTDIR;
  return false;
}

bool ReadWholeFile(const std::string& path, std::string* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  std::stringstream ss;
  ss << f.rdbuf();
  *out = ss.str();
  return true;
}

// write(2) until done or an error; returns the bytes written, or -1 if none could be
// (Redis's aofWrite).
ssize_t AofWrite(int fd, const char* p, size_t n) {
  ssize_t total = 0;
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return total ? total : -1;
    }
    p += w;
    n -= static_cast<size_t>(w);
    total += w;
  }
  return total;
}

void FsyncDir(const std::string& dir) {
  int fd = open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    fsync(fd);
    close(fd);
  }
}

// Redis's AOF_WRITE_LOG_ERROR_RATE: seconds between two logs of the same write error.
constexpr int64_t kWriteErrorLogRate = 30;

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
    cv_.wait(l, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stop_ with nothing left to do
    auto [fd, close_only] = jobs_.front();
    jobs_.pop_front();
    l.unlock();
    if (close_only) {
      // A retired incr file: synced and closed (Redis's bioCreateCloseJob with need_fsync).
      fdatasync(fd);
      close(fd);
    } else {
      if (fdatasync(fd) == -1 && errno != EBADF && errno != EINVAL) {
        int e = errno;
        if (fsync_ok_.load())
          Log(LogLevel::kWarning, "Fail to fsync the AOF file: {}", strerror(e));
        fsync_errno_.store(e);
        fsync_ok_.store(false);
      } else {
        fsync_ok_.store(true);
      }
      close(fd);  // a dup of the AOF descriptor, owned by this thread
      pending_fsync_.fetch_sub(1);
    }
    l.lock();
  }
}

void Aof::BackgroundFsync(int fd, bool close_only) {
  if (!close_only) {
    fd = dup(fd);
    if (fd < 0) return;
    pending_fsync_.fetch_add(1);
  }
  {
    std::lock_guard<std::mutex> l(mu_);
    jobs_.emplace_back(fd, close_only);
  }
  cv_.notify_one();
}

std::string Aof::Dir() const {
  return server_->config().dir + "/" + server_->config().GetValue("appenddirname");
}

std::string Aof::Path(const std::string& name) const { return Dir() + "/" + name; }

std::string Aof::FileName() const { return server_->config().GetValue("appendfilename"); }

std::string Aof::TempIncrName() const { return "temp-" + FileName() + ".incr"; }

int64_t Aof::FileSize(const std::string& name) const {
  struct stat st{};
  if (stat(Path(name).c_str(), &st) != 0) {
    Log(LogLevel::kWarning, "Unable to obtain the AOF file {} length. stat: {}", name,
        strerror(errno));
    return 0;
  }
  return st.st_size;
}

bool Aof::PersistManifest(const AofManifest& m) {
  std::string name = AofManifestName(FileName());
  std::string path = Path(name), tmp = Path("temp-" + name);
  std::string data = m.Serialize();
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    Log(LogLevel::kWarning, "Can't open the AOF manifest file temp-{}: {}", name,
        strerror(errno));
    return false;
  }
  if (AofWrite(fd, data.data(), data.size()) != static_cast<ssize_t>(data.size())) {
    Log(LogLevel::kWarning, "Error trying to write the temporary AOF manifest file temp-{}: {}",
        name, strerror(errno));
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  if (fdatasync(fd) != 0) {
    Log(LogLevel::kWarning, "Fail to fsync the temp AOF file temp-{}: {}.", name, strerror(errno));
    close(fd);
    unlink(tmp.c_str());
    return false;
  }
  close(fd);
  if (rename(tmp.c_str(), path.c_str()) != 0) {
    Log(LogLevel::kWarning,
        "Error trying to rename the temporary AOF manifest file temp-{} into {}: {}", name, name,
        strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  FsyncDir(Dir());
  return true;
}

void Aof::DeleteHistory(AofManifest* m) {
  if (m->history.empty() || server_->config().GetValue("aof-disable-auto-gc") == "yes") return;
  for (const auto& h : m->history) {
    Log(LogLevel::kNotice, "Removing the history file {} in the background", h.name);
    unlink(Path(h.name).c_str());
  }
  m->history.clear();
  PersistManifest(*m);
}

void Aof::DeleteHistoryFiles() { DeleteHistory(&manifest_); }

bool Aof::LoadManifest(std::string* err) {
  std::string mtext;
  if (!ReadWholeFile(Path(AofManifestName(FileName())), &mtext)) return true;  // none yet
  return AofManifest::Parse(mtext, &manifest_, err);
}

bool Aof::OpenNewIncrForAppend() {
  if (state_ == State::kOff) return true;
  AofManifest next = manifest_;
  std::string name;
  if (state_ == State::kWaitRewrite) {
    name = TempIncrName();
  } else {
    AofFileInfo incr;
    incr.seq = ++next.curr_incr_seq;
    incr.type = 'i';
    incr.name = AofIncrName(FileName(), incr.seq);
    next.incrs.push_back(incr);
    name = incr.name;
  }
  int fd = open(Path(name).c_str(), O_WRONLY | O_TRUNC | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) {
    Log(LogLevel::kWarning, "Can't open the append-only file {}: {}", name, strerror(errno));
    return false;
  }
  if (state_ == State::kOn && !PersistManifest(next)) {
    close(fd);
    return false;
  }
  Log(LogLevel::kNotice, "Creating AOF incr file {} on background rewrite", name);
  if (fd_ >= 0) {
    // The old incr file is complete: synced and closed off the loop.
    BackgroundFsync(fd_, true);
    last_fsync_s_ = server_->now_ms() / 1000;
  }
  fd_ = fd;
  incr_size_ = 0;
  fsync_offset_ = 0;
  if (state_ == State::kOn) manifest_ = next;
  return true;
}

bool Aof::rewrite_in_progress() const { return server_->child().type() == ChildType::kAof; }

bool Aof::StartRewrite() {
  ChildProcess& child = server_->child();
  if (child.active()) return false;
  if (!CreateDirIfMissing(Dir())) {
    Log(LogLevel::kWarning, "Can't open or create append-only dir {}: {}",
        server_->config().GetValue("appenddirname"), strerror(errno));
    last_bgrewrite_ok_ = false;
    return false;
  }
  // The new incr file starts with a SELECT.
  server_->ResetAofFeed(server_->aof_feeding());
  Flush(true);
  if (!OpenNewIncrForAppend()) {
    last_bgrewrite_ok_ = false;
    return false;
  }
  ++rewrites_;
  bool preamble = server_->config().GetValue("aof-use-rdb-preamble") == "yes";
  size_t keys = 0;
  for (int i = 0; i < server_->keyspace().size(); ++i) keys += server_->keyspace().KeyCount(i);
  pid_t pid = child.Fork(*server_, ChildType::kAof, keys, [this, preamble]() {
    std::string tmp = fmt::format("temp-rewriteaof-{}.aof", getpid());
    std::string bg = fmt::format("temp-rewriteaof-bg-{}.aof", getpid());
    if (!WriteImageFile(*server_, tmp, preamble)) return 1;
    if (rename(tmp.c_str(), bg.c_str()) != 0) {
      Log(LogLevel::kWarning,
          "Error moving temp append only file on the final destination: {}", strerror(errno));
      unlink(tmp.c_str());
      return 1;
    }
    Log(LogLevel::kNotice, "Successfully created the temporary AOF base file {}", bg);
    ChildProcess::SendInfo(ChildInfoType::kAofCowSize, 0, "AOF rewrite");
    return 0;
  });
  if (pid < 0) {
    last_bgrewrite_ok_ = false;
    Log(LogLevel::kWarning, "Can't rewrite append only file in background: fork: {}",
        strerror(errno));
    return false;
  }
  Log(LogLevel::kNotice, "Background append only file rewriting started by pid {}", pid);
  rewrite_preamble_ = preamble;
  rewrite_scheduled = false;
  rewrite_time_start_ = server_->now_ms() / 1000;
  // Turning on: appends go to the temp incr file while the child runs.
  if (state_ == State::kWaitRewrite) server_->ResetAofFeed(true);
  return true;
}

void Aof::OnChildDone(int exitcode, int bysignal) {
  pid_t pid = server_->child().pid();
  std::string tmpfile = fmt::format("temp-rewriteaof-bg-{}.aof", pid);
  server_->UpdateClock();
  if (bysignal == 0 && exitcode == 0) {
    Log(LogLevel::kNotice, "Background AOF rewrite terminated with success");
    AofManifest next = manifest_;
    if (!next.base.name.empty()) {
      AofFileInfo h = next.base;
      h.type = 'h';
      next.history.insert(next.history.begin(), h);
    }
    next.base.seq = ++next.curr_base_seq;
    next.base.type = 'b';
    next.base.name = AofBaseName(FileName(), next.base.seq, rewrite_preamble_);
    std::string base_path = Path(next.base.name), incr_path;
    bool ok = true;
    if (rename(tmpfile.c_str(), base_path.c_str()) != 0) {
      Log(LogLevel::kWarning, "Error trying to rename the temporary AOF base file {} into {}: {}",
          tmpfile, base_path, strerror(errno));
      ok = false;
    } else {
      Log(LogLevel::kNotice, "Successfully renamed the temporary AOF base file {} into {}",
          tmpfile, next.base.name);
    }
    if (ok && state_ == State::kWaitRewrite) {
      AofFileInfo incr;
      incr.seq = ++next.curr_incr_seq;
      incr.type = 'i';
      incr.name = AofIncrName(FileName(), incr.seq);
      next.incrs.push_back(incr);
      incr_path = Path(incr.name);
      if (rename(Path(TempIncrName()).c_str(), incr_path.c_str()) != 0) {
        Log(LogLevel::kWarning,
            "Error trying to rename the temporary AOF incr file {} into {}: {}",
            Path(TempIncrName()), incr_path, strerror(errno));
        unlink(base_path.c_str());
        incr_path.clear();
        ok = false;
      } else {
        Log(LogLevel::kNotice, "Successfully renamed the temporary AOF incr file {} into {}",
            TempIncrName(), incr.name);
      }
    }
    if (ok) {
      // Every incr file the new base covers becomes history: all but the one being written.
      size_t keep = fd_ >= 0 ? 1 : 0;
      while (next.incrs.size() > keep) {
        AofFileInfo h = next.incrs.front();
        next.incrs.erase(next.incrs.begin());
        h.type = 'h';
        next.history.insert(next.history.begin(), h);  // newest first, as Redis's list head
      }
      if (!PersistManifest(next)) {
        unlink(base_path.c_str());
        if (!incr_path.empty()) unlink(incr_path.c_str());
        ok = false;
      }
    }
    if (ok) {
      manifest_ = next;
      if (state_ != State::kOff) {
        current_size_ = FileSize(manifest_.base.name) + incr_size_;
        base_size_ = current_size_;
      }
      DeleteHistory(&manifest_);
      last_bgrewrite_ok_ = true;
      consecutive_failures_ = 0;
      Log(LogLevel::kNotice, "Background AOF rewrite finished successfully");
      if (state_ == State::kWaitRewrite) state_ = State::kOn;
    } else {
      last_bgrewrite_ok_ = false;
      ++consecutive_failures_;
    }
  } else if (bysignal == 0) {
    last_bgrewrite_ok_ = false;
    ++consecutive_failures_;
    Log(LogLevel::kWarning, "Background AOF rewrite terminated with error");
  } else {
    // SIGUSR1 is how the server stops its own child: not an error.
    if (bysignal != SIGUSR1) {
      last_bgrewrite_ok_ = false;
      ++consecutive_failures_;
    }
    Log(LogLevel::kWarning, "Background AOF rewrite terminated by signal {}", bysignal);
  }
  unlink(tmpfile.c_str());
  unlink(fmt::format("temp-rewriteaof-{}.aof", pid).c_str());
  if (state_ == State::kWaitRewrite) {
    // Still off: drop what the temp incr file got and try again from the cron.
    server_->aof_buffer().clear();
    server_->ResetAofFeed(false);
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    Log(LogLevel::kNotice, "Removing the temp incr aof file {} in the background",
        TempIncrName());
    unlink(Path(TempIncrName()).c_str());
    rewrite_scheduled = true;
  }
  rewrite_time_last_ = server_->now_ms() / 1000 - rewrite_time_start_;
  rewrite_time_start_ = -1;
}

void Aof::KillChild() {
  if (!rewrite_in_progress()) return;
  pid_t pid = server_->child().pid();
  Log(LogLevel::kNotice, "Killing running AOF rewrite child: {}", pid);
  server_->child().Kill(true);
  unlink(fmt::format("temp-rewriteaof-bg-{}.aof", pid).c_str());
  unlink(fmt::format("temp-rewriteaof-{}.aof", pid).c_str());
  rewrite_time_start_ = -1;
}

// Redis's aofRewriteLimited: after 3 consecutive failures automatic rewrites wait 1, 2, 4 ...
// up to 60 minutes (BGREWRITEAOF still runs at once).
bool Aof::RewriteLimited() {
  if (consecutive_failures_ < 3) {
    next_delay_minutes_ = 0;
    next_rewrite_time_s_ = 0;
    return false;
  }
  int64_t now_s = server_->now_ms() / 1000;
  if (next_rewrite_time_s_ != 0) {
    if (now_s < next_rewrite_time_s_) return true;
    next_rewrite_time_s_ = 0;
    return false;
  }
  next_delay_minutes_ = next_delay_minutes_ == 0 ? 1 : std::min(next_delay_minutes_ * 2, 60);
  next_rewrite_time_s_ = now_s + next_delay_minutes_ * 60;
  Log(LogLevel::kWarning,
      "Background AOF rewrite has repeatedly failed and triggered the limit, will retry in {} "
      "minutes", next_delay_minutes_);
  return true;
}

void Aof::CronScheduled() {
  if (!server_->child().active() && rewrite_scheduled && !RewriteLimited()) StartRewrite();
}

void Aof::CronAutoRewrite() {
  if (state_ != State::kOn || server_->child().active()) return;
  int64_t perc = 0, min_size = 0;
  StringToInt64(server_->config().GetValue("auto-aof-rewrite-percentage"), &perc);
  StringToInt64(server_->config().GetValue("auto-aof-rewrite-min-size"), &min_size);
  if (perc == 0 || current_size_ <= min_size) return;
  int64_t base = base_size_ ? base_size_ : 1;
  int64_t growth = current_size_ * 100 / base - 100;
  if (growth >= perc && !RewriteLimited()) {
    Log(LogLevel::kNotice, "Starting automatic rewriting of AOF on {}% growth", growth);
    StartRewrite();
  }
}

void Aof::CronRetryWrite() {
  if (state_ == State::kOff) return;
  // A write postponed behind a slow fsync: retry at every cron.
  if (flush_postponed_start_s_ != 0) Flush(false);
  // After a write error, try again once a second: success makes the server writable again.
  int64_t now = server_->now_ms();
  if (!last_write_ok_ && now - last_retry_ms_ >= 1000) {
    last_retry_ms_ = now;
    Flush(false);
  }
}

bool Aof::Enable() {
  if (state_ != State::kOff) return true;
  state_ = State::kWaitRewrite;
  ChildProcess& child = server_->child();
  if (child.active() && child.type() != ChildType::kAof) {
    rewrite_scheduled = true;
    Log(LogLevel::kWarning,
        "AOF was enabled but there is already another background operation. An AOF background "
        "was scheduled to start when possible.");
  } else if (server_->exec_depth > 0) {
    rewrite_scheduled = true;
    Log(LogLevel::kWarning,
        "AOF was enabled during a transaction. An AOF background was scheduled to start when "
        "possible.");
  } else {
    if (child.type() == ChildType::kAof) {
      Log(LogLevel::kWarning,
          "AOF was enabled but there is already an AOF rewriting in background. Stopping "
          "background AOF and starting a rewrite now.");
      KillChild();
    }
    if (!StartRewrite()) {
      state_ = State::kOff;
      Log(LogLevel::kWarning,
          "Redis needs to enable the AOF but can't trigger a background AOF rewrite operation. "
          "Check the above logs for more info about the error.");
      return false;
    }
  }
  last_fsync_s_ = server_->now_ms() / 1000;
  if (!fsync_ok_.load()) {
    Log(LogLevel::kWarning, "AOF reopen, just ignore the AOF fsync error in bio job");
    fsync_ok_.store(true);
  }
  if (!last_write_ok_) {
    Log(LogLevel::kWarning, "AOF reopen, just ignore the last error.");
    last_write_ok_ = true;
  }
  return true;
}

void Aof::Disable() {
  if (state_ == State::kOff) return;
  bool waiting = state_ == State::kWaitRewrite;
  Flush(true);
  if (fd_ >= 0) {
    if (fdatasync(fd_) == -1) {
      Log(LogLevel::kWarning, "Fail to fsync the AOF file: {}", strerror(errno));
    } else {
      last_fsync_s_ = server_->now_ms() / 1000;
    }
    close(fd_);
    fd_ = -1;
  }
  state_ = State::kOff;
  rewrite_scheduled = false;
  incr_size_ = 0;
  fsync_offset_ = 0;
  KillChild();
  if (waiting) unlink(Path(TempIncrName()).c_str());
  server_->aof_buffer().clear();
  server_->ResetAofFeed(false);
}

bool Aof::last_write_ok() const { return last_write_ok_ && fsync_ok_.load(); }

bool Aof::WritesDenied(int* err_no) const {
  if (state_ == State::kOff) return false;
  if (!last_write_ok_) {
    *err_no = last_write_errno_;
    return true;
  }
  if (!fsync_ok_.load(std::memory_order_relaxed)) {
    *err_no = fsync_errno_.load();
    return true;
  }
  return false;
}

void Aof::RefreshConfig() {
  const std::string p = server_->config().GetValue("appendfsync");
  policy_ = p == "always" ? kAlways : p == "everysec" ? kEverysec : kNo;
  no_fsync_on_rewrite_ = server_->config().GetValue("no-appendfsync-on-rewrite") == "yes";
}

void Aof::Flush(bool force) {
  std::string& buf = server_->aof_buffer();
  if (fd_ < 0) {
    buf.clear();
    return;
  }
  int64_t now_s = server_->now_ms() / 1000;
  bool sync_in_progress = false;
  if (buf.empty()) {
    // Nothing to write, but an fsync may be due for what was written before.
    if (policy_ == kEverysec && fsync_offset_ != incr_size_ && now_s > last_fsync_s_ &&
        !(sync_in_progress = pending_fsync_.load() != 0)) {
      goto try_fsync;
    } else if (policy_ == kAlways && fsync_offset_ != incr_size_) {
      goto try_fsync;
    }
    return;
  }
  if (policy_ == kEverysec) sync_in_progress = pending_fsync_.load() != 0;
  if (policy_ == kEverysec && !force && sync_in_progress) {
    // write(2) would block behind the running fsync: postpone up to two seconds.
    if (flush_postponed_start_s_ == 0) {
      flush_postponed_start_s_ = now_s;
      return;
    } else if (now_s - flush_postponed_start_s_ < 2) {
      return;
    }
    ++delayed_fsync_;
    Log(LogLevel::kNotice,
        "Asynchronous AOF fsync is taking too long (disk is busy?). Writing the AOF buffer "
        "without waiting for fsync to complete, this may slow down Redis.");
  }
  {
    ssize_t nwritten = AofWrite(fd_, buf.data(), buf.size());
    flush_postponed_start_s_ = 0;
    if (nwritten != static_cast<ssize_t>(buf.size())) {
      bool can_log = now_s - last_write_error_log_s_ > kWriteErrorLogRate;
      if (can_log) last_write_error_log_s_ = now_s;
      if (nwritten == -1) {
        if (can_log) Log(LogLevel::kWarning, "Error writing to the AOF file: {}", strerror(errno));
        last_write_errno_ = errno;
      } else {
        if (can_log)
          Log(LogLevel::kWarning,
              "Short write while writing to the AOF file: (nwritten={}, expected={})", nwritten,
              buf.size());
        if (ftruncate(fd_, incr_size_) == -1) {
          if (can_log)
            Log(LogLevel::kWarning,
                "Could not remove short write from the append-only file.  Redis may refuse to "
                "load the AOF the next time it starts.  ftruncate: {}", strerror(errno));
        } else {
          nwritten = -1;  // nothing of it is left in the file
        }
        last_write_errno_ = ENOSPC;
      }
      if (policy_ == kAlways) {
        // The changes are already visible to clients: with 'always' the only safe way out.
        Log(LogLevel::kWarning,
            "Can't recover from AOF write error when the AOF fsync policy is 'always'. "
            "Exiting...");
        exit(1);
      }
      // Keep the data for the next try; writes are refused (-MISCONF) until one succeeds.
      last_write_ok_ = false;
      if (nwritten > 0) {
        current_size_ += nwritten;
        incr_size_ += nwritten;
        buf.erase(0, static_cast<size_t>(nwritten));
      }
      return;
    }
    if (!last_write_ok_) {
      Log(LogLevel::kWarning, "AOF write error looks solved, Redis can write again.");
      last_write_ok_ = true;
    }
    current_size_ += nwritten;
    incr_size_ += nwritten;
    if (buf.capacity() > (1 << 20)) {
      std::string().swap(buf);  // a burst: give the memory back
    } else {
      buf.clear();
    }
  }
try_fsync:
  if (no_fsync_on_rewrite_ && server_->child().active()) return;
  if (policy_ == kAlways) {
    if (fdatasync(fd_) == -1) {
      Log(LogLevel::kWarning,
          "Can't persist AOF for fsync error when the AOF fsync policy is 'always': {}. "
          "Exiting...", strerror(errno));
      exit(1);
    }
    fsync_offset_ = incr_size_;
    last_fsync_s_ = now_s;
  } else if (policy_ == kEverysec && now_s > last_fsync_s_) {
    if (!sync_in_progress) {
      BackgroundFsync(fd_, false);
      fsync_offset_ = incr_size_;
    }
    last_fsync_s_ = now_s;
  }
}

bool Aof::LoadRespFile(const std::string& path, bool last, std::string* err, size_t start) {
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
  size_t pos = start, valid = start;
  uint64_t commands = 0;
  while (true) {
    // Annotations ("#TS:<time>" lines, aof-timestamp-enabled) are skipped, as Redis does.
    if (pos < data.size() && data[pos] == '#') {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;  // a torn annotation: truncated tail
      pos = nl + 1;
      if (!client.in_multi) valid = pos;
      continue;
    }
    size_t before = pos;
    auto r = parser.Parse(data.data(), data.size(), &pos, limits, &args, &perr);
    if (r == RespParser::Result::kNeedMore) {
      if (before < data.size() || parser.InProgress()) break;  // truncated tail
      if (!client.in_multi) valid = data.size();  // else: a MULTI without EXEC at the end
      break;
    }
    size_t bad = 0;
    if (r == RespParser::Result::kError || data[before] != '*' ||
        !IsStrictRespArray(std::string_view(data).substr(before, pos - before), &bad)) {
      *err = "Bad file format reading the append only file " + path + " at offset " +
             std::to_string(before + bad);
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
    server_->LoadingKeyDelay();  // key-load-delay applies per command here, as in Redis
    // Clients are served every so many bytes, or every 1024 commands (Redis's loop count).
    if (server_->LoadingAdvance(pos - before) || (++commands & 1023) == 0)
      server_->LoadingProcessEvents();
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
    if (client.in_multi)
      Log(LogLevel::kWarning, "Revert incomplete MULTI/EXEC transaction in AOF file {}", path);
    if (truncate(path.c_str(), static_cast<off_t>(valid)) != 0)
      Log(LogLevel::kWarning, "Error truncating the AOF file: {}", strerror(errno));
  }
  return true;
}

bool Aof::Load(std::string* err) {
  const AofManifest& m = manifest_;
  if (m.base.name.empty() && m.incrs.empty()) return true;
  // As Redis (getBaseAndIncrAppendOnlyFilesSize): every file the manifest lists must exist
  // before anything is loaded.
  std::vector<std::string> names;
  if (!m.base.name.empty()) names.push_back(m.base.name);
  for (const auto& f : m.incrs) names.push_back(f.name);
  for (const std::string& name : names) {
    struct stat st;
    if (stat(Path(name).c_str(), &st) != 0) {
      *err = "Unable to obtain the AOF file " + name + " length. stat: " + strerror(errno);
      return false;
    }
  }
  auto t0 = std::chrono::steady_clock::now();
  server_->keyspace().expiry_paused = true;
  uint64_t all_bytes = 0;
  for (const std::string& name : names) all_bytes += static_cast<uint64_t>(FileSize(name));
  server_->StartLoading(all_bytes);
  bool ok = true;
  int64_t total = 0;
  if (!m.base.name.empty()) {
    std::string path = Path(m.base.name), data;
    if (!ReadWholeFile(path, &data)) {
      *err = "Can't open the base append-only file " + path;
      ok = false;
    } else if (data.rfind("REDIS", 0) == 0) {
      RdbLoadStats st;
      ok = LoadRdbImage(*server_, data, &st, err);
      // A pre-7.0 AOF with an RDB preamble continues with RESP commands after the image.
      if (ok && st.image_bytes < data.size())
        ok = LoadRespFile(path, m.incrs.empty(), err, st.image_bytes);
    } else {
      ok = LoadRespFile(path, m.incrs.empty(), err);
    }
    if (ok) total += FileSize(m.base.name);
  }
  for (size_t i = 0; ok && i < m.incrs.size(); ++i) {
    ok = LoadRespFile(Path(m.incrs[i].name), i + 1 == m.incrs.size(), err);
    if (ok) total += FileSize(m.incrs[i].name);
  }
  server_->StopLoading(ok);
  server_->keyspace().expiry_paused = false;
  if (ok) {
    double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    Log(LogLevel::kNotice, "DB loaded from append only file: {:.3f} seconds", secs);
    current_size_ = total;
    base_size_ = total;
  }
  return ok;
}

// As Redis 7.0's aofUpgradePrepare: a pre-7.0 single AOF file (appendfilename in the server
// dir) becomes the BASE of the multi-part directory — when there is no directory yet, the
// manifest is empty, or an earlier upgrade stopped after writing the manifest (its base is
// that file, not yet moved). The manifest is written first, then the file is moved.
bool Aof::UpgradeOldStyle(std::string* err) {
  const std::string fname = FileName();
  const std::string old_path = server_->config().dir + "/" + fname;
  struct stat st;
  if (stat(old_path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return true;
  const AofManifest& m = manifest_;
  bool no_files = m.base.name.empty() && m.incrs.empty();
  bool interrupted = !m.base.name.empty() && m.incrs.empty() && m.base.name == fname &&
                     stat(Path(fname).c_str(), &st) != 0;
  if (!no_files && !interrupted) return true;
  if (m.base.name.empty()) {
    manifest_.base.name = fname;
    manifest_.base.seq = 1;
    manifest_.base.type = 'b';
    manifest_.curr_base_seq = 1;
  }
  if (!PersistManifest(manifest_)) {
    *err = "Can't write the AOF manifest while upgrading the old-style AOF " + old_path;
    return false;
  }
  if (rename(old_path.c_str(), Path(fname).c_str()) != 0) {
    *err = "Error trying to rename the old AOF file " + old_path + " into " + Path(fname) +
           ": " + strerror(errno);
    return false;
  }
  FsyncDir(Dir());
  Log(LogLevel::kNotice, "Successfully migrated an old-style AOF into the AOF directory");
  return true;
}

bool Aof::Start(bool load, std::string* err) {
  RefreshConfig();
  if (!CreateDirIfMissing(Dir())) {
    *err = "Can't open or create append-only dir " +
           server_->config().GetValue("appenddirname") + ": " + strerror(errno);
    return false;
  }
  server_->ResetAofFeed(false);  // loading must not append what it replays
  if (load && !UpgradeOldStyle(err)) return false;
  if (load && !Load(err)) return false;
  const std::string fname = FileName();
  bool had_incr = !manifest_.incrs.empty();
  if (manifest_.base.name.empty() && manifest_.incrs.empty()) {
    // An empty dataset still gets a base file (Redis: "Creating AOF base file ... on server
    // start"), written here in the foreground.
    bool preamble = server_->config().GetValue("aof-use-rdb-preamble") == "yes";
    AofFileInfo base;
    base.seq = ++manifest_.curr_base_seq;
    base.type = 'b';
    base.name = AofBaseName(fname, base.seq, preamble);
    std::string tmp = fmt::format("temp-rewriteaof-{}.aof", getpid());
    if (!WriteImageFile(*server_, tmp, preamble) ||
        rename(tmp.c_str(), Path(base.name).c_str()) != 0) {
      unlink(tmp.c_str());
      *err = "Can't create the AOF base file " + base.name;
      return false;
    }
    manifest_.base = base;
    Log(LogLevel::kNotice, "Creating AOF base file {} on server start", base.name);
  }
  if (manifest_.incrs.empty()) {
    AofFileInfo incr;
    incr.seq = ++manifest_.curr_incr_seq;
    incr.type = 'i';
    incr.name = AofIncrName(fname, incr.seq);
    manifest_.incrs.push_back(incr);
  }
  const std::string& name = manifest_.incrs.back().name;
  int fd = open(Path(name).c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    *err = "Can't open the append-only file " + name + ": " + strerror(errno);
    return false;
  }
  if (!PersistManifest(manifest_)) {
    close(fd);
    *err = "Can't persist the AOF manifest";
    return false;
  }
  fd_ = fd;
  incr_size_ = FileSize(name);
  fsync_offset_ = incr_size_;
  if (current_size_ == 0) {
    current_size_ = incr_size_ + (manifest_.base.name.empty() ? 0 : FileSize(manifest_.base.name));
    base_size_ = current_size_;
  }
  Log(LogLevel::kNotice, "{} AOF incr file {} on server start", had_incr ? "Opening" : "Creating",
      name);
  state_ = State::kOn;
  server_->ResetAofFeed(true);
  return true;
}

void Aof::FlushAndSync() {
  Flush(true);
  if (fd_ >= 0 && fdatasync(fd_) == -1)
    Log(LogLevel::kWarning, "Fail to fsync the AOF file: {}.", strerror(errno));
}

bool Aof::Reload(std::string* err) {
  // As Redis's DEBUG LOADAOF: works with the AOF off too (it loads what BGREWRITEAOF wrote).
  if (state_ != State::kOff) Flush(true);
  if (fd_ >= 0) fdatasync(fd_);
  server_->keyspace().FlushAll();
  if (!LoadManifest(err)) return false;
  DeleteHistory(&manifest_);
  server_->lua().FlushFunctions();
  bool on = server_->aof_feeding();
  server_->ResetAofFeed(false);
  bool ok = Load(err);
  server_->ResetAofFeed(on);
  server_->stats().dirty = 0;
  return ok;
}

}  // namespace sable
