#include "server/log.h"

#include <fcntl.h>
#include <sys/time.h>
#include <unistd.h>

#include <ctime>

namespace sable {

Logger& Logger::Get() {
  static Logger logger;
  return logger;
}

bool Logger::SetFile(const std::string& path) {
  if (path.empty()) {
    fd_ = 1;
    return true;
  }
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return false;
  if (fd_ > 2) close(fd_);
  fd_ = fd;
  return true;
}

void Logger::Write(LogLevel l, std::string_view msg) {
  static const char kMarks[] = ".-*#";
  timeval tv;
  gettimeofday(&tv, nullptr);
  tm tmv;
  localtime_r(&tv.tv_sec, &tmv);
  char ts[64];
  size_t n = strftime(ts, sizeof(ts), "%d %b %Y %H:%M:%S", &tmv);
  ts[n] = 0;
  std::string line = fmt::format("{}:{} {}.{:03d} {} {}\n", getpid(), role_, ts,
                                 static_cast<int>(tv.tv_usec / 1000), kMarks[static_cast<int>(l)],
                                 msg);
  ssize_t ignored = ::write(fd_, line.data(), line.size());
  (void)ignored;
}

}  // namespace sable
