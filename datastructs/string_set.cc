#include "datastructs/string_set.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>

namespace sable {

SetMember* SetMember::New(std::string_view s) {
  void* p = malloc(AllocBytes(s.size()));
  if (p == nullptr) {
    std::fprintf(stderr, "StringSet: out of memory allocating a %zu-byte member\n", s.size());
    std::abort();
  }
  auto* m = static_cast<SetMember*>(p);
  m->next_ = nullptr;
  uint8_t* h = reinterpret_cast<uint8_t*>(m) + sizeof(SetMember);
  size_t hdr;
  if (s.size() < kLen32) {
    h[0] = static_cast<uint8_t>(s.size());
    hdr = 1;
  } else if (s.size() <= UINT32_MAX) {
    h[0] = kLen32;
    uint32_t n = static_cast<uint32_t>(s.size());
    memcpy(h + 1, &n, 4);
    hdr = 5;
  } else {
    h[0] = kLen64;
    uint64_t n = s.size();
    memcpy(h + 1, &n, 8);
    hdr = 9;
  }
  if (!s.empty()) memcpy(h + hdr, s.data(), s.size());
  return m;
}

void SetMember::Free(SetMember* m) { free(m); }

StringSet::~StringSet() {
  dict_.Clear([](SetMember* m) { SetMember::Free(m); });
}

bool StringSet::Add(std::string_view s) {
  uint64_t h = dict_.HashKey(s);
  if (dict_.Find(s, h) != nullptr) return false;
  dict_.Insert(SetMember::New(s), h);
  return true;
}

bool StringSet::Remove(std::string_view s) {
  SetMember* m = Detach(s);
  if (m == nullptr) return false;
  SetMember::Free(m);
  return true;
}

SetMember* StringSet::Detach(std::string_view s) {
  SetMember* m = dict_.Erase(s);
  if (m != nullptr) dict_.MaybeShrink();
  return m;
}

// Uniform sampling without reaching into the dict: when the table is not being resized, Scan
// at a random cursor yields the chain of one uniformly chosen bucket. Take its j-th node for j
// uniform in [0, max(cap, chain length)): all nodes of chains no longer than `cap` are then
// equally likely, and longer chains (rare under a keyed hash: cap = 2 + ceil(2 * load) keeps
// them under ~2% of the members) are only mildly under-sampled. Expected tries: cap / load,
// at most ~24 (load >= 1/8, the shrink threshold). Redis's dictGetFairRandomKey is approximate
// in the same spirit. While a resize is in progress a draw first moves ~100 buckets forward (so
// reads alone finish it) and, if it is still going, takes Dict::RandomNode's pick (which favours
// short chains a little) for the short time that lasts.
SetMember* StringSet::RandomMember(SetRng& rng) {
  if (dict_.IsRehashing()) {
    dict_.RehashMicroseconds(0);
    if (dict_.IsRehashing()) return dict_.RandomNode();
  }
  constexpr size_t kMaxChain = 32;
  const size_t n = dict_.size();
  const size_t slots = dict_.BucketCount();  // a power of two when not rehashing
  if (n == 0 || slots == 0) return nullptr;
  const size_t cap = 2 + (2 * n + slots - 1) / slots;
  SetMember* chain[kMaxChain];
  for (;;) {
    size_t len = 0;
    dict_.Scan(rng.Next() & (slots - 1), [&](SetMember* m) {
      if (len < kMaxChain) chain[len] = m;
      ++len;
    });
    uint64_t j = rng.Below(len > cap ? len : cap);
    if (j < len && j < kMaxChain) return chain[j];
  }
}

StringSet* StringSet::Clone() {
  auto* c = new StringSet(seed_);
  dict_.ForEach([&](SetMember* m) { c->dict_.Insert(SetMember::New(m->view())); });
  return c;
}

size_t StringSet::MemoryUsage() {
  constexpr size_t kSamples = 16;
  size_t bytes = sizeof(*this) + dict_.BucketCount() * sizeof(void*);
  size_t sampled = 0, sampled_bytes = 0;
  uint64_t cursor = 0;
  do {
    cursor = dict_.Scan(cursor, [&](SetMember* m) {
      sampled_bytes += malloc_usable_size(m);
      ++sampled;
    });
  } while (cursor != 0 && sampled < kSamples);
  if (sampled > 0) bytes += sampled_bytes * dict_.size() / sampled;
  return bytes;
}

}  // namespace sable
