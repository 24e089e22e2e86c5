#include "server/lazyfree.h"

#include "datastructs/kv_entry.h"
#include "server/objects.h"

#ifndef SABLE_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

namespace sable {

LazyFree::~LazyFree() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  if (thread_.joinable()) thread_.join();
}

bool LazyFree::Free(KvEntry* e) {
  if (e == nullptr) return false;
  if (FreeEffort(e) <= kThreshold) {
    KvEntry::Free(e);
    return false;
  }
  Job job;
  job.entry = e;
  Push(std::move(job));
  return true;
}

void LazyFree::FreeTable(std::unique_ptr<KvTable> table) {
  Job job;
  job.objects = table->size();
  job.table = std::move(table);
  Push(std::move(job));
}

void LazyFree::Push(Job job) {
  pending_.fetch_add(job.objects, std::memory_order_relaxed);
  {
    std::lock_guard<std::mutex> lock(mu_);
    jobs_.push_back(std::move(job));
    if (!thread_.joinable()) thread_ = std::thread([this] { Run(); });
  }
  cv_.notify_one();
}

void LazyFree::Run() {
#ifndef SABLE_NO_JEMALLOC
  uint64_t* allocated = nullptr;
  uint64_t* deallocated = nullptr;
  size_t sz = sizeof(allocated);
  if (mallctl("thread.allocatedp", &allocated, &sz, nullptr, 0) != 0 ||
      mallctl("thread.deallocatedp", &deallocated, &sz, nullptr, 0) != 0)
    allocated = deallocated = nullptr;
#endif
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !jobs_.empty(); });
    if (jobs_.empty()) return;  // stopping, and nothing is left
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    lock.unlock();
    if (job.entry != nullptr) KvEntry::Free(job.entry);
    if (job.table != nullptr) {
      job.table->Clear([](KvEntry* e) { KvEntry::Free(e); });
      job.table.reset();
    }
#ifndef SABLE_NO_JEMALLOC
    if (allocated != nullptr)
      net_.store(static_cast<int64_t>(*allocated - *deallocated), std::memory_order_relaxed);
#endif
    freed_.fetch_add(job.objects, std::memory_order_relaxed);
    pending_.fetch_sub(job.objects, std::memory_order_relaxed);
    lock.lock();
  }
}

}  // namespace sable
