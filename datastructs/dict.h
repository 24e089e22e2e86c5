// Dict: an intrusive chained hash table with incremental rehashing, after Redis's dict.
//
// Memory: the table owns only its bucket arrays (one pointer per slot); the chain link lives
// inside the caller's node, so an entry costs no allocation beyond the node itself.
//
// Traits must provide:
//   static Node* Next(const Node* n);
//   static void SetNext(Node* n, Node* next);
//   static std::string_view Key(const Node* n);
// and may provide, to replace the default byte-exact keying (e.g. case-insensitive tables):
//   static uint64_t Hash(std::string_view key, const HashSeed& seed);
//   static bool KeyEquals(std::string_view a, std::string_view b);
//
// Invariants:
//  - Slot counts are powers of two. An empty dict owns no array; the first Insert allocates 4.
//  - When not rehashing only table 0 is in use. While rehashing (table 0 -> table 1), buckets of
//    table 0 below rehash_idx_ are empty, new nodes go to table 1, and lookups probe both.
//  - Insert grows x2 once size() >= slots (load factor 1); MaybeShrink() shrinks to the next
//    power of two >= max(size, 4) once size() < slots / 8. Neither starts while rehashing.
//  - Each Insert/Erase/Find/FindLink/RandomNode moves one bucket (visiting at most 10 empty
//    ones) unless rehashing is paused, which only Scan does while its callback runs.
//  - Node** links handed out stay valid only until the next call that can modify the dict.
//
// Not thread-safe. The dict never frees nodes except through Clear's callback.

#ifndef SABLE_DATASTRUCTS_DICT_H_
#define SABLE_DATASTRUCTS_DICT_H_

#include <cassert>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string_view>
#include <utility>

#include "datastructs/hash.h"

namespace sable {

template <class Node, class Traits>
class Dict {
 public:
  // seed must outlive the dict; tables sharing a seed hash identically.
  explicit Dict(const HashSeed* seed)
      : seed_(seed), rng_((seed->k1 ^ reinterpret_cast<uintptr_t>(this)) | 1) {}
  ~Dict() { FreeTables(); }

  Dict(const Dict&) = delete;
  Dict& operator=(const Dict&) = delete;
  // Moves take the tables; the source is left empty. REQUIRES: no Scan callback is running.
  Dict(Dict&& o) noexcept : seed_(o.seed_), rng_(o.rng_) { TakeFrom(o); }
  Dict& operator=(Dict&& o) noexcept {
    if (this != &o) {
      FreeTables();
      seed_ = o.seed_;
      rng_ = o.rng_;
      TakeFrom(o);
    }
    return *this;
  }

  size_t size() const { return used_[0] + used_[1]; }
  bool empty() const { return size() == 0; }
  bool IsRehashing() const { return rehash_idx_ >= 0; }
  // An empty dict sized for `n` entries at once (RDB loading: no rehash while filling it).
  void Reserve(size_t n) {
    if (size() != 0 || IsRehashing() || n <= kInitialSlots) return;
    if (exp_[0] >= 0 && (size_t{1} << exp_[0]) >= n) return;
    FreeTables();
    exp_[0] = static_cast<int8_t>(SlotsFor(n));
    table_[0] = AllocTable(exp_[0]);
  }
  // Hints the CPU to fetch the bucket `hash` maps to (bulk inserts overlap their misses).
  void Prefetch(uint64_t hash) const {
    if (exp_[0] >= 0) __builtin_prefetch(&table_[0][hash & Mask(0)], 1);
  }
  // Chain statistics of table t (0: main, 1: rehashing target) for DEBUG HTSTATS: its slots,
  // entries, non-empty slots, longest chain, and how many slots have each chain length
  // (lengths[kStatsLengths - 1] counts that length and longer).
  static constexpr size_t kStatsLengths = 50;
  struct TableStats {
    size_t slots = 0, used = 0, nonempty = 0, max_chain = 0, total_chain = 0;
    size_t lengths[kStatsLengths] = {};
  };
  TableStats Stats(int t) const {
    TableStats st;
    st.slots = Slots(t);
    st.used = used_[t];
    for (size_t i = 0; i < st.slots; ++i) {
      size_t len = 0;
      for (Node* n = table_[t][i]; n != nullptr; n = Traits::Next(n)) ++len;
      ++st.lengths[len < kStatsLengths ? len : kStatsLengths - 1];
      if (len == 0) continue;
      ++st.nonempty;
      st.total_chain += len;
      if (len > st.max_chain) st.max_chain = len;
    }
    return st;
  }

  // Slots in both tables, for memory accounting (each slot is one pointer).
  size_t BucketCount() const { return Slots(0) + Slots(1); }

