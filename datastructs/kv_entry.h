// KvEntry: one keyspace record in ONE allocation — the dict chain pointer, a small header,
// the key, the optional expiry and the value (small strings and integers inline).
//
// Layout (byte offsets; fields past the header are unaligned and accessed with memcpy):
//   0  next        KvEntry*   dict chain (intrusive)
//   8  meta        uint8      bits 0-2 ObjType, 3-4 Enc, 5 has-expire
//   9  lru         uint24     seconds clock at last access, mod 2^24 (OBJECT IDLETIME)
//  12  key_len     varint     LEB128, 1 byte for keys under 128 bytes
//      key bytes   [key_len]
//      expire_ms   int64      only when has-expire
//      value       kInt: int64 | kEmbStr: varint len + bytes | kRaw: HeapStr* | kPtr: void*
// A 16-byte key with a 16-byte value takes 46 bytes (jemalloc class 48); with a TTL, 54 (64).
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
  static constexpr uint8_t kHasExpireBit = 1 << 5;
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

  // LEB128 helpers for the length prefixes.
  static size_t DecodeVarint(const unsigned char* p, size_t* out) {
    size_t v = 0, i = 0;
    int shift = 0;
    do {
      v |= static_cast<size_t>(p[i] & 0x7f) << shift;
      shift += 7;
    } while (p[i++] & 0x80);
    *out = v;
    return i;
  }
  static size_t EncodeVarint(size_t v, unsigned char* p) {
    size_t i = 0;
    while (v >= 0x80) {
      p[i++] = static_cast<unsigned char>(v | 0x80);
      v >>= 7;
    }
    p[i++] = static_cast<unsigned char>(v);
    return i;
  }
  static size_t VarintSize(size_t v) {
    size_t n = 1;
    while (v >= 0x80) {
      v >>= 7;
      ++n;
    }
    return n;
  }

  KvEntry* next() const { return next_; }
  void set_next(KvEntry* n) { next_ = n; }
  std::string_view key() const {
    const auto* p = reinterpret_cast<const unsigned char*>(this) + 12;
    if (p[0] < 0x80) return {reinterpret_cast<const char*>(p + 1), p[0]};
    size_t n;
    size_t hdr = DecodeVarint(p, &n);
    return {reinterpret_cast<const char*>(p + hdr), n};
  }
  ObjType type() const { return static_cast<ObjType>(meta_ & 7); }
  Enc enc() const { return static_cast<Enc>((meta_ >> 3) & 3); }
  static constexpr uint32_t kLruMax = (1u << 24) - 1;
  uint32_t lru() const { return lru_[0] | (lru_[1] << 8) | (static_cast<uint32_t>(lru_[2]) << 16); }
  void set_lru(uint32_t v) {
    lru_[0] = static_cast<uint8_t>(v);
    lru_[1] = static_cast<uint8_t>(v >> 8);
    lru_[2] = static_cast<uint8_t>(v >> 16);
  }
  // Seconds since last access given the current clock (both taken mod 2^24).
  uint32_t IdleSeconds(uint32_t now) const {
    uint32_t l = lru(), n = now & kLruMax;
    return n >= l ? n - l : n + (kLruMax - l);
  }

  bool has_expire() const { return meta_ & kHasExpireBit; }
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
  const char* KeyData() const { return key().data(); }
  const char* ExpirePtr() const {
    std::string_view k = key();
    return k.data() + k.size();
  }
  const char* ValuePtr() const { return ExpirePtr() + (has_expire() ? 8 : 0); }
  char* MutableValuePtr() { return const_cast<char*>(ValuePtr()); }

  KvEntry* next_;
  uint8_t meta_;
  uint8_t lru_[3];
  // varint key length, key, expiry and value follow at offset 12
};

static_assert(sizeof(void*) == 8, "layout assumes 64-bit pointers");

struct KvEntryTraits {
  // Set by the server: may the keyspace table grow now (false: over maxmemory after it)?
  static inline bool (*expand_allowed)(size_t more_bytes, double load_factor) = nullptr;
  static bool ExpandAllowed(size_t more_bytes, double load_factor) {
    return expand_allowed == nullptr || expand_allowed(more_bytes, load_factor);
  }
  static KvEntry* Next(const KvEntry* n) { return n->next(); }
  static void SetNext(KvEntry* n, KvEntry* next) { n->set_next(next); }
  static std::string_view Key(const KvEntry* n) { return n->key(); }
};

}  // namespace sable
