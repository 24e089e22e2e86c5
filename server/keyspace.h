// The databases: one intrusive dict of KvEntry per db, lazy expiry on lookup, the active
// expiry cycle, and counters INFO reports. All expiry decisions use the caller's cached clock.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "datastructs/dict.h"
#include "datastructs/hash.h"
#include "datastructs/kv_entry.h"

namespace sable {

using KvTable = Dict<KvEntry, KvEntryTraits>;

struct Db {
  explicit Db(const HashSeed* seed) : table(seed) {}
  KvTable table;
  size_t volatile_keys = 0;     // entries with an expiry
  uint64_t expire_cursor = 0;   // active expiry scan position
  int64_t avg_ttl = 0;          // running estimate for INFO keyspace
};

struct KeyspaceStats {
  uint64_t expired_keys = 0;
  uint64_t keyspace_hits = 0;
  uint64_t keyspace_misses = 0;
  uint64_t expire_cycle_cpu_ms = 0;
  uint64_t expired_stale_perc = 0;
};

class Keyspace {
 public:
  Keyspace(int databases, const HashSeed* seed);
  Keyspace(const Keyspace&) = delete;
  Keyspace& operator=(const Keyspace&) = delete;
  ~Keyspace();

  int size() const { return static_cast<int>(dbs_.size()); }
  Db& db(int i) { return *dbs_[i]; }

  // Lookup with lazy expiry: an expired key is deleted and reported absent.
  KvEntry* Find(int db, std::string_view key, int64_t now_ms);
  // Lookup without expiry (an expired key is still returned): for deciding whether to
  // signal blocked clients, which then look the key up properly.
  KvEntry* Peek(int db, std::string_view key) { return dbs_[db]->table.Find(key); }
  // Same, counting hits/misses (read commands) and touching the LRU clock unless `touch` is
  // false (Redis's LOOKUP_NOTOUCH: TTL, TYPE, EXISTS do not count as an access).
  KvEntry* FindRead(int db, std::string_view key, int64_t now_ms, bool touch = true);
  // Link to the pointer holding the entry (for in-place replacement), or nullptr.
  KvEntry** FindLink(int db, std::string_view key, int64_t now_ms);

  // REQUIRES: key absent.
  void Insert(int db, KvEntry* e);
  // Puts `e` where *link is, freeing the old entry.
  void Replace(int db, KvEntry** link, KvEntry* e);
  // Inserts or replaces (SET): frees a previous entry under the same key.
  void Upsert(int db, KvEntry* e, int64_t now_ms);
  // Same, with the key's hash already computed (REQUIRES: hash == db(db).table.HashKey(key)).
  void UpsertHashed(int db, KvEntry* e, uint64_t hash);
  bool Delete(int db, std::string_view key);
  // Removes the entry from the dict without freeing it (RENAME/MOVE).
  KvEntry* Detach(int db, std::string_view key);

  // Sets or clears (ms < 0) the expiry of *link's entry; may reallocate the entry.
  // Returns the (possibly new) entry.
  KvEntry* SetExpire(int db, KvEntry** link, int64_t ms);

  size_t KeyCount(int db) { return dbs_[db]->table.size(); }
  void FlushDb(int db);
  // Empties `db` and returns its table with every entry in it, to be freed elsewhere (FLUSHDB
  // ASYNC). Clients blocked on its streams are the caller's to wake.
  std::unique_ptr<KvTable> DetachTable(int db);
  void FlushAll();
  void SwapDb(int a, int b);

  // Active expiry: scans volatile entries incrementally; returns keys expired. Stops after
  // `time_budget_us` or when few sampled keys are expired.
  size_t ActiveExpireCycle(int64_t now_ms, int64_t time_budget_us);
  // Incremental rehash work for the cron.
  void RehashStep(int64_t us);

  bool expired(const KvEntry* e, int64_t now_ms) const {
    return e->has_expire() && e->expire_ms() <= now_ms;
  }

  // Called for every key removed by expiry (lazy or active) before it is freed, so the
  // deletion can be propagated (AOF, replicas) as Redis does.
  void (*on_expired)(void* ctx, int db, std::string_view key) = nullptr;
  void* on_expired_ctx = nullptr;
  // Called for every stream value leaving the keyspace (deleted, overwritten, renamed away,
  // expired, flushed), before it is freed: clients blocked in XREADGROUP on the key must be
  // told (Redis signals such keys as ready). Spurious calls are harmless.
  void (*on_stream_removed)(void* ctx, int db, std::string_view key) = nullptr;
  void* on_stream_removed_ctx = nullptr;
  // When set, called after a key is added (Redis's dbAdd "new" keyspace event), except while
  // loading; the context is on_expired_ctx.
  void (*on_new_key)(void* ctx, int db, std::string_view key) = nullptr;
  // While loading (AOF/RDB) or on a replica, keys are never expired here.
  bool expiry_paused = false;
  // During CLIENT PAUSE (Redis's PAUSE_ACTION_EXPIRE): reads see expired keys as missing, but
  // neither they nor the active cycle delete them, so nothing reaches the AOF or replicas.
  bool expire_deletes_paused = false;
  // lazyfree-lazy-expire: expired entries are handed to this (it frees them, maybe on the
  // background thread) instead of being freed here.
  void (*free_expired)(void* ctx, KvEntry* e) = nullptr;
  // lazyfree-lazy-server-del: the same for values a command overwrites (Replace/Upsert) or
  // deletes as a side effect (Delete).
  void (*free_server_del)(void* ctx, KvEntry* e) = nullptr;
  // While a child saves, reads do not update the LRU clock of entries (as Redis): the write
  // would copy the page the child still shares.
  bool no_touch = false;

  KeyspaceStats stats;
  uint32_t lru_clock = 0;  // seconds, set by the server cron/loop
  bool active_expire_enabled = true;

  // Access tracking in the entries' 24-bit field, as Redis: LRU (seconds clock) or, under an
  // LFU maxmemory-policy, LFU (16-bit minutes of last decrement << 8 | 8-bit log counter).
  bool lfu = false;
  int lfu_log_factor = 10;
  int lfu_decay_time = 1;  // minutes per counter decrement; 0 = never
  // The field value for a new entry (LRU: now; LFU: now, counter 5).
  uint32_t InitialAccess() const { return lfu ? (LfuMinutes() << 8) | kLfuInitVal : lru_clock; }
  // The field value for an entry whose LFU counter is `freq` (RESTORE ... FREQ, RDB FREQ).
  uint32_t LfuAccess(uint8_t freq) const { return (LfuMinutes() << 8) | freq; }
  // The decayed LFU counter of `e` (OBJECT FREQ); meaningful only when lfu.
  uint8_t LfuCounter(const KvEntry* e) const;
  // Records an access to `e` (LRU clock or LFU logarithmic increment).
  void TouchAccess(KvEntry* e);
  static constexpr uint8_t kLfuInitVal = 5;

 private:
  void InsertHashed(int db, KvEntry* e, uint64_t hash);
  uint32_t LfuMinutes() const { return (lru_clock / 60) & 65535; }
  void ExpireNow(int db, KvEntry* e);
  void FreeDeleted(KvEntry* e);
  void StreamRemoved(int db, const KvEntry* e) {
    if (e->type() == ObjType::kStream && on_stream_removed)
      on_stream_removed(on_stream_removed_ctx, db, e->key());
  }
  uint64_t lfu_rng_ = 0x9E3779B97F4A7C15ull;
  std::vector<Db*> dbs_;
  int expire_db_cursor_ = 0;
};

}  // namespace sable