  // The hash Find/Insert would compute for key; lets a caller that looks up and then inserts
  // the same key hash it once.
  uint64_t HashKey(std::string_view key) const {
    if constexpr (requires { Traits::Hash(key, *seed_); }) {
      return Traits::Hash(key, *seed_);
    } else {
      return HashBytes(key.data(), key.size(), *seed_);
    }
  }

  Node* Find(std::string_view key) { return Find(key, HashKey(key)); }
  // REQUIRES: hash == HashKey(key).
  Node* Find(std::string_view key, uint64_t hash) {
    if (size() == 0) return nullptr;
    if (IsRehashing()) RehashStep();
    return Lookup(key, hash);
  }

  // Address of the pointer that points at key's node, or nullptr if absent. The node is first
  // moved to the head of its chain, so the address is always a bucket slot: that needs no
  // pointer-to-field from Traits and lets EraseAt tell which table the node is in.
  Node** FindLink(std::string_view key) { return FindLink(key, HashKey(key)); }
  Node** FindLink(std::string_view key, uint64_t hash) {
    if (size() == 0) return nullptr;
    if (IsRehashing()) RehashStep();
    for (int t = 0; t <= 1; ++t) {
      if (exp_[t] < 0) break;
      Node** head = &table_[t][hash & Mask(t)];
      Node* prev = nullptr;
      for (Node* n = *head; n != nullptr; prev = n, n = Traits::Next(n)) {
        if (!KeyEq(Traits::Key(n), key)) continue;
        if (prev != nullptr) {  // move to front
          Traits::SetNext(prev, Traits::Next(n));
          Traits::SetNext(n, *head);
          *head = n;
        }
        return head;
      }
      if (!IsRehashing()) break;
    }
    return nullptr;
  }

  // REQUIRES: no node with n's key is present.
  void Insert(Node* n) { Insert(n, HashKey(Traits::Key(n))); }
  // REQUIRES: hash == HashKey(Traits::Key(n)).
  void Insert(Node* n, uint64_t hash) {
    assert(Lookup(Traits::Key(n), hash) == nullptr);
    if (IsRehashing()) RehashStep();
    GrowIfNeeded();
    int t = IsRehashing() ? 1 : 0;
    Node** slot = &table_[t][hash & Mask(t)];
    Traits::SetNext(n, *slot);
    *slot = n;
    ++used_[t];
  }

  // Unlinks key's node and returns it (the caller frees it), or nullptr if absent.
  Node* Erase(std::string_view key) {
    Node** link = FindLink(key);
    return link == nullptr ? nullptr : EraseAt(link);
  }

  // Unlinks *link and returns it. REQUIRES: link came from FindLink with no modification since.
  Node* EraseAt(Node** link) {
    Node* n = *link;
    *link = Traits::Next(n);
    Traits::SetNext(n, nullptr);
    --used_[InTable(link, 1) ? 1 : 0];
    return n;
  }

  // n takes the place of *link (a node with the same key), inheriting its chain position.
  // REQUIRES: link came from FindLink with no modification since. The old node is not freed.
  void ReplaceAt(Node** link, Node* n) {
    Node* old = *link;
    assert(KeyEq(Traits::Key(old), Traits::Key(n)));
    Traits::SetNext(n, Traits::Next(old));
    *link = n;
  }

  // Redis's reverse-binary cursor scan. Visits one bucket of the smaller table and every bucket
  // of the larger one that it expands to, and returns the next cursor (0 when done). Every node
  // present from the call with cursor 0 until one returns 0 is visited at least once, whatever
  // growing, shrinking or rehashing happens between calls; some may be visited twice.
  // fn(Node*) must not insert, and may erase only the node it was given (rehashing is paused
  // while it runs, so the buckets being walked stay put).
  template <class F>
  uint64_t Scan(uint64_t cursor, F&& fn) {
    if (size() == 0) return 0;
    ++pause_rehash_;
    uint64_t v = cursor;
    if (!IsRehashing()) {
      const uint64_t m0 = Mask(0);
      EmitBucket(table_[0][v & m0], fn);
      v = NextCursor(v, m0);
    } else {
      int small = Slots(0) <= Slots(1) ? 0 : 1;
      int large = 1 - small;
      const uint64_t m0 = Mask(small);
      const uint64_t m1 = Mask(large);
      EmitBucket(table_[small][v & m0], fn);
      // The large table's buckets whose low bits equal this small-table bucket: iterate the
      // bits of m1 that m0 lacks, in the same reversed order.
      do {
        EmitBucket(table_[large][v & m1], fn);
        v = NextCursor(v, m1);
      } while (v & (m0 ^ m1));
    }
    --pause_rehash_;
    return v;
  }

