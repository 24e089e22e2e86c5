// Hash commands: HSET HGET HMSET HMGET HDEL HEXISTS HLEN HKEYS HVALS HGETALL HINCRBY
// HINCRBYFLOAT HSETNX HSTRLEN HRANDFIELD HSCAN.
//
// Two encodings, as in Redis 7.0: one listpack (field, value, field, value, ...) while the hash
// has at most hash-max-listpack-entries fields and every field and value is at most
// hash-max-listpack-value bytes, else a HashTableMap (datastructs/hash_table_map.h). Conversion
// is one way (listpack -> hashtable), as in 7.0.
//
// The value sits in KvEntry's pointer slot, tagged in its low bit: 1 = listpack, 0 =
// HashTableMap*. Both come from malloc (16-byte aligned), so the bit is free and a small hash
// costs exactly its listpack plus the key's entry.
#include <algorithm>
#include <chrono>
#include <climits>
#include <cmath>
#include <string>
#include <unordered_set>
#include <vector>

#include "datastructs/glob.h"
#include "datastructs/hash_table_map.h"
#include "datastructs/listpack.h"
#include "datastructs/zipmap.h"
#include "server/commands/cross_family.h"
#include "server/commands/util.h"
#include "server/objects.h"

namespace sable {

namespace {

// ---------------------------------------------------------------------------------------------
// Encoding layer
// ---------------------------------------------------------------------------------------------

// Fields are hashed with one process-wide random key (the server's seed has no accessor; this
// keeps the keyed-hash property without reaching into it).
const HashSeed* FieldSeed() {
  static const HashSeed seed = RandomHashSeed();
  return &seed;
}

// hash-max-listpack-entries / -value (typed mirrors in Config), read at most once per command
// and only when a listpack-encoded hash is written.
class HashLimits {
 public:
  explicit HashLimits(const Config& config) : config_(&config) {}
  HashLimits(size_t entries, size_t value) : entries_(entries), value_(value) {}
  size_t entries() {
    if (entries_ == kUnread) entries_ = Clamp(config_->hash_max_listpack_entries);
    return entries_;
  }
  size_t value() {
    if (value_ == kUnread) value_ = Clamp(config_->hash_max_listpack_value);
    return value_;
  }

 private:
  static constexpr size_t kUnread = SIZE_MAX;
  static size_t Clamp(int64_t v) { return v < 0 ? 0 : static_cast<size_t>(v); }
  const Config* config_ = nullptr;
  size_t entries_ = kUnread;
  size_t value_ = kUnread;
};

// LpValue is the common currency for field and value texts: a view of bytes, or an integer
// stored by the listpack. A view must not have a null data pointer (that means "integer").
LpValue StrVal(std::string_view s) {
  LpValue v;
  v.str = s.data() != nullptr ? s.data() : "";
  v.len = s.size();
  return v;
}

// A non-owning handle on a tagged hash value. Mutators may move the listpack (or replace it
// by a HashTableMap): callers store raw() back into the entry afterwards.
class HashObj {
 public:
  explicit HashObj(void* raw) : raw_(raw) {}
  static HashObj NewListpack(uint8_t* lp = nullptr) { return HashObj(Tag(lp ? lp : LpNew(0))); }

  void* raw() const { return raw_; }
  bool is_lp() const { return reinterpret_cast<uintptr_t>(raw_) & 1; }
  uint8_t* lp() const {
    return reinterpret_cast<uint8_t*>(reinterpret_cast<uintptr_t>(raw_) & ~uintptr_t{1});
  }
  HashTableMap* map() const { return static_cast<HashTableMap*>(raw_); }

  size_t size() const { return is_lp() ? LpLength(lp()) / 2 : map()->size(); }

  // The value of `field` into *out (views stay valid until the hash changes).
  bool Get(std::string_view field, LpValue* out) const {
    if (is_lp()) {
      uint8_t* l = lp();
      uint8_t* fp = LpFind(l, LpFirst(l), field, 1);
      if (fp == nullptr) return false;
      *out = LpGet(LpNext(l, fp));
      return true;
    }
    const HashNode* n = map()->Find(field);
    if (n == nullptr) return false;
    *out = StrVal(n->value());
    return true;
  }

  bool Exists(std::string_view field) const {
    if (is_lp()) {
      uint8_t* l = lp();
      return LpFind(l, LpFirst(l), field, 1) != nullptr;
    }
    return map()->Find(field) != nullptr;
  }

