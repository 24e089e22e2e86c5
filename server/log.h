// Redis-style logging: "pid:role dd Mon yyyy hh:mm:ss.mmm <marker> message".
// Levels and markers follow Redis (debug '.', verbose '-', notice '*', warning '#').
#pragma once

#include <fmt/format.h>

#include <string>

namespace sable {

enum class LogLevel { kDebug = 0, kVerbose = 1, kNotice = 2, kWarning = 3 };

class Logger {
 public:
  static Logger& Get();  // the process logger (the one process-wide object: logging is per process)
  void SetLevel(LogLevel l) { level_ = l; }
  LogLevel level() const { return level_; }
  bool SetFile(const std::string& path);  // "" = stdout
  void Write(LogLevel l, std::string_view msg);
  bool Enabled(LogLevel l) const { return l >= level_; }
  // The role letter after the pid: 'M' (the server), 'C' (a background child), as Redis.
  void SetRole(char r) { role_ = r; }

 private:
  LogLevel level_ = LogLevel::kNotice;
  int fd_ = 1;
  char role_ = 'M';
};

template <typename... Args>
void Log(LogLevel l, fmt::format_string<Args...> f, Args&&... args) {
  Logger& lg = Logger::Get();
  if (!lg.Enabled(l)) return;
  lg.Write(l, fmt::format(f, std::forward<Args>(args)...));
}

}  // namespace sable