  // A random node, nullptr if empty. Picks a random non-empty bucket, then a random node of its
  // chain: nodes in long chains are a little less likely, as in Redis.
  Node* RandomNode() {
    if (size() == 0) return nullptr;
    if (IsRehashing()) RehashStep();
    Node* head = nullptr;
    if (IsRehashing()) {
      // Buckets below rehash_idx_ in table 0 are empty; draw only from the rest.
      const uint64_t start = static_cast<uint64_t>(rehash_idx_);
      const uint64_t span = Slots(0) + Slots(1) - start;
      while (head == nullptr) {
        uint64_t i = start + NextRandom() % span;
        head = i >= Slots(0) ? table_[1][i - Slots(0)] : table_[0][i];
      }
    } else {
      const uint64_t m = Mask(0);
      while (head == nullptr) head = table_[0][NextRandom() & m];
    }
    size_t len = 0;
    for (Node* n = head; n != nullptr; n = Traits::Next(n)) ++len;
    size_t pick = NextRandom() % len;
    Node* n = head;
    while (pick-- > 0) n = Traits::Next(n);
    return n;
  }

  // Visits every node once. fn(Node*) must not modify the dict.
  template <class F>
  void ForEach(F&& fn) {
    for (int t = 0; t <= 1; ++t) {
      for (size_t i = 0; i < Slots(t); ++i) {
        for (Node* n = table_[t][i]; n != nullptr; n = Traits::Next(n)) fn(n);
      }
    }
  }

  // Hands every node to free_node(Node*) (its link is read first, so it may free it) and
  // returns the dict to the empty, table-less state.
  template <class F>
  void Clear(F&& free_node) {
    for (int t = 0; t <= 1; ++t) {
      for (size_t i = 0; i < Slots(t); ++i) {
        Node* n = table_[t][i];
        while (n != nullptr) {
          Node* next = Traits::Next(n);
          free_node(n);
          n = next;
        }
      }
    }
    FreeTables();
  }

  // Rehash steps until done or about `us` microseconds have passed (checked every 100 steps).
  // Returns true if still rehashing. Meant for the server cron.
  bool RehashMicroseconds(int us) {
    if (pause_rehash_ > 0) return IsRehashing();
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(us);
    while (RehashSteps(100)) {
      if (std::chrono::steady_clock::now() >= deadline) break;
    }
    return IsRehashing();
  }

  // Shrinks when the fill is under 1/8; an empty dict gives its array back entirely.
  void MaybeShrink() {
    if (IsRehashing() || pause_rehash_ > 0 || exp_[0] < 0) return;
    if (used_[0] == 0) {
      FreeTables();
      return;
    }
    if (Slots(0) <= kInitialSlots || used_[0] >= Slots(0) / 8) return;
    StartResize(SlotsFor(used_[0]));
  }

 private:
  static constexpr size_t kInitialSlots = 4;
  static constexpr int kEmptyVisitsPerStep = 10;

  static bool KeyEq(std::string_view a, std::string_view b) {
    if constexpr (requires { Traits::KeyEquals(a, b); }) {
      return Traits::KeyEquals(a, b);
    } else {
      return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size()) == 0;
    }
  }

  Node* Lookup(std::string_view key, uint64_t hash) const {
    for (int t = 0; t <= 1; ++t) {
      if (exp_[t] < 0) break;
      for (Node* n = table_[t][hash & Mask(t)]; n != nullptr; n = Traits::Next(n)) {
        if (KeyEq(Traits::Key(n), key)) return n;
      }
      if (!IsRehashing()) break;
    }
    return nullptr;
  }

  size_t Slots(int t) const { return exp_[t] < 0 ? 0 : size_t{1} << exp_[t]; }
  uint64_t Mask(int t) const { return Slots(t) - 1; }

  bool InTable(Node* const* p, int t) const {
    return exp_[t] >= 0 && p >= table_[t] && p < table_[t] + Slots(t);
  }

  // Smallest power of two >= max(n, kInitialSlots), as an exponent.
  static int SlotsFor(size_t n) {
    int e = 2;
    while ((size_t{1} << e) < n) ++e;
    return e;
  }

  static Node** AllocTable(int exp) {
    void* p = std::calloc(size_t{1} << exp, sizeof(Node*));
    if (p == nullptr) {
      std::fprintf(stderr, "Dict: out of memory allocating %zu slots\n", size_t{1} << exp);
      std::abort();
    }
    return static_cast<Node**>(p);
  }