  // Sets field to value; returns true if the field is new. A listpack converts first when
  // either string is longer than the value limit (HINCRBY* reach here without the up-front
  // check), and afterwards when it holds more fields than the entries limit (checked after
  // updates too: the limit may have been lowered since the hash was built, as in Redis).
  bool Set(std::string_view field, std::string_view value, HashLimits& limits) {
    if (is_lp() && (field.size() > limits.value() || value.size() > limits.value())) ToMap();
    if (!is_lp()) return map()->Set(field, value);
    uint8_t* l = lp();
    uint8_t* fp = LpFind(l, LpFirst(l), field, 1);
    bool added = fp == nullptr;
    if (added) {
      const std::string_view pair[2] = {field, value};
      l = LpAppendMany(l, pair);
    } else {
      uint8_t* vp = LpNext(l, fp);
      l = LpReplace(l, &vp, value);
    }
    raw_ = Tag(l);
    if (LpLength(l) / 2 > limits.entries()) ToMap();
    return added;
  }

  // Redis's hashTypeTryConversion: before writing args (fields and values), a listpack
  // converts if any of them is longer than the value limit or the result could pass the
  // listpack safety size.
  void PrepareFor(ArgList args, HashLimits& limits) {
    if (!is_lp()) return;
    size_t sum = 0;
    for (std::string_view a : args) {
      if (a.size() > limits.value()) {
        ToMap();
        return;
      }
      sum += a.size();
    }
    if (LpBytes(lp()) + sum > kLpSafetySize) ToMap();
  }

  bool Delete(std::string_view field) {
    if (!is_lp()) return map()->Remove(field);
    uint8_t* l = lp();
    uint8_t* fp = LpFind(l, LpFirst(l), field, 1);
    if (fp == nullptr) return false;
    raw_ = Tag(LpDeleteRangeAt(l, &fp, 2));
    return true;
  }

  // fn(LpValue field, LpValue value) per pair, in listpack order or the table's order.
  // fn must not modify the hash.
  template <class F>
  void ForEach(F&& fn) const {
    if (is_lp()) {
      uint8_t* l = lp();
      for (uint8_t* p = LpFirst(l); p != nullptr;) {
        uint8_t* v = LpNext(l, p);
        fn(LpGet(p), LpGet(v));
        p = LpNext(l, v);
      }
    } else {
      map()->ForEach([&](const HashNode* n) { fn(StrVal(n->field()), StrVal(n->value())); });
    }
  }

  void ToMap() {
    uint8_t* l = lp();
    auto* m = new HashTableMap(FieldSeed());
    char fbuf[kLpIntBufSize], vbuf[kLpIntBufSize];
    for (uint8_t* p = LpFirst(l); p != nullptr;) {
      uint8_t* v = LpNext(l, p);
      m->Add(LpGet(p).View(fbuf), LpGet(v).View(vbuf));  // fields are distinct (validated)
      p = LpNext(l, v);
    }
    LpFree(l);
    raw_ = m;
  }

  void Free() {
    if (is_lp()) {
      LpFree(lp());
    } else {
      delete map();
    }
    raw_ = nullptr;
  }

  static void* Tag(uint8_t* lp) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(lp) | 1);
  }

 private:
  void* raw_;
};

static_assert(alignof(std::max_align_t) >= 2, "tagging needs malloc alignment of at least 2");

// True if the listpack (pairs) holds two equal fields. Fields are compared as text.
bool LpHasDuplicateFields(uint8_t* lp) {
  std::vector<std::string_view> fields;
  std::vector<std::string> ints;  // texts of integer fields (reserved: views stay put)
  size_t n = LpLength(lp) / 2;
  fields.reserve(n);
  ints.reserve(n);
  for (uint8_t* p = LpFirst(lp); p != nullptr;) {
    LpValue f = LpGet(p);
    if (f.is_int()) {
      ints.push_back(Int64ToString(f.ival));
      fields.push_back(ints.back());
    } else {
      fields.emplace_back(f.str, f.len);
    }
    p = LpNext(lp, p);
    if (p != nullptr) p = LpNext(lp, p);
  }
  std::sort(fields.begin(), fields.end());
  return std::adjacent_find(fields.begin(), fields.end()) != fields.end();
}

// ObjectOps row for ObjType::kHash.
void FreeHashValue(void* p) { HashObj(p).Free(); }

void* DupHashValue(const void* p) {
  HashObj h(const_cast<void*>(p));
  if (h.is_lp()) return HashObj::Tag(LpDup(h.lp()));
  return h.map()->Clone();
}

const char* HashEncodingName(const void* p) {
  return HashObj(const_cast<void*>(p)).is_lp() ? "listpack" : "hashtable";
}

size_t HashMemory(const void* p) {
  HashObj h(const_cast<void*>(p));
  return h.is_lp() ? LpBytes(h.lp()) : h.map()->MemoryUsage();
}

