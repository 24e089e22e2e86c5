// maxmemory: keys are evicted before a command runs when used memory is over the limit, as
// Redis's performEvictions (evict.c). LRU, LFU and TTL policies keep a pool of the 16 best
// candidates found by sampling maxmemory-samples keys per database; random policies take a
// random key. Each eviction is propagated (DEL, or UNLINK with lazyfree-lazy-eviction), fires
// the "evicted" keyspace event and invalidates WATCH and client-side caches. With noeviction,
// or nothing left to evict, commands flagged denyoom are refused with -OOM (dispatcher).
//
// Memory is read from jemalloc's per-thread allocation counters (Server::UsedMemory: two
// loads), so checking the limit before every command is cheap.
#include <cmath>
#include <cstring>
#include <string>

#include "datastructs/numbers.h"
#include "server/aof.h"
#include "server/child.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/lua_engine.h"
#include "server/notify.h"
#include "server/server.h"
#include "server/tracking.h"

namespace sable {

namespace {

enum class Policy { kNoEviction, kVolatileLru, kVolatileLfu, kVolatileRandom, kVolatileTtl,
                    kAllkeysLru, kAllkeysLfu, kAllkeysRandom };

Policy ParsePolicy(const std::string& p) {
  if (p == "volatile-lru") return Policy::kVolatileLru;
  if (p == "volatile-lfu") return Policy::kVolatileLfu;
  if (p == "volatile-random") return Policy::kVolatileRandom;
  if (p == "volatile-ttl") return Policy::kVolatileTtl;
  if (p == "allkeys-lru") return Policy::kAllkeysLru;
  if (p == "allkeys-lfu") return Policy::kAllkeysLfu;
  if (p == "allkeys-random") return Policy::kAllkeysRandom;
  return Policy::kNoEviction;
}

bool IsVolatile(Policy p) {
  return p == Policy::kVolatileLru || p == Policy::kVolatileLfu ||
         p == Policy::kVolatileRandom || p == Policy::kVolatileTtl;
}

bool IsRandom(Policy p) { return p == Policy::kVolatileRandom || p == Policy::kAllkeysRandom; }

// Redis's evictionTimeLimitUs: how long one call may evict before the rest is left to a timer.
uint64_t TimeLimitUs(int64_t tenacity) {
  if (tenacity <= 10) return 50 * static_cast<uint64_t>(std::max<int64_t>(tenacity, 0));
  if (tenacity < 100) return static_cast<uint64_t>(500.0 * std::pow(1.15, tenacity - 10.0));
  return UINT64_MAX;
}

}  // namespace

size_t Server::MemoryNotCountedForEvict() const { return aof_buf_.size(); }

size_t Server::MemoryOverLimit(size_t more) const {
  if (config_->maxmemory <= 0) return 0;
  size_t used = UsedMemory() + more, skip = MemoryNotCountedForEvict();
  used = used > skip ? used - skip : 0;
  size_t limit = static_cast<size_t>(config_->maxmemory);
  return used > limit ? used - limit : 0;
}

namespace {

Server* g_server_for_dict = nullptr;

// When a keyspace table may grow (Redis's dictExpandAllowed and dict_can_resize):
// - while a child saves, only past a load factor of 5: a new bucket array and the rehash
//   would copy pages the child still shares;
// - under the maximum load factor, not when the new bucket array would take memory past
//   maxmemory (the growth would only force evictions); past it, it grows anyway.
bool KeyspaceExpandAllowed(size_t more_bytes, double load_factor) {
  constexpr double kMaxLoadFactor = 1.618, kForceResizeRatio = 5;
  if (g_server_for_dict == nullptr) return true;
  if (g_server_for_dict->child().active() && load_factor <= kForceResizeRatio) return false;
  if (load_factor > kMaxLoadFactor) return true;
  return g_server_for_dict->MemoryOverLimit(more_bytes) == 0;
}

}  // namespace

void Server::InstallKeyspaceGrowthCheck() {
  g_server_for_dict = this;
  KvEntryTraits::expand_allowed = KeyspaceExpandAllowed;
}

// Sampling: the keys of a run of consecutive buckets from a random position (Redis's
// dictGetSomeKeys); volatile policies only keep keys with an expiry, and look further when few
// keys have one.
void Server::EvictionPoolPopulate(int db, bool volatile_only, bool lfu_mode, bool ttl_mode,
                                  size_t samples) {
  Db& d = keyspace_->db(db);
  size_t steps = samples * 10;
  if (volatile_only && d.volatile_keys > 0)
    steps = std::min<size_t>(steps * std::max<size_t>(1, d.table.size() / d.volatile_keys),
                             100000);
  size_t got = 0;
  evict_rng_ ^= evict_rng_ << 13;  // xorshift64: a random place to start sampling
  evict_rng_ ^= evict_rng_ >> 7;
  evict_rng_ ^= evict_rng_ << 17;
  uint64_t cursor = evict_rng_;
  for (size_t step = 0; step < steps && got < samples; ++step) {
    cursor = d.table.Scan(cursor, [&](KvEntry* e) {
      if (got >= samples || (volatile_only && !e->has_expire())) return;
      ++got;
      uint64_t idle;
      if (ttl_mode) {
        idle = UINT64_MAX - static_cast<uint64_t>(e->expire_ms());
      } else if (lfu_mode) {
        idle = 255 - keyspace_->LfuCounter(e);
      } else {
        idle = e->IdleSeconds(keyspace_->lru_clock);
      }
      // The pool is sorted by ascending idle time; the best candidate is last.
      auto& pool = evict_pool_;
      size_t k = 0;
      while (k < pool.size() && pool[k].idle < idle) ++k;
      if (k == 0 && pool.size() == kEvictPoolSize) return;  // worse than all of a full pool
      for (const EvictCandidate& c : pool)
        if (c.db == db && c.key == e->key()) return;  // already there
      EvictCandidate cand{idle, db, std::string(e->key())};
      if (pool.size() < kEvictPoolSize) {
        pool.insert(pool.begin() + static_cast<ptrdiff_t>(k), std::move(cand));
      } else {
        pool.erase(pool.begin());  // drop the worst to make room
        pool.insert(pool.begin() + static_cast<ptrdiff_t>(k - 1), std::move(cand));
      }
    });
  }
}

Server::EvictResult Server::PerformEvictions() {
  // Redis's isSafeToPerformEvictions: not while loading or while a script is busy.
  if (loading() || lua_->timed_out()) return EvictResult::kOk;
  if (MemoryOverLimit(0) == 0) return EvictResult::kOk;
  Policy policy = ParsePolicy(config_->maxmemory_policy);
  if (policy == Policy::kNoEviction) return EvictResult::kFail;
  int64_t samples = 5, tenacity = 10;
  StringToInt64(config_->GetValue("maxmemory-samples"), &samples);
  StringToInt64(config_->GetValue("maxmemory-eviction-tenacity"), &tenacity);
  bool lazy = config_->lazyfree_lazy_eviction;
  bool volatile_only = IsVolatile(policy);
  bool lfu = policy == Policy::kVolatileLfu || policy == Policy::kAllkeysLfu;
  bool ttl = policy == Policy::kVolatileTtl;
  uint64_t limit_us = TimeLimitUs(tenacity);
  int64_t start = ChildProcess::MonotonicUs();
  // As Redis, only what the deletions themselves free counts: the invalidation messages and
  // events they cause must not make this call evict more (a feedback loop).
  size_t to_free = MemoryOverLimit(0), freed = 0;
  size_t keys_freed = 0;
  int empty_rounds = 0;  // samplings that found no candidate (volatile keys are few, say)
  while (freed < to_free) {
    int best_db = -1;
    std::string best_key;
    if (!IsRandom(policy)) {
      size_t total = 0;
      for (int i = 0; i < keyspace_->size(); ++i) {
        Db& d = keyspace_->db(i);
        size_t n = volatile_only ? d.volatile_keys : d.table.size();
        if (n == 0) continue;
        total += n;
        EvictionPoolPopulate(i, volatile_only, lfu, ttl,
                             static_cast<size_t>(std::max<int64_t>(samples, 1)));
      }
      if (total == 0) break;
      // From the best candidate down: the first one still present (and still volatile).
      while (!evict_pool_.empty() && best_db < 0) {
        EvictCandidate c = std::move(evict_pool_.back());
        evict_pool_.pop_back();
        KvEntry* e = keyspace_->Peek(c.db, c.key);
        if (e != nullptr && (!volatile_only || e->has_expire())) {
          best_db = c.db;
          best_key = std::move(c.key);
        }
      }
    } else {
      // One random key per call, visiting the databases in turn.
      for (int i = 0; i < keyspace_->size() && best_db < 0; ++i) {
        int db = (evict_next_db_++) % keyspace_->size();
        Db& d = keyspace_->db(db);
        if (volatile_only ? d.volatile_keys == 0 : d.table.size() == 0) continue;
        for (int tries = 0; tries < 1000 && best_db < 0; ++tries) {
          KvEntry* e = d.table.RandomNode();
          if (e != nullptr && (!volatile_only || e->has_expire())) {
            best_db = db;
            best_key = std::string(e->key());
          }
        }
      }
    }
    if (best_db < 0) {
      if (IsRandom(policy) || ++empty_rounds > 100) break;  // nothing this policy may evict
      continue;
    }
    // As Redis: the deletion is propagated first, then the key goes, then WATCH/tracking and
    // the event.
    if (propagating()) {
      std::string_view args[] = {lazy ? "UNLINK" : "DEL", best_key};
      FeedChange(best_db, ArgList(args, 2));
    }
    size_t before = UsedMemory();
    KvEntry* victim = keyspace_->Detach(best_db, best_key);
    if (lazy) {
      lazyfree_->Free(victim);
    } else if (victim != nullptr) {
      KvEntry::Free(victim);  // lazyfree-lazy-server-del does not apply to eviction
    }
    size_t after = UsedMemory();
    if (before > after) freed += before - after;
    ++stats_.evicted_keys;
    SignalModifiedKey(nullptr, best_db, best_key);
    NotifyKeyspaceEvent(kNotifyEvicted, "evicted", best_key, best_db);
    ++keys_freed;
    // Values freed in the background do not show in `freed`: as Redis, stop once the
    // background thread has brought memory under the limit.
    if (lazy && keys_freed % 16 == 0 && MemoryOverLimit(0) == 0) break;
    if (keys_freed % 16 == 0 && freed < to_free &&
        static_cast<uint64_t>(ChildProcess::MonotonicUs() - start) > limit_us) {
      // The rest is done by a timer, between commands (Redis's startEvictionTimeProc).
      if (tracking_->has_pending()) tracking_->HandlePending();
      StartEvictionTimer();
      return EvictResult::kRunning;
    }
  }
  if (tracking_->has_pending()) tracking_->HandlePending();
  return freed >= to_free ? EvictResult::kOk : EvictResult::kFail;
}

void Server::StartEvictionTimer() {
  if (evict_timer_on_) return;
  evict_timer_on_ = true;
  uv_timer_start(&evict_timer_, OnEvictTimer, 0, 0);
}

void Server::OnEvictTimer(uv_timer_t* t) {
  auto* s = static_cast<Server*>(t->data);
  s->evict_timer_on_ = false;
  s->UpdateClock();
  // PerformEvictions restarts the timer while there is more to do within its time limit.
  s->PerformEvictions();
}

}  // namespace sable
