// KvEntry: one keyspace record in ONE allocation — the dict chain pointer, a small header,
// the key, the optional expiry and the value (small strings and integers inline).
//
// Layout (byte offsets; fields past the header are unaligned and accessed with memcpy):
//   0  next        KvEntry*   dict chain (intrusive)
//   8  key_len     uint32
//  12  lru         uint32     seconds clock at last access (OBJECT IDLETIME)
//  16  type        uint8      ObjType
//  17  enc         uint8      Enc
//  18  flags       uint8      kHasExpire
//  19  key bytes   [key_len]
//      expire_ms   int64      only when kHasExpire
//      value       kInt: int64 | kEmbStr: uint32 len + bytes | kRaw: HeapStr* | kPtr: void*
// A 16-byte key with a 16-byte value takes 55 bytes (jemalloc class 56); with a TTL, 63 (64).
// Changing the expiry's presence or an inline value's size means a new entry: callers swap it
// into the dict with Dict::ReplaceAt and free the old one.
#pragma once

#include <cstdint>
#include <cstring>
#include <string_view>

namespace sable {

enum class ObjType : uint8_t { kString = 0, kList = 1, kSet = 2, kZSet = 3, kHash = 4, kStream = 6 };
enum class Enc : uint8_t { kInt = 0, kEmbStr = 1, kRaw = 2, kPtr = 3 };

// Out-of-line string for large or growing values: length + capacity + bytes.
struct HeapStr {
  uint32_t len;
  uint32_t cap;
  char data[1];
  static HeapStr* New(std::string_view s, size_t cap);
  static HeapStr* Grow(HeapStr* h, size_t min_cap);  // may move
  std::string_view view() const { return {data, len}; }
};

class KvEntry {
 public:
  static constexpr uint8_t kHasExpire = 1;
  static constexpr size_t kEmbStrMax = 44;  // Redis's embstr limit: longer values go raw

  // Creates a string entry; integers that round-trip exactly are stored as kInt, strings up to
  // kEmbStrMax inline, longer ones in a HeapStr. expire_ms < 0 = no expiry.
  static KvEntry* NewString(std::string_view key, std::string_view val, int64_t expire_ms,
                            uint32_t lru, bool try_int = true);
  static KvEntry* NewInt(std::string_view key, int64_t v, int64_t expire_ms, uint32_t lru);
  // Takes ownership of `h`.
  static KvEntry* NewRaw(std::string_view key, HeapStr* h, int64_t expire_ms, uint32_t lru);
  // Non-string types: the entry stores an owned pointer; the owner frees it via the free hook.
  static KvEntry* NewPtr(std::string_view key, ObjType t, void* obj, int64_t expire_ms,
                         uint32_t lru);
  // Same key/value, different expiry (moves heap values / pointers, does not copy them).
  // The caller must release `old` with FreeShallow once it is unlinked.
  static KvEntry* WithExpire(const KvEntry* old, int64_t expire_ms);
  // Same value and expiry under a new key (RENAME); release `old` with FreeShallow.
  static KvEntry* WithKey(const KvEntry* old, std::string_view key);
  // Frees the entry but not its value (which a WithExpire/WithKey copy now owns).
  static void FreeShallow(KvEntry* e);
  // Frees the entry and its string heap value. kPtr values must be released by the caller
  // (see FreeObjectHook) before or via Free.
  static void Free(KvEntry* e);
  using FreeObjectHook = void (*)(ObjType, void*);
  static void SetFreeObjectHook(FreeObjectHook hook);
  // Deep copy with a new key (COPY/RENAME); kPtr values are duplicated by the dup hook.
  using DupObjectHook = void* (*)(ObjType, const void*);
  static void SetDupObjectHook(DupObjectHook hook);
  static KvEntry* Clone(const KvEntry* e, std::string_view new_key, int64_t expire_ms);

  KvEntry* next() const { return next_; }
  void set_next(KvEntry* n) { next_ = n; }
  std::string_view key() const { return {KeyData(), key_len_}; }
  ObjType type() const { return static_cast<ObjType>(type_); }
  Enc enc() const { return static_cast<Enc>(enc_); }
  uint32_t lru() const { return lru_; }
  void set_lru(uint32_t v) { lru_ = v; }

  bool has_expire() const { return flags_ & kHasExpire; }
  int64_t expire_ms() const {
    if (!has_expire()) return -1;
    int64_t v;
    memcpy(&v, ExpirePtr(), 8);
    return v;
  }
  // REQUIRES: has_expire().
  void set_expire_ms(int64_t v) { memcpy(const_cast<char*>(ExpirePtr()), &v, 8); }

  // String values. REQUIRES: type() == kString.
  int64_t int_value() const {
    int64_t v;
    memcpy(&v, ValuePtr(), 8);
    return v;
  }
  void set_int_value(int64_t v) { memcpy(const_cast<char*>(ValuePtr()), &v, 8); }
  // View of the string value; for kInt it is formatted into `scratch` (>= 24 bytes).
  std::string_view StringView(char* scratch) const;
  size_t StringLength() const;
  HeapStr* heap_str() const {
    HeapStr* h;
    memcpy(&h, ValuePtr(), sizeof(h));
    return h;
  }
  void set_heap_str(HeapStr* h) { memcpy(const_cast<char*>(ValuePtr()), &h, sizeof(h)); }
  void* ptr() const {
    void* p;
    memcpy(&p, ValuePtr(), sizeof(p));
    return p;
  }
  void set_ptr(void* p) { memcpy(const_cast<char*>(ValuePtr()), &p, sizeof(p)); }

  // Bytes of this allocation plus out-of-line string storage (MEMORY USAGE).
  size_t MemoryUsage() const;

 private:
  KvEntry() = default;
  static KvEntry* Alloc(std::string_view key, ObjType t, Enc e, int64_t expire_ms,
                        size_t value_bytes, uint32_t lru);
  const char* KeyData() const { return reinterpret_cast<const char*>(this) + 19; }
  const char* ExpirePtr() const { return KeyData() + key_len_; }
  const char* ValuePtr() const { return ExpirePtr() + (has_expire() ? 8 : 0); }
  char* MutableValuePtr() { return const_cast<char*>(ValuePtr()); }

  KvEntry* next_;
  uint32_t key_len_;
  uint32_t lru_;
  uint8_t type_;
  uint8_t enc_;
  uint8_t flags_;
  // key, expiry and value follow at offset 19
};

static_assert(sizeof(void*) == 8, "layout assumes 64-bit pointers");

struct KvEntryTraits {
  static KvEntry* Next(const KvEntry* n) { return n->next(); }
  static void SetNext(KvEntry* n, KvEntry* next) { n->set_next(next); }
  static std::string_view Key(const KvEntry* n) { return n->key(); }
};

}  // namespace sable