// xorObjectDigest's hash branch: per pair Mix(field) then Mix(value) from zero, folded in with
// Add (order-independent).
void HashDigest(const void* p, Digest* out) {
  char fbuf[kLpIntBufSize], vbuf[kLpIntBufSize];
  HashObj(const_cast<void*>(p)).ForEach([&](LpValue f, LpValue v) {
    Digest pair;
    pair.Mix(f.View(fbuf));
    pair.Mix(v.View(vbuf));
    out->Add(pair);
  });
}

// RDB, as Redis 7.0 writes hashes: a listpack verbatim as RDB_TYPE_HASH_LISTPACK, a table as
// RDB_TYPE_HASH (count, then field and value of each pair).
uint8_t HashRdbType(const void* p) {
  return HashObj(const_cast<void*>(p)).is_lp() ? rdb::kHashListpack : rdb::kHash;
}

void HashRdbSave(const void* p, RdbEncoder& enc) {
  HashObj h(const_cast<void*>(p));
  if (h.is_lp()) {
    enc.String(std::string_view(reinterpret_cast<const char*>(h.lp()), LpBytes(h.lp())));
    return;
  }
  enc.Length(h.size());
  h.map()->ForEach([&](const HashNode* n) {
    enc.String(n->field());
    enc.String(n->value());
  });
}

// RDB_TYPE_HASH: flattened (field, value) pairs. As Redis: a table from the start when the
// count exceeds the entries limit, else a listpack that converts at the first long string.
void* LoadPlainHash(const std::vector<std::string>& items, HashLimits& limits, std::string* err) {
  if (items.empty()) {
    *err = rdb::kEmptyKeyError;
    return nullptr;
  }
  if (items.size() % 2 != 0) {
    *err = "Odd number of hash elements";
    return nullptr;
  }
  HashObj h = items.size() / 2 > limits.entries() ? HashObj(new HashTableMap(FieldSeed()))
                                                  : HashObj::NewListpack();
  if (h.is_lp()) {
    // Build the listpack in one go when every string fits, checking fields are distinct.
    bool fits = true;
    size_t sum = 0;
    std::vector<std::string_view> views;
    views.reserve(items.size());
    for (const std::string& s : items) {
      fits = fits && s.size() <= limits.value();
      sum += s.size();
      views.push_back(s);
    }
    if (fits && sum < kLpSafetySize) {
      HashObj built = HashObj::NewListpack(LpAppendMany(h.lp(), views));
      if (LpHasDuplicateFields(built.lp())) {
        built.Free();
        *err = "Duplicate hash fields detected";
        return nullptr;
      }
      return built.raw();
    }
    h.ToMap();
  }
  for (size_t i = 0; i < items.size(); i += 2) {
    if (!h.map()->Add(items[i], items[i + 1])) {
      h.Free();
      *err = "Duplicate hash fields detected";
      return nullptr;
    }
  }
  return h.raw();
}

// Checks a listpack of pairs built from outside data and adopts it; converts it when it holds
// more fields than the limit (as Redis, string lengths are not checked: they convert later).
void* AdoptLoadedListpack(uint8_t* lp, HashLimits& limits, std::string* err, const char* what) {
  size_t n = LpLength(lp);
  if (n % 2 != 0 || LpHasDuplicateFields(lp)) {
    LpFree(lp);
    *err = std::string(what) + " integrity check failed.";
    return nullptr;
  }
  if (n == 0) {
    LpFree(lp);
    *err = rdb::kEmptyKeyError;
    return nullptr;
  }
  HashObj h = HashObj::NewListpack(LpShrinkToFit(lp));
  if (n / 2 > limits.entries()) h.ToMap();
  return h.raw();
}

// zipmap (Redis 2.4's small-hash blob, RDB_TYPE_HASH_ZIPMAP): validated deeply as Redis does,
// read into a listpack; as Redis, a table when there are too many fields or a long string.
void* LoadZipmapHash(std::string_view zm, HashLimits& limits, std::string* err) {
  std::vector<std::string_view> items;
  if (!ZipmapDecode(zm, &items)) {
    *err = "Zipmap integrity check failed.";
    return nullptr;
  }
  size_t maxlen = 0, total = 0;
  for (std::string_view x : items) {
    maxlen = std::max(maxlen, x.size());
    total += x.size();
  }
  if (total >= kLpSafetySize) {
    *err = "Hash zipmap with dup elements, or big length";
    return nullptr;
  }
  HashObj h = HashObj::NewListpack(LpAppendMany(LpNew(0), items));
  if (LpHasDuplicateFields(h.lp())) {
    h.Free();
    *err = "Hash zipmap with dup elements, or big length";
    return nullptr;
  }
  if (items.size() / 2 > limits.entries() || maxlen > limits.value()) h.ToMap();
  return h.raw();
}

