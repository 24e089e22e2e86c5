// sable-server [/path/to/sable.conf] [--name value ...]: Redis's command-line forms.
#include <sys/resource.h>
#include <unistd.h>

#ifndef SABLE_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include <clocale>
#include <cstdio>
#include <cstring>
#include <string>

#include "server/acl.h"
#include "server/config.h"
#include "server/log.h"
#include "server/proctitle.h"
#include "server/server.h"
#include "server/tick_clock.h"

using namespace sable;

#ifndef SABLE_NO_JEMALLOC
// Freed pages go back to the OS after 1 s instead of jemalloc's default 10 s, so RSS tracks
// the dataset closely (old hash-table bucket arrays after a resize are the big case).
extern "C" {
const char* malloc_conf = "dirty_decay_ms:1000,muzzy_decay_ms:0";
}
#endif

namespace {

void Usage() {
  fprintf(stderr,
          "Usage: ./sable-server [/path/to/sable.conf] [options] [-]\n"
          "       ./sable-server - (read config from stdin)\n"
          "       ./sable-server -v or --version\n"
          "       ./sable-server -h or --help\n\n"
          "Examples:\n"
          "       ./sable-server (run the server with default conf)\n"
          "       ./sable-server /etc/sable/6379.conf\n"
          "       ./sable-server --port 7777\n"
          "       ./sable-server /etc/mysable.conf --loglevel verbose -\n");
}

}  // namespace

int main(int argc, char** argv) {
  // As redis-server: SORT ... ALPHA collates with strcoll in the environment's locale.
  setlocale(LC_COLLATE, "");
  Config config;
  int first = 1;
  std::string err;
  if (argc >= 2) {
    std::string a1 = argv[1];
    if (a1 == "-v" || a1 == "--version") {
      printf("Sable server v=7.0.15 sha=00000000:0 malloc=jemalloc bits=64 build=sable\n");
      return 0;
    }
    if (a1 == "-h" || a1 == "--help") {
      Usage();
      return 0;
    }
    if (a1[0] != '-' || a1 == "-") {
      if (a1 != "-" && !config.LoadFile(a1, &err)) {
        fprintf(stderr, "%s\n", err.c_str());
        return 1;
      }
      first = 2;
    }
  }
  const int original_argc = argc;
  std::string text;
  bool read_stdin = false;
  if (argc > first && std::string(argv[argc - 1]) == "-") {
    read_stdin = true;
    --argc;
  }
  if (!Config::ArgvToText(argc, argv, first, &text, &err)) {
    fprintf(stderr, "%s\n", err.c_str());
    Usage();
    return 1;
  }
  if (read_stdin) {
    char buf[4096];
    size_t n;
    while ((n = fread(buf, 1, sizeof(buf), stdin)) > 0) text.append(buf, n);
  }
  if (!config.LoadText(text, &err)) {
    fprintf(stderr, "%s\n", err.c_str());
    return 1;
  }
  Logger& lg = Logger::Get();
  static const char* kLevels[] = {"debug", "verbose", "notice", "warning"};
  for (int i = 0; i < 4; ++i)
    if (config.loglevel == kLevels[i]) lg.SetLevel(static_cast<LogLevel>(i));
  if (!config.logfile.empty() && !lg.SetFile(config.logfile)) {
    fprintf(stderr, "Can't open the log file: %s\n", strerror(errno));
    return 1;
  }
  if (config.daemonize) {
    if (config.logfile.empty()) lg.SetFile("/dev/null");
    if (fork() != 0) return 0;
    setsid();
  }
  Log(LogLevel::kNotice, "oO0OoO0OoO0Oo Sable is starting oO0OoO0OoO0Oo");
  Log(LogLevel::kNotice, "Sable version=7.0.15, bits=64, pid={}, just started", getpid());
  // Like Redis: make room for maxclients sockets plus the server's own descriptors.
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
    rlim_t want = static_cast<rlim_t>(config.maxclients) + 32;
    if (rl.rlim_cur < want) {
      rlim_t old = rl.rlim_cur;
      rl.rlim_cur = want <= rl.rlim_max ? want : rl.rlim_max;
      if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < want)
        Log(LogLevel::kWarning,
            "You requested maxclients of {} requiring at least {} max file descriptors; the "
            "limit is {} (was {}).", config.maxclients, want, rl.rlim_cur, old);
    }
  }
  TickClock::Calibrate();
#ifndef SABLE_NO_JEMALLOC
  // As Redis does (jemalloc-bg-thread yes): jemalloc's own thread returns freed pages to the
  // OS, so RSS follows the dataset down. It touches no keyspace data.
  bool bg = config.GetValue("jemalloc-bg-thread") == "yes";
  mallctl("background_thread", nullptr, nullptr, &bg, sizeof(bg));
#endif
  Server server(&config);
  server.executable = argv[0];
  ProcTitleInit(original_argc, argv);  // argv is not read after this
  std::string acl_err = server.acl().LoadAtStartup(config.user_lines, config.GetValue("aclfile"));
  if (!acl_err.empty()) {
    Log(LogLevel::kWarning, "{}", acl_err);
    return 1;
  }
  // As Redis: the listeners exist before the data is loaded, so clients that connect during a
  // long load wait in the backlog instead of being refused.
  if (!server.Listen()) return 1;
  // The banner comes once the server listens (as Redis's logo): whoever waits for " PID: <pid>"
  // in the log (the Redis test suite) may connect right away.
  Log(LogLevel::kNotice, "Sable 7.0.15 (Redis-compatible) standalone, port {}, PID: {}",
      config.port, getpid());
  Log(LogLevel::kNotice, "Server initialized");
  if (std::string bad = server.UpdateProcTitle(); !bad.empty())
    Log(LogLevel::kWarning, "proc-title-template: {}", bad);
  // A signal during a long load stops it (Redis: "Received shutdown signal during loading").
  server.InstallSignalHandlers();
  std::string load_err;
  if (!server.LoadData(&load_err)) {
    Log(LogLevel::kWarning, "Fatal error loading the DB: {}. Exiting.", load_err);
    return 1;
  }
  int rc = server.Run();
  return rc;
}
