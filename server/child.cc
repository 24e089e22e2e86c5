#include "server/child.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "server/log.h"
#include "server/oom_score.h"
#include "server/server.h"

namespace sable {

bool ChildProcess::in_child_ = false;
int ChildProcess::child_pipe_w_ = -1;
int64_t ChildProcess::key_save_delay_us_ = 0;

namespace {

// Redis's SERVER_CHILD_NOERROR_RETVAL: the child exits with it when killed on purpose.
constexpr int kNoErrorRetval = 255;
// Redis's CHILD_COW_DUTY_CYCLE: a COW reading costs at most 1/100 of the child's time.
constexpr int64_t kCowDutyCycle = 100;

struct InfoMsg {
  int type;
  size_t keys;
  size_t cow;
  int64_t cow_updated_us;
};

// Private_Dirty of this process (Redis's zmalloc_get_private_dirty), from smaps_rollup.
size_t PrivateDirtyBytes() {
  FILE* f = fopen("/proc/self/smaps_rollup", "r");
  if (f == nullptr) f = fopen("/proc/self/smaps", "r");
  if (f == nullptr) return 0;
  char line[256];
  size_t total = 0;
  while (fgets(line, sizeof(line), f) != nullptr) {
    if (strncmp(line, "Private_Dirty:", 14) == 0) total += strtoull(line + 14, nullptr, 10) * 1024;
  }
  fclose(f);
  return total;
}

void SigUsr1InChild(int) {
  // Killed on purpose (SHUTDOWN, FLUSHALL, appendonly no): not an error for the parent.
  _exit(kNoErrorRetval);
}

}  // namespace

int64_t ChildProcess::MonotonicUs() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
}

pid_t ChildProcess::Fork(Server& s, ChildType type, size_t keys_total,
                         const std::function<int()>& body) {
  if (active()) {
    errno = EEXIST;
    return -1;
  }
  if (pipe2(pipe_, O_CLOEXEC) != 0) {
    pipe_[0] = pipe_[1] = -1;
  } else {
    fcntl(pipe_[0], F_SETFL, O_NONBLOCK);
  }
  int64_t start = MonotonicUs();
  pid_t pid = fork();
  if (pid == 0) {
    // Child. Only this thread exists here: nothing may wait on the parent's other threads'
    // locks (the AOF fsync worker), and libuv's loop and signal pipe belong to the parent.
    in_child_ = true;
    Logger::Get().SetRole('C');
    struct sigaction act {};
    sigemptyset(&act.sa_mask);
    act.sa_handler = SIG_DFL;
    sigaction(SIGTERM, &act, nullptr);
    sigaction(SIGINT, &act, nullptr);
    act.sa_handler = SigUsr1InChild;
    sigaction(SIGUSR1, &act, nullptr);
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, nullptr);
    s.CloseListenerFdsInChild();
    ApplyOomScoreAdj(s.config(), OomClass::kChild);
    if (pipe_[0] != -1) close(pipe_[0]);
    child_pipe_w_ = pipe_[1];
    int rc = body();
    _exit(rc);
  }
  if (pid < 0) {
    int e = errno;
    ClosePipe();
    errno = e;
    return -1;
  }
  ++total_forks;
  latest_fork_usec = MonotonicUs() - start;
  s.LatencyAddSampleIfNeeded("fork", latest_fork_usec / 1000);
  pid_ = pid;
  type_ = type;
  s.keyspace().no_touch = true;
  server_ = &s;
  cow_peak = cow_bytes = 0;
  cow_updated_us = 0;
  keys_processed = 0;
  this->keys_total = keys_total;
  return pid;
}

bool ChildProcess::Poll(int* exitcode, int* bysignal) {
  if (!active()) return false;
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == 0) return false;
  if (r < 0) {
    Log(LogLevel::kWarning, "waitpid() returned an error: {}. child_pid = {}", strerror(errno),
        pid_);
    *exitcode = -1;
    *bysignal = 0;
    return true;
  }
  *exitcode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  *bysignal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
  if (*exitcode == kNoErrorRetval) {
    *bysignal = SIGUSR1;
    *exitcode = 1;
  }
  return true;
}

void ChildProcess::Kill(bool wait) {
  if (!active()) return;
  if (kill(pid_, SIGUSR1) != -1 && wait) {
    int status;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
  }
  if (wait) Reset();
}

void ChildProcess::Reset() {
  if (server_ != nullptr) server_->keyspace().no_touch = false;
  pid_ = -1;
  type_ = ChildType::kNone;
  cow_peak = cow_bytes = 0;
  cow_updated_us = 0;
  keys_processed = keys_total = 0;
  ClosePipe();
}

void ChildProcess::ClosePipe() {
  for (int& fd : pipe_) {
    if (fd != -1) close(fd);
    fd = -1;
  }
}

void ChildProcess::ReceiveInfo() {
  if (pipe_[0] == -1) return;
  InfoMsg m;
  while (read(pipe_[0], &m, sizeof(m)) == static_cast<ssize_t>(sizeof(m))) {
    if (m.cow > cow_peak) cow_peak = m.cow;
    switch (static_cast<ChildInfoType>(m.type)) {
      case ChildInfoType::kCurrent:
        cow_bytes = m.cow;
        cow_updated_us = m.cow_updated_us;
        keys_processed = m.keys;
        break;
      case ChildInfoType::kAofCowSize:
        aof_cow_bytes = cow_peak;
        break;
      case ChildInfoType::kRdbCowSize:
        rdb_cow_bytes = cow_peak;
        break;
    }
  }
}

void ChildProcess::SendInfo(ChildInfoType type, size_t keys, const char* pname) {
  if (child_pipe_w_ == -1) return;
  static int64_t cow_updated = 0, cost = 0;
  static size_t cow = 0, peak = 0, count = 0;
  static unsigned long long sum = 0;
  int64_t now = MonotonicUs();
  if (type != ChildInfoType::kCurrent || cow_updated == 0 || now - cow_updated > cost * kCowDutyCycle) {
    cow = PrivateDirtyBytes();
    cow_updated = MonotonicUs();
    cost = cow_updated - now;
    if (cow > peak) peak = cow;
    sum += cow;
    ++count;
    bool final_info = type != ChildInfoType::kCurrent;
    if (cow != 0 || final_info) {
      Log(final_info ? LogLevel::kNotice : LogLevel::kVerbose,
          "Fork CoW for {}: current {} MB, peak {} MB, average {} MB", pname, cow >> 20,
          peak >> 20, (sum / count) >> 20);
    }
  }
  InfoMsg m{static_cast<int>(type), keys, cow, cow_updated};
  if (write(child_pipe_w_, &m, sizeof(m)) != static_cast<ssize_t>(sizeof(m))) {
    Log(LogLevel::kWarning, "Child failed reporting info to parent, exiting. {}", strerror(errno));
    _exit(1);
  }
}

void ChildProcess::OnKeySaved(size_t keys, const char* pname) {
  // rdb-key-save-delay slows every save down, SAVE included (a testing knob, as in Redis).
  if (key_save_delay_us_ > 0) usleep(static_cast<useconds_t>(key_save_delay_us_));
  if (!in_child_) return;
  static int64_t info_updated_ms = 0;
  if ((keys & 1023) == 0) {
    int64_t now_ms = MonotonicUs() / 1000;
    if (now_ms - info_updated_ms >= 1000) {
      SendInfo(ChildInfoType::kCurrent, keys, pname);
      info_updated_ms = now_ms;
    }
  }
}

}  // namespace sable