// Loaded hashes follow hash-max-listpack-entries/-value (rec.limits) for their encoding.
void* HashRdbLoad(const RdbRecord& rec, std::string* err) {
  HashLimits limits(rec.limits.hash_max_listpack_entries, rec.limits.hash_max_listpack_value);
  const auto* blob = reinterpret_cast<const uint8_t*>(rec.payload.data());
  switch (rec.type) {
    case rdb::kHash:
      return LoadPlainHash(rec.items, limits, err);
    case rdb::kHashListpack:
      if (!LpValidate(blob, rec.payload.size(), true)) {
        *err = "Hash listpack integrity check failed.";
        return nullptr;
      }
      return AdoptLoadedListpack(LpDup(blob), limits, err, "Hash listpack");
    case rdb::kHashZiplist: {
      uint8_t* lp = LpFromZiplist(blob, rec.payload.size());
      if (lp == nullptr) {
        *err = "Hash ziplist integrity check failed.";
        return nullptr;
      }
      return AdoptLoadedListpack(lp, limits, err, "Hash ziplist");
    }
    case rdb::kHashZipmap:
      return LoadZipmapHash(rec.payload, limits, err);
    default:
      *err = "Unknown hash encoding";
      return nullptr;
  }
}

// ---------------------------------------------------------------------------------------------
// Command helpers
// ---------------------------------------------------------------------------------------------

HashObj ObjOf(const KvEntry* e) { return HashObj(e->ptr()); }

void ReplyLp(CommandContext& ctx, const LpValue& v) {
  if (v.is_int()) {
    ctx.reply.BulkInt(v.ival);
  } else {
    ctx.reply.Bulk(std::string_view(v.str, v.len));
  }
}

// Looks up a hash for reading: nullptr if absent; *wrong (and a WRONGTYPE reply) if another
// type.
KvEntry* ReadHash(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupRead(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kHash);
  return *wrong ? nullptr : e;
}

KvEntry* WriteHash(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupWrite(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kHash);
  return *wrong ? nullptr : e;
}

// Stores a hash handle back: into `e` if the key existed, else as a new key. (Hashes never
// wake blocked clients: no command blocks on a hash, as Redis's signalKeyAsReady knows.)
void StoreHash(CommandContext& ctx, KvEntry* e, std::string_view key, HashObj h) {
  if (e != nullptr) {
    e->set_ptr(h.raw());
  } else {
    Ks(ctx).Insert(ctx.db, KvEntry::NewPtr(key, ObjType::kHash, h.raw(), -1, LruClock(ctx)));
  }
}

// A per-command random source: the clock's nanoseconds mixed with an address. Random picks
// need no cryptographic quality, and this keeps no state between commands.
SetRng CommandRng(const void* salt) {
  auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  return SetRng(static_cast<uint64_t>(ns) ^ reinterpret_cast<uintptr_t>(salt));
}

// getRangeLongFromObjectOrReply with Redis's texts.
bool ArgLongInRange(CommandContext& ctx, std::string_view s, int64_t min, int64_t max,
                    int64_t* out) {
  int64_t v;
  if (!StringToInt64(s, &v)) {
    ctx.reply.Error(err::kNotInt);
    return false;
  }
  if (v < min || v > max) {
    ctx.reply.Error("ERR value is out of range, value must between " + Int64ToString(min) +
                    " and " + Int64ToString(max));
    return false;
  }
  *out = v;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Writes
// ---------------------------------------------------------------------------------------------

// A new key's fields, written as one listpack in one allocation when nothing forces the
// table and no field repeats (the common HSET of a fresh hash). Returns false to fall back.
bool BuildNewListpack(ArgList pairs, HashLimits& limits, HashObj* out) {
  constexpr size_t kMaxDirect = 32;  // pairs; beyond this the generic path is as good
  const size_t n = pairs.size() / 2;
  if (n > kMaxDirect || n > limits.entries()) return false;
  size_t sum = 0;
  for (std::string_view a : pairs) {
    if (a.size() > limits.value()) return false;
    sum += a.size();
  }
  if (sum > kLpSafetySize) return false;
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j)
      if (pairs[2 * i] == pairs[2 * j]) return false;
  *out = HashObj::NewListpack(LpAppendMany(LpNew(0), pairs));
  return true;
}

