#include "datastructs/kv_entry.h"

#include <cstdlib>
#include <new>

#include "datastructs/numbers.h"

namespace sable {

namespace {
KvEntry::FreeObjectHook g_free_hook = nullptr;  // set once at start-up by the server
KvEntry::DupObjectHook g_dup_hook = nullptr;

void* Xmalloc(size_t n) {
  void* p = malloc(n);
  if (p == nullptr) abort();  // out of memory aborts loudly
  return p;
}
}  // namespace

HeapStr* HeapStr::New(std::string_view s, size_t cap) {
  if (cap < s.size()) cap = s.size();
  auto* h = static_cast<HeapStr*>(Xmalloc(offsetof(HeapStr, data) + cap + 1));
  h->len = static_cast<uint32_t>(s.size());
  h->cap = static_cast<uint32_t>(cap);
  if (!s.empty()) memcpy(h->data, s.data(), s.size());
  h->data[s.size()] = '\0';  // like an sds string: one NUL past the end (HLL code relies on it)
  return h;
}

HeapStr* HeapStr::Grow(HeapStr* h, size_t min_cap) {
  if (h->cap >= min_cap) return h;
  size_t cap = min_cap < 1024 * 1024 ? min_cap * 2 : min_cap + 1024 * 1024;
  auto* n = static_cast<HeapStr*>(realloc(h, offsetof(HeapStr, data) + cap + 1));
  if (n == nullptr) abort();
  n->cap = static_cast<uint32_t>(cap);
  return n;
}

void KvEntry::SetFreeObjectHook(FreeObjectHook hook) { g_free_hook = hook; }
void KvEntry::SetDupObjectHook(DupObjectHook hook) { g_dup_hook = hook; }

KvEntry* KvEntry::Alloc(std::string_view key, ObjType t, Enc e, int64_t expire_ms,
                        size_t value_bytes, uint32_t lru) {
  size_t klen_bytes = VarintSize(key.size());
  size_t sz = 12 + klen_bytes + key.size() + (expire_ms >= 0 ? 8 : 0) + value_bytes;
  auto* kv = static_cast<KvEntry*>(Xmalloc(sz));
  kv->next_ = nullptr;
  kv->set_lru(lru & kLruMax);
  kv->meta_ = static_cast<uint8_t>(static_cast<uint8_t>(t) | (static_cast<uint8_t>(e) << 3) |
                                   (expire_ms >= 0 ? kHasExpireBit : 0));
  auto* p = reinterpret_cast<unsigned char*>(kv) + 12;
  EncodeVarint(key.size(), p);
  memcpy(p + klen_bytes, key.data(), key.size());
  if (expire_ms >= 0) kv->set_expire_ms(expire_ms);
  return kv;
}

KvEntry* KvEntry::NewInt(std::string_view key, int64_t v, int64_t expire_ms, uint32_t lru) {
  KvEntry* kv = Alloc(key, ObjType::kString, Enc::kInt, expire_ms, 8, lru);
  kv->set_int_value(v);
  return kv;
}

KvEntry* KvEntry::NewString(std::string_view key, std::string_view val, int64_t expire_ms,
                            uint32_t lru, bool try_int) {
  int64_t iv;
  if (try_int && val.size() <= 20 && StringToInt64(val, &iv)) return NewInt(key, iv, expire_ms, lru);
  if (val.size() > kEmbStrMax) return NewRaw(key, HeapStr::New(val, val.size()), expire_ms, lru);
  size_t hdr = VarintSize(val.size());
  KvEntry* kv = Alloc(key, ObjType::kString, Enc::kEmbStr, expire_ms, hdr + val.size(), lru);
  auto* p = reinterpret_cast<unsigned char*>(kv->MutableValuePtr());
  EncodeVarint(val.size(), p);
  if (!val.empty()) memcpy(p + hdr, val.data(), val.size());
  return kv;
}

KvEntry* KvEntry::NewRaw(std::string_view key, HeapStr* h, int64_t expire_ms, uint32_t lru) {
  KvEntry* kv = Alloc(key, ObjType::kString, Enc::kRaw, expire_ms, sizeof(HeapStr*), lru);
  kv->set_heap_str(h);
  return kv;
}

KvEntry* KvEntry::NewPtr(std::string_view key, ObjType t, void* obj, int64_t expire_ms,
                         uint32_t lru) {
  KvEntry* kv = Alloc(key, t, Enc::kPtr, expire_ms, sizeof(void*), lru);
  kv->set_ptr(obj);
  return kv;
}

static size_t ValueBytes(const KvEntry* e) {
  switch (e->enc()) {
    case Enc::kInt: return 8;
    case Enc::kEmbStr: {
      char tmp[24];
      size_t n = e->StringView(tmp).size();
      return KvEntry::VarintSize(n) + n;
    }
    default: return sizeof(void*);
  }
}

KvEntry* KvEntry::WithExpire(const KvEntry* old, int64_t expire_ms) {
  size_t vb = ValueBytes(old);
  KvEntry* kv = Alloc(old->key(), old->type(), old->enc(), expire_ms, vb, old->lru());
  memcpy(kv->MutableValuePtr(), old->ValuePtr(), vb);
  return kv;
}

void KvEntry::FreeShallow(KvEntry* e) { free(e); }

KvEntry* KvEntry::WithKey(const KvEntry* old, std::string_view key) {
  size_t vb = ValueBytes(old);
  KvEntry* kv = Alloc(key, old->type(), old->enc(), old->expire_ms(), vb, old->lru());
  memcpy(kv->MutableValuePtr(), old->ValuePtr(), vb);
  return kv;
}

void KvEntry::Free(KvEntry* e) {
  if (e->enc() == Enc::kRaw) {
    free(e->heap_str());
  } else if (e->enc() == Enc::kPtr && g_free_hook != nullptr) {
    g_free_hook(e->type(), e->ptr());
  }
  free(e);
}

KvEntry* KvEntry::Clone(const KvEntry* e, std::string_view new_key, int64_t expire_ms) {
  switch (e->enc()) {
    case Enc::kInt: return NewInt(new_key, e->int_value(), expire_ms, e->lru());
    case Enc::kEmbStr: {
      char tmp[24];
      return NewString(new_key, e->StringView(tmp), expire_ms, e->lru(), false);
    }
    case Enc::kRaw: {
      std::string_view v = e->heap_str()->view();
      return NewRaw(new_key, HeapStr::New(v, v.size()), expire_ms, e->lru());
    }
    case Enc::kPtr:
      return NewPtr(new_key, e->type(), g_dup_hook ? g_dup_hook(e->type(), e->ptr()) : nullptr,
                    expire_ms, e->lru());
  }
  return nullptr;
}

std::string_view KvEntry::StringView(char* scratch) const {
  switch (enc()) {
    case Enc::kInt: return {scratch, Int64ToChars(int_value(), scratch)};
    case Enc::kEmbStr: {
      size_t n;
      size_t hdr = DecodeVarint(reinterpret_cast<const unsigned char*>(ValuePtr()), &n);
      return {ValuePtr() + hdr, n};
    }
    case Enc::kRaw: return heap_str()->view();
    default: return {};
  }
}

size_t KvEntry::StringLength() const {
  char tmp[24];
  return StringView(tmp).size();
}

size_t KvEntry::MemoryUsage() const {
  size_t n = 12 + VarintSize(key().size()) + key().size() + (has_expire() ? 8 : 0) +
             ValueBytes(this);
  if (enc() == Enc::kRaw) n += offsetof(HeapStr, data) + heap_str()->cap + 1;
  return n;
}

}  // namespace sable
