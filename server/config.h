// Typed configuration table with redis.conf syntax. Every Redis 7.0 setting name is known
// (see config_table.inc); values are validated by kind (bool, integer, memory with units,
// enum, string, or special parsers). Hot settings are mirrored into typed fields that the
// server reads directly. Unknown names and invalid values are errors with Redis's wording.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sable {

struct SavePoint {
  int64_t seconds;
  int64_t changes;
};

// One class of client-output-buffer-limit (0 = no limit).
struct OutputBufferLimit {
  int64_t hard = 0;
  int64_t soft = 0;
  int64_t soft_seconds = 0;
};

class Config {
 public:
  Config();

  // Parses config text (file contents, or argv turned into lines). On error fills *err with
  // the Redis-style fatal message (line number, the line, reason) and returns false.
  bool LoadText(const std::string& text, std::string* err);
  bool LoadFile(const std::string& path, std::string* extra_text_err);
  // Builds config text from argv the way Redis does ("--port 1 --save ''" → lines).
  static bool ArgvToText(int argc, char** argv, int first, std::string* text, std::string* err);

  // CONFIG SET name value: returns "" or an error message (without "ERR ").
  std::string Set(std::string_view name, std::string_view value);
  // CONFIG GET: (name, value) pairs for every setting matching the glob pattern.
  std::vector<std::pair<std::string, std::string>> Get(std::string_view pattern) const;
  bool Exists(std::string_view name) const;
  std::string GetValue(std::string_view name) const;
  // CONFIG REWRITE: rewrite `path` keeping its comments and order, updating changed settings.
  bool Rewrite(std::string* err) const;
  const std::string& file() const { return file_; }

  // Called after a setting changes (server applies side effects: loglevel, maxclients...).
  std::function<std::string(const std::string& name)> on_change;
  // `user` directives (ACL users) in file order; CONFIG REWRITE writes rewrite_users()'s
  // lines ("user NAME RULES...") in their place.
  std::vector<std::vector<std::string>> user_lines;
  std::function<std::vector<std::string>()> rewrite_users;

  // Typed mirrors of hot settings (kept in sync by Set).
  int port = 6379;
  // Redis 7's default: every interface (IPv6 if available); protected mode refuses
  // non-loopback clients while no password is set.
  std::vector<std::string> bind{"*", "-::*"};
  bool protected_mode = true;
  std::string requirepass;
  int databases = 16;
  int hz = 10;
  int maxclients = 10000;
  int64_t timeout = 0;
  int64_t proto_max_bulk_len = 512LL * 1024 * 1024;
  int64_t client_query_buffer_limit = 1024LL * 1024 * 1024;
  int64_t slowlog_log_slower_than = 10000;
  int64_t slowlog_max_len = 128;
  bool lazyfree_lazy_eviction = false;
  bool lazyfree_lazy_expire = false;
  bool lazyfree_lazy_server_del = false;
  bool lazyfree_lazy_user_del = false;
  bool lazyfree_lazy_user_flush = false;
  int64_t min_replicas_to_write = 0;
  int64_t min_replicas_max_lag = 10;
  int64_t latency_monitor_threshold = 0;
  // Per-command latency histograms (INFO latencystats) and the percentiles INFO reports.
  bool latency_tracking = true;
  std::vector<double> latency_tracking_info_percentiles{50.0, 99.0, 99.9};
  int64_t maxmemory = 0;
  std::string loglevel = "notice";
  std::string logfile;
  std::string dir;
  std::string pidfile;
  std::string unixsocket;
  int unixsocketperm = 0;  // mode bits (CONFIG GET shows them in octal, as Redis)
  std::string enable_debug_command = "no";
  std::string maxmemory_policy = "noeviction";
  std::vector<SavePoint> save;
  bool daemonize = false;
  int active_expire_effort = 1;
  int64_t tcp_keepalive = 300;
  // Compact-encoding limits, read on hot paths (HSET, RPUSH, SADD, ZADD).
  int64_t hash_max_listpack_entries = 512;
  int64_t hash_max_listpack_value = 64;
  int64_t list_max_listpack_size = -2;
  int64_t set_max_intset_entries = 512;
  int64_t zset_max_listpack_entries = 128;
  int64_t zset_max_listpack_value = 64;
  int64_t hll_sparse_max_bytes = 3000;
  bool aof_timestamp_enabled = false;
  int64_t stream_node_max_bytes = 4096;
  int64_t stream_node_max_entries = 100;
  // Pub/Sub, keyspace events and client-side caching.
  int notify_keyspace_events = 0;  // NotifyFlag bits (server/notify.h)
  int64_t tracking_table_max_keys = 1000000;
  OutputBufferLimit obuf_normal;
  OutputBufferLimit obuf_replica{268435456, 67108864, 60};
  OutputBufferLimit obuf_pubsub{33554432, 8388608, 60};

 private:
  struct Entry {
    char kind;
    std::string value;  // canonical textual value (what CONFIG GET returns)
    std::string enum_values;
  };
  std::string Canonical(std::string_view name) const;
  std::string Validate(const std::string& name, Entry& e, std::string_view value,
                       std::string* canon) const;
  void Mirror(const std::string& name);
  std::string SetArgs(const std::string& name, const std::vector<std::string>& args);
  std::string OutputBufferLimitsText(const std::vector<std::string>& args,
                                     std::string* canon) const;
  std::string PercentilesText(const std::vector<std::string>& args, std::string* canon) const;

  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> aliases_;  // alias -> canonical
  std::string file_;
};

// Parses "1gb", "100mb", "10k" etc. like Redis's memtoull. Returns false on junk.
bool ParseMemory(std::string_view s, int64_t* out);

// A percentile as Redis prints it in config values and INFO labels: "%f" with trailing zeros
// (then a trailing '.') removed, so 99.9 is "99.9" and 50.0 is "50".
std::string PercentileText(double p);

}  // namespace sable