// HSET key field value [field value ...] and HMSET (same, replying OK).
void HSet(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 1) {
    ctx.reply.Error("ERR wrong number of arguments for '" + ctx.spec.name + "' command");
    return;
  }
  bool wrong;
  KvEntry* e = WriteHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  HashLimits limits(ctx.server.config());
  ArgList pairs = ctx.args.subspan(2);
  int64_t created = 0;
  HashObj h(nullptr);
  if (e == nullptr && BuildNewListpack(pairs, limits, &h)) {
    created = static_cast<int64_t>(pairs.size() / 2);
  } else {
    h = e ? ObjOf(e) : HashObj::NewListpack();
    h.PrepareFor(pairs, limits);
    for (size_t i = 0; i < pairs.size(); i += 2) created += h.Set(pairs[i], pairs[i + 1], limits);
  }
  StoreHash(ctx, e, ctx.args[1], h);
  if (ctx.spec.name == "hset") {
    ctx.reply.Integer(created);
  } else {
    ctx.reply.Ok();
  }
  SignalModifiedKey(ctx, ctx.args[1]);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hset", ctx.args[1]);
  Dirty(ctx, pairs.size() / 2);
}

void HSetNx(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = WriteHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e != nullptr && ObjOf(e).Exists(ctx.args[2])) {
    ctx.reply.Integer(0);
    return;
  }
  HashLimits limits(ctx.server.config());
  HashObj h = e ? ObjOf(e) : HashObj::NewListpack();
  h.PrepareFor(ctx.args.subspan(2, 2), limits);
  h.Set(ctx.args[2], ctx.args[3], limits);
  StoreHash(ctx, e, ctx.args[1], h);
  ctx.reply.Integer(1);
  SignalModifiedKey(ctx, ctx.args[1]);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hset", ctx.args[1]);
  Dirty(ctx);
}

void HDel(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = WriteHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  HashObj h = ObjOf(e);
  int64_t deleted = 0;
  bool emptied = false;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (!h.Delete(ctx.args[i])) continue;
    ++deleted;
    if (h.size() == 0) {
      emptied = true;
      break;
    }
  }
  e->set_ptr(h.raw());
  if (deleted) {
    if (emptied) Ks(ctx).Delete(ctx.db, ctx.args[1]);
    SignalModifiedKey(ctx, ctx.args[1]);
    NotifyKeyspaceEvent(ctx, kNotifyHash, "hdel", ctx.args[1]);
    if (emptied) NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    Dirty(ctx, deleted);
  }
  ctx.reply.Integer(deleted);
}

void HIncrBy(CommandContext& ctx) {
  int64_t incr;
  if (!ArgInt64(ctx, ctx.args[3], &incr)) return;
  bool wrong;
  KvEntry* e = WriteHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  int64_t value = 0;
  LpValue cur;
  if (e != nullptr && ObjOf(e).Get(ctx.args[2], &cur)) {
    if (cur.is_int()) {
      value = cur.ival;
    } else if (!StringToInt64(std::string_view(cur.str, cur.len), &value)) {
      ctx.reply.Error("ERR hash value is not an integer");
      return;
    }
  }
  if ((incr < 0 && value < 0 && incr < INT64_MIN - value) ||
      (incr > 0 && value > 0 && incr > INT64_MAX - value)) {
    ctx.reply.Error(err::kOverflow);
    return;
  }
  value += incr;
  char buf[kInt64StrSize];
  std::string_view text(buf, Int64ToChars(value, buf));
  HashLimits limits(ctx.server.config());
  HashObj h = e ? ObjOf(e) : HashObj::NewListpack();
  h.Set(ctx.args[2], text, limits);
  StoreHash(ctx, e, ctx.args[1], h);
  ctx.reply.Integer(value);
  SignalModifiedKey(ctx, ctx.args[1]);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hincrby", ctx.args[1]);
  Dirty(ctx);
}

// The result reaches the AOF and replicas as HSET key field <result>, so float formatting
// can never make them diverge (as Redis).
void HIncrByFloat(CommandContext& ctx) {
  long double incr;
  if (!StringToLongDouble(ctx.args[3], &incr)) {
    ctx.reply.Error(err::kNotFloat);
    return;
  }
  if (std::isnan(incr) || std::isinf(incr)) {
    ctx.reply.Error("ERR value is NaN or Infinity");
    return;
  }
  bool wrong;
  KvEntry* e = WriteHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  long double value = 0;
  LpValue cur;
  if (e != nullptr && ObjOf(e).Get(ctx.args[2], &cur)) {
    if (cur.is_int()) {
      value = static_cast<long double>(cur.ival);
    } else if (!StringToLongDouble(std::string_view(cur.str, cur.len), &value)) {
      ctx.reply.Error("ERR hash value is not a float");
      return;
    }
  }
  value += incr;
  if (std::isnan(value) || std::isinf(value)) {
    ctx.reply.Error("ERR increment would produce NaN or Infinity");
    return;
  }
  std::string text = LongDoubleToString(value, true);
  HashLimits limits(ctx.server.config());
  HashObj h = e ? ObjOf(e) : HashObj::NewListpack();
  h.Set(ctx.args[2], text, limits);
  StoreHash(ctx, e, ctx.args[1], h);
  ctx.reply.Bulk(text);
  SignalModifiedKey(ctx, ctx.args[1]);
  NotifyKeyspaceEvent(ctx, kNotifyHash, "hincrbyfloat", ctx.args[1]);
  Dirty(ctx);
  PropagateAs(ctx, {"HSET", ctx.args[1], ctx.args[2], text});
}

