#include "datastructs/hash_table_map.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>

namespace sable {

namespace {

[[noreturn]] void OutOfMemory(size_t bytes) {
  std::fprintf(stderr, "HashTableMap: out of memory allocating a %zu-byte pair\n", bytes);
  std::abort();
}

}  // namespace

size_t HashNode::WriteLen(uint8_t* p, size_t n) {
  if (n < kLen32) {
    p[0] = static_cast<uint8_t>(n);
    return 1;
  }
  if (n <= UINT32_MAX) {
    p[0] = kLen32;
    uint32_t v = static_cast<uint32_t>(n);
    memcpy(p + 1, &v, 4);
    return 5;
  }
  p[0] = kLen64;
  uint64_t v = n;
  memcpy(p + 1, &v, 8);
  return 9;
}

HashNode* HashNode::New(std::string_view field, std::string_view value) {
  size_t bytes = AllocBytes(field.size(), value.size());
  void* mem = malloc(bytes);
  if (mem == nullptr) OutOfMemory(bytes);
  auto* n = static_cast<HashNode*>(mem);
  n->next_ = nullptr;
  uint8_t* p = reinterpret_cast<uint8_t*>(n) + sizeof(HashNode);
  p += WriteLen(p, field.size());
  if (!field.empty()) memcpy(p, field.data(), field.size());
  p += field.size();
  p += WriteLen(p, value.size());
  if (!value.empty()) memcpy(p, value.data(), value.size());
  return n;
}

void HashNode::Free(HashNode* n) { free(n); }

HashNode* HashNode::WithValue(HashNode* n, std::string_view value) {
  std::string_view f = n->field();
  const size_t vstart = static_cast<size_t>(f.data() + f.size() - reinterpret_cast<char*>(n));
  const size_t old_bytes = AllocBytes(f.size(), n->value().size());
  const size_t new_bytes = AllocBytes(f.size(), value.size());
  if (new_bytes != old_bytes) {
    // realloc keeps the prefix (chain pointer and field); jemalloc resizes in place within a
    // size class, so the common same-class update does not move.
    void* mem = realloc(n, new_bytes);
    if (mem == nullptr) OutOfMemory(new_bytes);
    n = static_cast<HashNode*>(mem);
  }
  uint8_t* p = reinterpret_cast<uint8_t*>(n) + vstart;
  p += WriteLen(p, value.size());
  if (!value.empty()) memcpy(p, value.data(), value.size());
  return n;
}

HashTableMap::~HashTableMap() {
  dict_.Clear([](HashNode* n) { HashNode::Free(n); });
}

bool HashTableMap::Set(std::string_view field, std::string_view value) {
  uint64_t h = dict_.HashKey(field);
  HashNode** link = dict_.FindLink(field, h);
  if (link != nullptr) {
    // FindLink hands back the bucket slot (the node was moved to the chain head): a moved node
    // is relinked by storing it there; its own next pointer came along with the copy.
    HashNode* n = HashNode::WithValue(*link, value);
    *link = n;
    return false;
  }
  dict_.Insert(HashNode::New(field, value), h);
  return true;
}

bool HashTableMap::Add(std::string_view field, std::string_view value) {
  uint64_t h = dict_.HashKey(field);
  if (dict_.Find(field, h) != nullptr) return false;
  dict_.Insert(HashNode::New(field, value), h);
  return true;
}

bool HashTableMap::Remove(std::string_view field) {
  HashNode* n = dict_.Erase(field);
  if (n == nullptr) return false;
  HashNode::Free(n);
  dict_.MaybeShrink();
  return true;
}

// Uniform sampling as StringSet::RandomMember does it (see there for the argument): a random
// bucket via Scan at a random cursor, then a slot j in [0, max(cap, chain length)), retrying
// when j falls past the chain. While a resize runs, first push it ~100 buckets forward; if it
// is still going, Dict::RandomNode's pick (mildly favouring short chains) serves meanwhile.
const HashNode* HashTableMap::Random(SetRng& rng) {
  if (dict_.IsRehashing()) {
    dict_.RehashMicroseconds(0);
    if (dict_.IsRehashing()) return dict_.RandomNode();
  }
  constexpr size_t kMaxChain = 32;
  const size_t n = dict_.size();
  const size_t slots = dict_.BucketCount();  // a power of two when not rehashing
  if (n == 0 || slots == 0) return nullptr;
  const size_t cap = 2 + (2 * n + slots - 1) / slots;
  const HashNode* chain[kMaxChain];
  for (;;) {
    size_t len = 0;
    dict_.Scan(rng.Next() & (slots - 1), [&](HashNode* m) {
      if (len < kMaxChain) chain[len] = m;
      ++len;
    });
    uint64_t j = rng.Below(len > cap ? len : cap);
    if (j < len && j < kMaxChain) return chain[j];
  }
}

HashTableMap* HashTableMap::Clone() {
  auto* c = new HashTableMap(seed_);
  dict_.ForEach([&](HashNode* n) { c->dict_.Insert(HashNode::New(n->field(), n->value())); });
  return c;
}

size_t HashTableMap::MemoryUsage() {
  constexpr size_t kSamples = 16;
  size_t bytes = sizeof(*this) + dict_.BucketCount() * sizeof(void*);
  size_t sampled = 0, sampled_bytes = 0;
  uint64_t cursor = 0;
  do {
    cursor = dict_.Scan(cursor, [&](HashNode* n) {
      sampled_bytes += malloc_usable_size(n);
      ++sampled;
    });
  } while (cursor != 0 && sampled < kSamples);
  if (sampled > 0) bytes += sampled_bytes * dict_.size() / sampled;
  return bytes;
}

}  // namespace sable
