// Client-side caching (CLIENT TRACKING) as Redis 7.0's tracking.c.
//
// Default mode: every key a tracking client reads (a readonly command's key arguments) is
// remembered as key -> client ids; when the key is modified the clients get one invalidation
// and the key is forgotten. BCAST mode: clients subscribe to key prefixes instead; modified
// keys are collected per prefix and sent once per event-loop cycle (Broadcast, before the
// loop sleeps). Invalidations go to the client itself as RESP3 `invalidate` pushes, or to a
// REDIRECT client (RESP3 push, or for RESP2 a message on __redis__:invalidate when it is
// subscribed). Client ids, not pointers, live in the key table: entries of disconnected
// clients are dropped lazily, as in Redis.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/command_table.h"

namespace sable {

class Connection;
class Server;

// Per-client tracking state (in Connection).
struct ClientTracking {
  enum : uint16_t {
    kOn = 1 << 0,
    kBcast = 1 << 1,
    kOptin = 1 << 2,
    kOptout = 1 << 3,
    kCaching = 1 << 4,  // CLIENT CACHING yes/no given for the next command
    kNoloop = 1 << 5,
    kBrokenRedir = 1 << 6,  // the redirect client went away
  };
  uint16_t flags = 0;
  uint64_t redirect = 0;              // 0 = none
  std::vector<std::string> prefixes;  // BCAST prefixes, sorted
  bool on() const { return flags & kOn; }
  bool has(uint16_t f) const { return flags & f; }
};

class Tracking {
 public:
  explicit Tracking(Server* server) : server_(server) {}
  Tracking(const Tracking&) = delete;
  Tracking& operator=(const Tracking&) = delete;

  // CLIENT TRACKING on: `options` are kBcast/kOptin/kOptout/kNoloop. Compatibility checks
  // are the caller's (CheckEnable).
  void Enable(Connection& c, uint64_t redirect, uint16_t options,
              const std::vector<std::string_view>& prefixes);
  // Returns "" or the error reply for enabling with these options on `c`.
  std::string CheckEnable(const Connection& c, uint16_t options,
                          const std::vector<std::string_view>& prefixes) const;
  void Disable(Connection& c);

  // After a readonly command of `c` (default mode): remember its keys for `c`.
  void RememberKeys(Connection& c, const CommandSpec& spec, ArgList args);
  // `key` was modified by `by` (nullptr: expiry, eviction). `bcast`: also queue it for BCAST
  // clients (false when a key is only dropped from the table).
  void InvalidateKey(Connection* by, std::string_view key, bool bcast);
  // FLUSHDB/FLUSHALL: every tracking client gets a null invalidation; the table is emptied.
  void InvalidateAllOnFlush();
  // Sends invalidations that were held back because they concern the client running the
  // current command (they follow its reply).
  void HandlePending();
  bool has_pending() const { return !pending_.empty(); }
  // Keeps the key table within tracking-table-max-keys (before commands, and in the cron).
  void LimitUsedSlots();
  // Sends the keys modified since the last call to BCAST clients (before the loop sleeps).
  void Broadcast();

  size_t clients() const { return clients_; }
  uint64_t total_items() const { return items_; }
  size_t total_keys() const { return table_.size(); }
  size_t total_prefixes() const { return prefixes_.size(); }
  // Fast check for write paths: is there anything to invalidate at all?
  bool active() const { return used_ && (clients_ > 0 || !table_.empty()); }

 private:
  struct Bcast {
    std::map<std::string, Connection*> keys;  // modified this cycle -> last modifier
    std::vector<Connection*> clients;
  };
  // `payload` is a key name, or (raw) an already encoded RESP value.
  void Send(Connection& c, std::string_view payload, bool raw);
  void RememberForBroadcast(Connection* by, std::string_view key);
  static std::string BroadcastReply(const Bcast& b, const Connection* exclude);

  Server* server_;
  bool used_ = false;  // tracking was ever enabled (Redis creates its tables then)
  std::unordered_map<std::string, std::vector<uint64_t>> table_;  // key -> client ids
  std::map<std::string, Bcast> prefixes_;
  uint64_t items_ = 0;
  size_t clients_ = 0;
  unsigned limit_rounds_ = 0;
  // Invalidations for the client running the current command: a key, or nullopt for the
  // null ("everything") of a flush.
  std::vector<std::optional<std::string>> pending_;
};

}  // namespace sable
