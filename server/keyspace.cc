#include "server/keyspace.h"

#include <chrono>

namespace sable {

namespace {
int64_t MonoUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

Keyspace::Keyspace(int databases, const HashSeed* seed) {
  for (int i = 0; i < databases; ++i) dbs_.push_back(new Db(seed));
}

Keyspace::~Keyspace() {
  on_stream_removed = nullptr;  // the owner's blocking state may be gone already
  FlushAll();
  for (Db* d : dbs_) delete d;
}

KvEntry** Keyspace::FindLink(int db, std::string_view key, int64_t now_ms) {
  Db& d = *dbs_[db];
  KvEntry** link = d.table.FindLink(key);
  if (link == nullptr) return nullptr;
  KvEntry* e = *link;
  if (!expiry_paused && expired(e, now_ms)) {
    ExpireNow(db, e);
    return nullptr;
  }
  return link;
}

KvEntry* Keyspace::Find(int db, std::string_view key, int64_t now_ms) {
  Db& d = *dbs_[db];
  KvEntry* e = d.table.Find(key);
  if (e == nullptr) return nullptr;
  if (!expiry_paused && expired(e, now_ms)) {
    ExpireNow(db, e);
    return nullptr;
  }
  return e;
}

KvEntry* Keyspace::FindRead(int db, std::string_view key, int64_t now_ms, bool touch) {
  KvEntry* e;
  if (expire_deletes_paused) [[unlikely]] {
    e = dbs_[db]->table.Find(key);
    if (e != nullptr && !expiry_paused && expired(e, now_ms)) e = nullptr;
  } else {
    e = Find(db, key, now_ms);
  }
  if (e == nullptr) {
    ++stats.keyspace_misses;
  } else {
    ++stats.keyspace_hits;
    if (touch && !no_touch) TouchAccess(e);
  }
  return e;
}

uint8_t Keyspace::LfuCounter(const KvEntry* e) const {
  uint32_t ldt = e->lru() >> 8, counter = e->lru() & 255, now = LfuMinutes();
  uint32_t elapsed = now >= ldt ? now - ldt : 65535 - ldt + now;
  uint32_t periods = lfu_decay_time > 0 ? elapsed / static_cast<uint32_t>(lfu_decay_time) : 0;
  return static_cast<uint8_t>(periods >= counter ? 0 : counter - periods);
}

void Keyspace::TouchAccess(KvEntry* e) {
  if (!lfu) {
    e->set_lru(lru_clock);
    return;
  }
  uint8_t counter = LfuCounter(e);
  if (counter < 255) {
    // Redis's LFULogIncr: increment with probability 1 / ((counter - 5) * factor + 1).
    lfu_rng_ ^= lfu_rng_ << 13;
    lfu_rng_ ^= lfu_rng_ >> 7;
    lfu_rng_ ^= lfu_rng_ << 17;
    double r = static_cast<double>(lfu_rng_ >> 11) / static_cast<double>(1ull << 53);
    double base = counter > kLfuInitVal ? counter - kLfuInitVal : 0;
    if (r < 1.0 / (base * lfu_log_factor + 1)) ++counter;
  }
  e->set_lru(LfuAccess(counter));
}

void Keyspace::ExpireNow(int db, KvEntry* e) {
  Db& d = *dbs_[db];
  if (on_expired) on_expired(on_expired_ctx, db, e->key());
  StreamRemoved(db, e);
  d.table.Erase(e->key());
  --d.volatile_keys;
  ++stats.expired_keys;
  if (free_expired != nullptr) {
    free_expired(on_expired_ctx, e);
  } else {
    KvEntry::Free(e);
  }
}

void Keyspace::Insert(int db, KvEntry* e) { InsertHashed(db, e, dbs_[db]->table.HashKey(e->key())); }

void Keyspace::InsertHashed(int db, KvEntry* e, uint64_t hash) {
  Db& d = *dbs_[db];
  if (e->has_expire()) ++d.volatile_keys;
  d.table.Insert(e, hash);
  // Loading (RDB, AOF) adds keys without events, as Redis's dbAddRDBLoad.
  if (on_new_key != nullptr && !expiry_paused) on_new_key(on_expired_ctx, db, e->key());
}

void Keyspace::Replace(int db, KvEntry** link, KvEntry* e) {
  Db& d = *dbs_[db];
  KvEntry* old = *link;
  if (old == e) return;
  StreamRemoved(db, old);
  if (old->has_expire()) --d.volatile_keys;
  if (e->has_expire()) ++d.volatile_keys;
  d.table.ReplaceAt(link, e);
  FreeDeleted(old);
}

void Keyspace::FreeDeleted(KvEntry* e) {
  if (free_server_del != nullptr) {
    free_server_del(on_expired_ctx, e);
  } else {
    KvEntry::Free(e);
  }
}

void Keyspace::Upsert(int db, KvEntry* e, int64_t now_ms) {
  UpsertHashed(db, e, dbs_[db]->table.HashKey(e->key()));  // hashed once for lookup and insert
}

void Keyspace::UpsertHashed(int db, KvEntry* e, uint64_t hash) {
  Db& d = *dbs_[db];
  KvEntry** link = d.table.FindLink(e->key(), hash);
  if (link == nullptr) {
    InsertHashed(db, e, hash);
  } else {
    Replace(db, link, e);
  }
}

bool Keyspace::Delete(int db, std::string_view key) {
  KvEntry* e = Detach(db, key);
  if (e == nullptr) return false;
  FreeDeleted(e);
  return true;
}

KvEntry* Keyspace::Detach(int db, std::string_view key) {
  Db& d = *dbs_[db];
  KvEntry* e = d.table.Erase(key);
  if (e == nullptr) return nullptr;
  if (e->has_expire()) --d.volatile_keys;
  StreamRemoved(db, e);
  return e;
}

KvEntry* Keyspace::SetExpire(int db, KvEntry** link, int64_t ms) {
  Db& d = *dbs_[db];
  KvEntry* e = *link;
  if (ms >= 0 && e->has_expire()) {
    e->set_expire_ms(ms);
    return e;
  }
  if (ms < 0 && !e->has_expire()) return e;
  KvEntry* n = KvEntry::WithExpire(e, ms);
  if (ms >= 0) {
    ++d.volatile_keys;
  } else {
    --d.volatile_keys;
  }
  d.table.ReplaceAt(link, n);
  KvEntry::FreeShallow(e);
  return n;
}

void Keyspace::FlushDb(int db) {
  Db& d = *dbs_[db];
  d.table.Clear([this, db](KvEntry* e) {
    StreamRemoved(db, e);
    KvEntry::Free(e);
  });
  d.volatile_keys = 0;
  d.expire_cursor = 0;
  d.avg_ttl = 0;
}

std::unique_ptr<KvTable> Keyspace::DetachTable(int db) {
  Db& d = *dbs_[db];
  auto old = std::make_unique<KvTable>(std::move(d.table));
  d.volatile_keys = 0;
  d.expire_cursor = 0;
  d.avg_ttl = 0;
  return old;
}

void Keyspace::FlushAll() {
  for (int i = 0; i < size(); ++i) FlushDb(i);
}

void Keyspace::SwapDb(int a, int b) { std::swap(dbs_[a], dbs_[b]); }

void Keyspace::RehashStep(int64_t us) {
  for (Db* d : dbs_)
    if (d->table.IsRehashing()) {
      d->table.RehashMicroseconds(static_cast<int>(us));
      return;
    }
  for (Db* d : dbs_) d->table.MaybeShrink();
}

size_t Keyspace::ActiveExpireCycle(int64_t now_ms, int64_t time_budget_us) {
  // Like Redis's adaptive cycle: visit volatile entries bucket by bucket with a SCAN cursor,
  // delete the expired ones, and keep going in a db while more than 10% of the sampled
  // volatile keys were expired (or the budget runs out).
  if (!active_expire_enabled || expiry_paused || expire_deletes_paused) return 0;
  int64_t start = MonoUs();
  size_t total = 0;
  std::vector<KvEntry*> doomed;
  int ndb = size();
  for (int n = 0; n < ndb; ++n) {
    int idx = (expire_db_cursor_ + n) % ndb;
    Db& d = *dbs_[idx];
    if (d.volatile_keys == 0) continue;
    int64_t ttl_sum = 0, ttl_samples = 0;
    while (true) {
      size_t sampled = 0, buckets = 0;
      doomed.clear();
      // Sample ~20 volatile keys per round (Redis's ACTIVE_EXPIRE_CYCLE_KEYS_PER_LOOP).
      do {
        d.expire_cursor = d.table.Scan(d.expire_cursor, [&](KvEntry* e) {
          if (!e->has_expire()) return;
          ++sampled;
          int64_t when = e->expire_ms();
          if (when <= now_ms) {
            doomed.push_back(e);
          } else {
            ttl_sum += when - now_ms;
            ++ttl_samples;
          }
        });
        ++buckets;
      } while (sampled < 20 && buckets < 400 && d.expire_cursor != 0);
      for (KvEntry* e : doomed) {
        ExpireNow(idx, e);
        ++total;
      }
      if (MonoUs() - start > time_budget_us) {
        expire_db_cursor_ = idx;
        goto done;
      }
      if (d.volatile_keys == 0 || d.expire_cursor == 0) break;
      if (sampled == 0 || doomed.size() * 10 <= sampled) break;
    }
    if (ttl_samples) {
      int64_t avg = ttl_sum / ttl_samples;
      d.avg_ttl = d.avg_ttl ? (d.avg_ttl / 50) * 49 + avg / 50 : avg;
    }
  }
done:
  return total;
}

}  // namespace sable
