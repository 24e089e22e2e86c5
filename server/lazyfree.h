// Freeing large values off the loop thread (Redis's lazyfree.c): UNLINK, FLUSHDB/FLUSHALL
// ASYNC and the lazyfree-lazy-* settings hand values whose freeing takes many allocator calls
// to one background thread, so deleting a million-element set does not stall every client.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "server/keyspace.h"

namespace sable {

class LazyFree {
 public:
  // Values that take more than this many frees go to the background (LAZYFREE_THRESHOLD).
  static constexpr size_t kThreshold = 64;

  LazyFree() = default;
  LazyFree(const LazyFree&) = delete;
  LazyFree& operator=(const LazyFree&) = delete;
  ~LazyFree();  // finishes the queued work

  // Frees an entry already detached from the keyspace: on the background thread if its value
  // is large, else at once. Returns whether it went to the background.
  bool Free(KvEntry* e);
  // Frees a flushed database's table (and every entry in it) on the background thread.
  void FreeTable(std::unique_ptr<KvTable> table);

  // INFO: objects queued and not yet freed, objects freed in the background so far.
  size_t pending() const { return pending_.load(std::memory_order_relaxed); }
  uint64_t freed() const { return freed_.load(std::memory_order_relaxed); }
  void ResetStats() { freed_.store(0, std::memory_order_relaxed); }
  // Bytes allocated minus bytes freed by the background thread (negative): added to the loop
  // thread's count for used_memory.
  int64_t net_allocated() const { return net_.load(std::memory_order_relaxed); }

 private:
  struct Job {
    KvEntry* entry = nullptr;
    std::unique_ptr<KvTable> table;
    size_t objects = 1;  // what it counts for in the INFO figures
  };
  void Push(Job job);
  void Run();

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Job> jobs_;
  bool stop_ = false;
  std::thread thread_;  // started with the first job
  std::atomic<size_t> pending_{0};
  std::atomic<uint64_t> freed_{0};
  std::atomic<int64_t> net_{0};
};

}  // namespace sable