// ---------------------------------------------------------------------------------------------
// Reads
// ---------------------------------------------------------------------------------------------

void HGet(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  LpValue v;
  if (e != nullptr && ObjOf(e).Get(ctx.args[2], &v)) {
    ReplyLp(ctx, v);
  } else {
    ctx.reply.Null();
  }
}

void HMGet(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    LpValue v;
    if (e != nullptr && ObjOf(e).Get(ctx.args[i], &v)) {
      ReplyLp(ctx, v);
    } else {
      ctx.reply.Null();
    }
  }
}

void HExists(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(e != nullptr && ObjOf(e).Exists(ctx.args[2]) ? 1 : 0);
}

void HLen(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(e ? static_cast<int64_t>(ObjOf(e).size()) : 0);
}

void HStrLen(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  LpValue v;
  if (e == nullptr || !ObjOf(e).Get(ctx.args[2], &v)) {
    ctx.reply.Integer(0);
    return;
  }
  char buf[kLpIntBufSize];
  ctx.reply.Integer(static_cast<int64_t>(v.View(buf).size()));
}

enum GetAllWhat { kFields = 1, kValues = 2, kBoth = 3 };

// HKEYS / HVALS (flat arrays) and HGETALL (a map: RESP2 flattens it).
void GetAllGeneric(CommandContext& ctx, int what) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    if (what == kBoth) {
      ctx.reply.Map(0);
    } else {
      ctx.reply.Array(0);
    }
    return;
  }
  HashObj h = ObjOf(e);
  if (what == kBoth) {
    ctx.reply.Map(h.size());
  } else {
    ctx.reply.Array(h.size());
  }
  h.ForEach([&](const LpValue& f, const LpValue& v) {
    if (what & kFields) ReplyLp(ctx, f);
    if (what & kValues) ReplyLp(ctx, v);
  });
}

void HKeys(CommandContext& ctx) { GetAllGeneric(ctx, kFields); }
void HVals(CommandContext& ctx) { GetAllGeneric(ctx, kValues); }
void HGetAll(CommandContext& ctx) { GetAllGeneric(ctx, kBoth); }

// ---------------------------------------------------------------------------------------------
// HRANDFIELD
// ---------------------------------------------------------------------------------------------

// Random access to the pairs of a hash for repeated draws: listpack positions are collected
// once (O(N)), table pairs come from the table's fair random pick.
class PairPicker {
 public:
  explicit PairPicker(HashObj h) : h_(h) {
    if (!h.is_lp()) return;
    uint8_t* l = h.lp();
    fields_.reserve(LpLength(l) / 2);
    for (uint8_t* p = LpFirst(l); p != nullptr;) {
      fields_.push_back(p);
      p = LpNext(l, LpNext(l, p));
    }
  }
  size_t size() const { return h_.is_lp() ? fields_.size() : h_.map()->size(); }
  // The i-th pair. REQUIRES: listpack encoding, i < size().
  void At(size_t i, LpValue* f, LpValue* v) const {
    *f = LpGet(fields_[i]);
    *v = LpGet(LpNext(h_.lp(), fields_[i]));
  }
  void Random(SetRng& rng, LpValue* f, LpValue* v) const {
    if (h_.is_lp()) {
      At(rng.Below(fields_.size()), f, v);
      return;
    }
    const HashNode* n = h_.map()->Random(rng);
    *f = StrVal(n->field());
    *v = StrVal(n->value());
  }

 private:
  HashObj h_;
  std::vector<uint8_t*> fields_;
};