  void FreeTables() {
    std::free(table_[0]);
    std::free(table_[1]);
    table_[0] = table_[1] = nullptr;
    used_[0] = used_[1] = 0;
    exp_[0] = exp_[1] = -1;
    rehash_idx_ = -1;
  }

  void TakeFrom(Dict& o) {
    for (int t = 0; t <= 1; ++t) {
      table_[t] = o.table_[t];
      used_[t] = o.used_[t];
      exp_[t] = o.exp_[t];
      o.table_[t] = nullptr;
    }
    rehash_idx_ = o.rehash_idx_;
    o.FreeTables();
  }

  void GrowIfNeeded() {
    if (IsRehashing()) return;
    if (exp_[0] < 0) {
      exp_[0] = static_cast<int8_t>(SlotsFor(kInitialSlots));
      table_[0] = AllocTable(exp_[0]);
      return;
    }
    if (used_[0] < Slots(0)) return;
    // An optional veto (the keyspace under maxmemory, as Redis's dictExpandAllowed): the
    // bytes the new table would take and the current load factor.
    if constexpr (requires { Traits::ExpandAllowed(size_t{0}, 0.0); }) {
      if (!Traits::ExpandAllowed(Slots(0) * 2 * sizeof(Node*),
                                 static_cast<double>(used_[0]) / Slots(0)))
        return;
    }
    StartResize(exp_[0] + 1);
  }

  void StartResize(int exp) {
    table_[1] = AllocTable(exp);
    exp_[1] = static_cast<int8_t>(exp);
    used_[1] = 0;
    rehash_idx_ = 0;
  }

  void RehashStep() {
    if (pause_rehash_ == 0) RehashSteps(1);
  }

  // Moves up to n buckets from table 0 to table 1, giving up after 10*n empty buckets so one
  // step stays O(1) on a sparse table. Returns true if more work remains.
  bool RehashSteps(int n) {
    if (!IsRehashing()) return false;
    int empty_visits = n * kEmptyVisitsPerStep;
    const uint64_t m1 = Mask(1);
    while (n-- > 0 && used_[0] != 0) {
      while (table_[0][rehash_idx_] == nullptr) {
        ++rehash_idx_;
        if (--empty_visits == 0) return true;
      }
      Node* node = table_[0][rehash_idx_];
      while (node != nullptr) {
        Node* next = Traits::Next(node);
        Node** slot = &table_[1][HashKey(Traits::Key(node)) & m1];
        Traits::SetNext(node, *slot);
        *slot = node;
        --used_[0];
        ++used_[1];
        node = next;
      }
      table_[0][rehash_idx_] = nullptr;
      ++rehash_idx_;
    }
    if (used_[0] != 0) return true;
    std::free(table_[0]);
    table_[0] = table_[1];
    exp_[0] = exp_[1];
    used_[0] = used_[1];
    table_[1] = nullptr;
    exp_[1] = -1;
    used_[1] = 0;
    rehash_idx_ = -1;
    return false;
  }

  // Advances the cursor in bit-reversed order over the bits of mask: setting the unmasked bits
  // makes the increment of the reversed value carry straight past them.
  static uint64_t NextCursor(uint64_t v, uint64_t mask) {
    v |= ~mask;
    v = ReverseBits(v);
    ++v;
    return ReverseBits(v);
  }

  static uint64_t ReverseBits(uint64_t v) {
    v = ((v >> 1) & 0x5555555555555555ULL) | ((v & 0x5555555555555555ULL) << 1);
    v = ((v >> 2) & 0x3333333333333333ULL) | ((v & 0x3333333333333333ULL) << 2);
    v = ((v >> 4) & 0x0f0f0f0f0f0f0f0fULL) | ((v & 0x0f0f0f0f0f0f0f0fULL) << 4);
    return __builtin_bswap64(v);
  }

  template <class F>
  static void EmitBucket(Node* n, F& fn) {
    while (n != nullptr) {
      Node* next = Traits::Next(n);  // read first: fn may erase n
      fn(n);
      n = next;
    }
  }

  // xorshift64*: cheap, per-dict, no global state.
  uint64_t NextRandom() {
    rng_ ^= rng_ >> 12;
    rng_ ^= rng_ << 25;
    rng_ ^= rng_ >> 27;
    return rng_ * 0x2545f4914f6cdd1dULL;
  }

  Node** table_[2] = {nullptr, nullptr};
  size_t used_[2] = {0, 0};
  const HashSeed* seed_;
  int64_t rehash_idx_ = -1;  // next table-0 bucket to move; -1 when not rehashing
  uint64_t rng_;
  int8_t exp_[2] = {-1, -1};  // log2(slots); -1 means no array
  uint16_t pause_rehash_ = 0;
};

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_DICT_H_
