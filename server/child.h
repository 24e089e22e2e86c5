// The background child of the process (Redis's redisFork / checkChildrenDone / child info
// pipe): BGSAVE and BGREWRITEAOF fork one child at a time; it writes its file from the
// copy-on-write image of the dataset and exits. The parent reaps it from the cron without
// blocking. The child reports progress and its copy-on-write size (Private_Dirty) through a
// pipe, as Redis does, for INFO's current_cow_size / rdb_last_cow_size / current_fork_perc.
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>

namespace sable {

class Server;

enum class ChildType { kNone = 0, kRdb = 1, kAof = 2 };

// What the child tells the parent (Redis's childInfoType).
enum class ChildInfoType { kCurrent = 0, kAofCowSize = 1, kRdbCowSize = 2 };

class ChildProcess {
 public:
  ChildProcess() = default;
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  // Forks a child of `type` (none may be active). In the child `body` runs with the event loop
  // abandoned (signals reset, listeners closed) and its return value is the exit status
  // (0 = success); the child never returns from here. Parent: the pid, or -1 with errno.
  pid_t Fork(Server& s, ChildType type, size_t keys_total, const std::function<int()>& body);

  bool active() const { return pid_ > 0; }
  ChildType type() const { return type_; }
  pid_t pid() const { return pid_; }

  // Non-blocking reap (waitpid WNOHANG). True when the child has exited: *exitcode / *bysignal
  // as Redis's checkChildrenDone reports them (a SIGUSR1 kill reads as bysignal SIGUSR1).
  bool Poll(int* exitcode, int* bysignal);
  // SIGUSR1 to the child; `wait` blocks until it is gone and resets the state (Redis's
  // killAppendOnlyChild), otherwise the next Poll reaps it (killRDBChild).
  void Kill(bool wait);
  // Forget the child (after its done handler ran).
  void Reset();
  // Reads the reports waiting in the info pipe.
  void ReceiveInfo();

  // Statistics (INFO persistence / stats).
  int64_t latest_fork_usec = 0;
  uint64_t total_forks = 0;
  size_t cow_peak = 0;        // current_cow_peak
  size_t cow_bytes = 0;       // current_cow_size
  int64_t cow_updated_us = 0;  // monotonic time of the last COW reading (0 = none)
  size_t keys_processed = 0;  // current_save_keys_processed
  size_t keys_total = 0;      // current_save_keys_total
  size_t rdb_cow_bytes = 0;   // rdb_last_cow_size
  size_t aof_cow_bytes = 0;   // aof_last_cow_size

  // ---- Child side ----
  // Reports progress / the final COW size to the parent (Redis's sendChildInfoGeneric; the
  // Private_Dirty reading is throttled for kCurrent). Exits the child if the parent is gone.
  static void SendInfo(ChildInfoType type, size_t keys, const char* pname);
  // Call once per key written: sends kCurrent at most once a second (Redis: every 1024 keys,
  // if a second passed) and applies rdb-key-save-delay.
  static void OnKeySaved(size_t keys, const char* pname);
  static bool in_child() { return in_child_; }
  static void set_key_save_delay_us(int64_t us) { key_save_delay_us_ = us; }
  // Monotonic microseconds.
  static int64_t MonotonicUs();

 private:
  void ClosePipe();
  Server* server_ = nullptr;
  pid_t pid_ = -1;
  ChildType type_ = ChildType::kNone;
  int pipe_[2] = {-1, -1};
  static bool in_child_;
  static int child_pipe_w_;
  static int64_t key_save_delay_us_;
};

}  // namespace sable