void HRandFieldWithCount(CommandContext& ctx, int64_t l, bool withvalues) {
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  const bool unique = l >= 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  if (e == nullptr || count == 0) {
    ctx.reply.Array(0);  // Redis's shared.emptyarray, also in RESP3
    return;
  }
  HashObj h = ObjOf(e);
  const bool resp3 = ctx.reply.resp3();
  // RESP2 flattens pairs into one array; RESP3 nests each pair in a 2-element array.
  auto header = [&](uint64_t n) { ctx.reply.Array(withvalues && !resp3 ? n * 2 : n); };
  auto emit = [&](const LpValue& f, const LpValue& v) {
    if (withvalues && resp3) ctx.reply.Array(2);
    ReplyLp(ctx, f);
    if (withvalues) ReplyLp(ctx, v);
  };
  SetRng rng = CommandRng(e);
  PairPicker picker(h);
  LpValue f, v;

  // Repetitions allowed (negative count; also count 1): independent draws.
  if (!unique || count == 1) {
    header(count);
    for (uint64_t i = 0; i < count; ++i) {
      // Redis stops a huge reply once the client is being closed for its output limit.
      if ((i & 1023) == 1023 && ctx.server.ReplyOverLimit(ctx.conn)) break;
      picker.Random(rng, &f, &v);
      emit(f, v);
    }
    return;
  }
  const uint64_t size = picker.size();
  header(std::min(count, size));
  if (count >= size) {  // the whole hash
    h.ForEach(emit);
    return;
  }
  // Distinct pairs. Most of the hash: shuffle the first `count` slots of all of it into place
  // (Redis's "remove random elements" case). A small part: draw until `count` distinct ones.
  constexpr uint64_t kSubStrategyMul = 3;
  if (h.is_lp()) {
    std::vector<uint32_t> pos(size);
    for (uint32_t i = 0; i < size; ++i) pos[i] = i;
    for (uint64_t i = 0; i < count; ++i) {
      std::swap(pos[i], pos[i + rng.Below(size - i)]);
      picker.At(pos[i], &f, &v);
      emit(f, v);
    }
    return;
  }
  HashTableMap* m = h.map();
  if (count * kSubStrategyMul > size) {
    std::vector<const HashNode*> all;
    all.reserve(size);
    m->ForEach([&](const HashNode* n) { all.push_back(n); });
    for (uint64_t i = 0; i < count; ++i) {
      std::swap(all[i], all[i + rng.Below(size - i)]);
      emit(StrVal(all[i]->field()), StrVal(all[i]->value()));
    }
    return;
  }
  std::unordered_set<const HashNode*> seen;
  seen.reserve(count);
  while (seen.size() < count) {
    const HashNode* n = m->Random(rng);
    if (seen.insert(n).second) emit(StrVal(n->field()), StrVal(n->value()));
  }
}

void HRandField(CommandContext& ctx) {
  if (ctx.args.size() >= 3) {
    int64_t l;
    if (!ArgLongInRange(ctx, ctx.args[2], -LONG_MAX, LONG_MAX, &l)) return;
    bool withvalues = false;
    if (ctx.args.size() > 4 || (ctx.args.size() == 4 && !EqNoCase(ctx.args[3], "withvalues"))) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    if (ctx.args.size() == 4) {
      withvalues = true;
      if (l < -LONG_MAX / 2 || l > LONG_MAX / 2) {
        ctx.reply.Error("ERR value is out of range");
        return;
      }
    }
    HRandFieldWithCount(ctx, l, withvalues);
    return;
  }
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  SetRng rng = CommandRng(e);
  LpValue f, v;
  PairPicker(ObjOf(e)).Random(rng, &f, &v);
  ReplyLp(ctx, f);
}

// ---------------------------------------------------------------------------------------------
// HSCAN
// ---------------------------------------------------------------------------------------------

// parseScanCursorOrReply, then the key, then the options (Redis's order: a missing key answers
// an empty scan before any option is looked at).
void HScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.args[2], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  bool wrong;
  KvEntry* e = ReadHash(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ReplyEmptyScan(ctx);
    return;
  }
  ScanOptions opt;
  if (!ParseScanOptions(ctx, 3, &opt)) return;
  const int64_t count = opt.count;
  const std::string_view pat = opt.pattern;
  const bool use_pattern = opt.use_pattern;
  HashObj h = ObjOf(e);
  std::vector<std::pair<LpValue, LpValue>> found;
  if (h.is_lp()) {
    // Small by construction: everything in one reply, cursor 0 (as Redis).
    found.reserve(h.size());
    h.ForEach([&](const LpValue& f, const LpValue& v) { found.emplace_back(f, v); });
    cursor = 0;
  } else {
    // Redis counts fields and values against COUNT*2 and visits at most 10*COUNT*2 buckets
    // per call, so a sparse table cannot stall the server.
    const uint64_t want = static_cast<uint64_t>(count);
    uint64_t max_iterations = want > UINT64_MAX / 20 ? UINT64_MAX : want * 20;
    do {
      cursor = h.map()->Scan(cursor, [&](const HashNode* n) {
        found.emplace_back(StrVal(n->field()), StrVal(n->value()));
      });
    } while (cursor != 0 && max_iterations-- > 0 && found.size() < want);
  }
  size_t kept = 0;
  char buf[kLpIntBufSize];
  for (const auto& fv : found)
    if (!use_pattern || GlobMatch(pat, fv.first.View(buf))) found[kept++] = fv;
  ctx.reply.Array(2);
  ctx.reply.BulkInt(static_cast<int64_t>(cursor));  // Redis prints the cursor signed
  ctx.reply.Array(kept * 2);
  for (size_t i = 0; i < kept; ++i) {
    ReplyLp(ctx, found[i].first);
    ReplyLp(ctx, found[i].second);
  }
}

}  // namespace

