#include "server/oom_score.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "server/config.h"
#include "server/log.h"

namespace sable {

namespace {

// Per process (a forked child inherits them, as Redis's statics).
bool g_adjusted = false;  // Sable changed the score: g_base is what to restore
int g_base = 0;

constexpr const char* kPath = "/proc/self/oom_score_adj";

bool ReadScore(int* out) {
  int fd = open(kPath, O_RDONLY | O_CLOEXEC);
  char buf[32] = {};
  ssize_t n = fd < 0 ? -1 : read(fd, buf, sizeof(buf) - 1);
  int saved = errno;
  if (fd >= 0) close(fd);
  if (n < 0) {
    Log(LogLevel::kWarning, "Unable to read oom_score_adj: {}", strerror(saved));
    return false;
  }
  *out = atoi(buf);
  return true;
}

bool WriteScore(int v) {
  std::string text = std::to_string(v) + "\n";
  int fd = open(kPath, O_WRONLY | O_CLOEXEC);
  ssize_t n = fd < 0 ? -1 : write(fd, text.data(), text.size());
  int saved = errno;
  if (fd >= 0) close(fd);
  if (n < 0) {
    Log(LogLevel::kWarning, "Unable to write oom_score_adj: {}", strerror(saved));
    return false;
  }
  return true;
}

}  // namespace

bool ApplyOomScoreAdj(const Config& config, OomClass cls) {
  std::string mode = config.GetValue("oom-score-adj");
  if (mode == "no") {
    if (!g_adjusted) return true;
    g_adjusted = false;
    return WriteScore(g_base);
  }
  if (!g_adjusted) {
    if (!ReadScore(&g_base)) return false;
    g_adjusted = true;
  }
  int values[3] = {0, 200, 800};
  std::istringstream is(config.GetValue("oom-score-adj-values"));
  for (int& v : values) is >> v;
  int v = values[static_cast<int>(cls)];
  if (mode != "absolute") v += g_base;  // yes = relative
  return WriteScore(std::clamp(v, -1000, 1000));
}

}  // namespace sable