// Declared in cross_family.h (SORT ... BY/GET pattern->field).
bool HashFieldValue(const KvEntry* e, std::string_view field, std::string* out) {
  LpValue v;
  if (!ObjOf(e).Get(field, &v)) return false;
  char buf[kLpIntBufSize];
  out->assign(v.View(buf));
  return true;
}

void RegisterHashCommands(CommandTable& t) {
  ObjectOps ops;
  ops.free_fn = FreeHashValue;
  ops.dup_fn = DupHashValue;
  ops.encoding = HashEncodingName;
  ops.memory = HashMemory;
  ops.rdb_type = HashRdbType;
  ops.rdb_save = HashRdbSave;
  ops.rdb_load = HashRdbLoad;
  ops.digest = HashDigest;
  ops.free_effort = [](const void* p) -> size_t {
    HashObj h(const_cast<void*>(p));
    return h.is_lp() ? 1 : h.map()->size();
  };
  RegisterObjectOps(ObjType::kHash, ops);
  const char* g = "hash";
  const char* wf = "@write @hash @fast";
  const char* rf = "@read @hash @fast";
  const char* rs = "@read @hash @slow";
  const char* o1 = "O(1)";
  const char* on_hash = "O(N), N being the number of fields in the hash.";
  t.Add({"hset", -4, "write denyoom fast", 1, 1, 1, wf, HSet, g,
         "Set the string value of a hash field", "2.0.0",
         "O(1) per field/value pair written: O(N) for N pairs."});
  t.Add({"hsetnx", 4, "write denyoom fast", 1, 1, 1, wf, HSetNx, g,
         "Set the value of a hash field, only if the field does not exist", "2.0.0", o1});
  t.Add({"hget", 3, "readonly fast", 1, 1, 1, rf, HGet, g, "Get the value of a hash field", "2.0.0",
         o1});
  t.Add({"hmset", -4, "write denyoom fast", 1, 1, 1, wf, HSet, g,
         "Set multiple hash fields to multiple values", "2.0.0",
         "O(N), N being the number of fields written."});
  t.Add({"hmget", -3, "readonly fast", 1, 1, 1, rf, HMGet, g,
         "Get the values of all the given hash fields", "2.0.0",
         "O(N), N being the number of fields asked for."});
  t.Add({"hdel", -3, "write fast", 1, 1, 1, wf, HDel, g, "Delete one or more hash fields", "2.0.0",
         "O(N), N being the number of fields to delete."});
  t.Add({"hexists", 3, "readonly fast", 1, 1, 1, rf, HExists, g, "Determine if a hash field exists",
         "2.0.0", o1});
  t.Add({"hlen", 2, "readonly fast", 1, 1, 1, rf, HLen, g, "Get the number of fields in a hash",
         "2.0.0", o1});
  t.Add({"hstrlen", 3, "readonly fast", 1, 1, 1, rf, HStrLen, g,
         "Get the length of the value of a hash field", "3.2.0", o1});
  t.Add({"hkeys", 2, "readonly", 1, 1, 1, rs, HKeys, g, "Get all the fields in a hash", "2.0.0",
         on_hash});
  t.Add({"hvals", 2, "readonly", 1, 1, 1, rs, HVals, g, "Get all the values in a hash", "2.0.0",
         on_hash});
  t.Add({"hgetall", 2, "readonly", 1, 1, 1, rs, HGetAll, g,
         "Get all the fields and values in a hash", "2.0.0", on_hash});
  t.Add({"hincrby", 4, "write denyoom fast", 1, 1, 1, wf, HIncrBy, g,
         "Increment the integer value of a hash field by the given number", "2.0.0", o1});
  t.Add({"hincrbyfloat", 4, "write denyoom fast", 1, 1, 1, wf, HIncrByFloat, g,
         "Increment the float value of a hash field by the given amount", "2.6.0", o1});
  t.Add({"hrandfield", -2, "readonly", 1, 1, 1, rs, HRandField, g,
         "Get one or multiple random fields from a hash", "6.2.0",
         "O(N), N being the number of fields returned."});
  t.Add({"hscan", -3, "readonly", 1, 1, 1, rs, HScan, g,
         "Incrementally iterate hash fields and associated values", "2.8.0",
         "O(1) per call; O(N) over a complete iteration (all the calls until the cursor is 0 "
         "again), N being the number of fields."});
}

}  // namespace sable
