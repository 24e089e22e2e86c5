// Set commands: SADD SREM SMEMBERS SISMEMBER SMISMEMBER SCARD SPOP SRANDMEMBER SMOVE SINTER
// SINTERCARD SINTERSTORE SUNION SUNIONSTORE SDIFF SDIFFSTORE SSCAN.
//
// Two encodings, as in Redis 7.0: an Intset while every member is an integer (string2ll-exact)
// and there are at most set-max-intset-entries of them, else a StringSet. Conversion is one
// way (intset -> hashtable); results built from scratch (the *STORE commands, SPOP's rebuilt
// set) start as an intset again, like Redis's createIntsetObject + setTypeAdd.
//
// The value sits in KvEntry's pointer slot, tagged in its low bit: 1 = Intset blob, 0 =
// StringSet*. Both come from malloc (16-byte aligned), so the bit is free and a set costs no
// wrapper object.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstdlib>
#include <string>
#include <unordered_set>
#include <vector>

#include "datastructs/glob.h"
#include "datastructs/intset.h"
#include "datastructs/string_set.h"
#include "server/commands/cross_family.h"
#include "server/commands/util.h"
#include "server/objects.h"

namespace sable {

namespace {

// ---------------------------------------------------------------------------------------------
// Encoding layer
// ---------------------------------------------------------------------------------------------

// Redis clamps the setting at 1G entries (intset lengths are uint32 and sizes must not wrap).
constexpr size_t kIntsetHardMax = size_t{1} << 30;

// Members are hashed with one process-wide random key. (The server's own seed has no accessor;
// this keeps the keyed-hash property without reaching into it.)
const HashSeed* MemberSeed() {
  static const HashSeed seed = RandomHashSeed();
  return &seed;
}

// set-max-intset-entries (a typed mirror in Config), read at most once per command and only
// when an intset grows.
class IntsetLimit {
 public:
  explicit IntsetLimit(Config& config) : config_(&config) {}
  // A fixed limit (RDB loading has no config at hand).
  explicit IntsetLimit(size_t fixed) : value_(std::min(fixed, kIntsetHardMax)) {}
  size_t get() {
    if (value_ == kUnread) {
      int64_t v = config_->set_max_intset_entries;
      value_ = v < 0 ? 0 : std::min(static_cast<size_t>(v), kIntsetHardMax);
    }
    return value_;
  }

 private:
  static constexpr size_t kUnread = SIZE_MAX;
  Config* config_ = nullptr;
  size_t value_ = kUnread;
};

// A non-owning handle on a tagged set value. Mutators may move an intset (or replace it by a
// StringSet): callers store raw() back into the entry afterwards.
class SetObj {
 public:
  explicit SetObj(void* raw) : raw_(raw) {}
  static SetObj NewIntset() { return SetObj(Tag(Intset::New())); }
  static SetObj NewStrings() { return SetObj(new StringSet(MemberSeed())); }
  // Redis's setTypeCreate: an intset if the first member is an integer.
  static SetObj ForFirst(std::string_view m) {
    int64_t v;
    return StringToInt64(m, &v) ? NewIntset() : NewStrings();
  }

  void* raw() const { return raw_; }
  bool is_intset() const { return reinterpret_cast<uintptr_t>(raw_) & 1; }
  Intset* ints() const {
    return reinterpret_cast<Intset*>(reinterpret_cast<uintptr_t>(raw_) & ~uintptr_t{1});
  }
  StringSet* strs() const { return static_cast<StringSet*>(raw_); }

  size_t size() const { return is_intset() ? ints()->size() : strs()->size(); }

  bool Add(std::string_view m, IntsetLimit& limit) {
    if (!is_intset()) return strs()->Add(m);
    int64_t v;
    if (!StringToInt64(m, &v)) {
      ToStrings();
      return strs()->Add(m);
    }
    return AddIntToIntset(v, limit);
  }

  bool AddInt(int64_t v, IntsetLimit& limit) {
    if (is_intset()) return AddIntToIntset(v, limit);
    char buf[kInt64StrSize];
    return strs()->Add(std::string_view(buf, Int64ToChars(v, buf)));
  }

  bool Remove(std::string_view m) {
    if (!is_intset()) return strs()->Remove(m);
    int64_t v;
    return StringToInt64(m, &v) && RemoveInt(v);
  }

  // REQUIRES: is_intset().
  bool RemoveInt(int64_t v) {
    bool removed;
    raw_ = Tag(Intset::Remove(ints(), v, &removed));
    return removed;
  }

  bool Contains(std::string_view m) const {
    if (!is_intset()) return strs()->Contains(m);
    int64_t v;
    return StringToInt64(m, &v) && ints()->Contains(v);
  }

  bool ContainsInt(int64_t v) const {
    if (is_intset()) return ints()->Contains(v);
    char buf[kInt64StrSize];
    return strs()->Contains(std::string_view(buf, Int64ToChars(v, buf)));
  }

  // fn(std::string_view) per member; integers are formatted into a scratch buffer, so a view
  // must be copied if kept beyond the call. fn must not modify this set.
  template <class F>
  void ForEach(F&& fn) const {
    if (is_intset()) {
      const Intset* is = ints();
      char buf[kInt64StrSize];
      for (uint32_t i = 0, n = is->size(); i < n; ++i)
        fn(std::string_view(buf, Int64ToChars(is->Get(i), buf)));
    } else {
      strs()->ForEach(fn);
    }
  }

  void ToStrings() {
    Intset* is = ints();
    auto* ss = new StringSet(MemberSeed());
    char buf[kInt64StrSize];
    for (uint32_t i = 0, n = is->size(); i < n; ++i)
      ss->Add(std::string_view(buf, Int64ToChars(is->Get(i), buf)));
    Intset::Free(is);
    raw_ = ss;
  }

  void Free() {
    if (is_intset()) {
      Intset::Free(ints());
    } else {
      delete strs();
    }
    raw_ = nullptr;
  }

  static void* Tag(Intset* is) {
    return reinterpret_cast<void*>(reinterpret_cast<uintptr_t>(is) | 1);
  }

 private:
  bool AddIntToIntset(int64_t v, IntsetLimit& limit) {
    bool added;
    raw_ = Tag(Intset::Add(ints(), v, &added));
    if (added && ints()->size() > limit.get()) ToStrings();
    return added;
  }

  void* raw_;
};

static_assert(alignof(std::max_align_t) >= 2, "tagging needs malloc alignment of at least 2");

// ObjectOps row for ObjType::kSet.
void FreeSetValue(void* p) { SetObj(p).Free(); }

void* DupSetValue(const void* p) {
  SetObj s(const_cast<void*>(p));
  if (s.is_intset()) return SetObj::Tag(Intset::Clone(s.ints()));
  return s.strs()->Clone();
}

const char* SetEncodingName(const void* p) {
  return SetObj(const_cast<void*>(p)).is_intset() ? "intset" : "hashtable";
}

size_t SetMemory(const void* p) {
  SetObj s(const_cast<void*>(p));
  return s.is_intset() ? s.ints()->AllocSize() : s.strs()->MemoryUsage();
}

void SetDigest(const void* p, Digest* out) {
  SetObj(const_cast<void*>(p)).ForEach([&](std::string_view m) { out->Add(m); });
}

// RDB, as Redis 7.0 writes sets: an intset as RDB_TYPE_SET_INTSET with its blob verbatim, a
// hashtable as RDB_TYPE_SET (count, then each member).
uint8_t SetRdbType(const void* p) {
  return SetObj(const_cast<void*>(p)).is_intset() ? rdb::kSetIntset : rdb::kSet;
}

void SetRdbSave(const void* p, RdbEncoder& enc) {
  SetObj s(const_cast<void*>(p));
  if (s.is_intset()) {
    enc.String(s.ints()->Blob());
    return;
  }
  enc.Length(s.size());
  s.ForEach([&](std::string_view m) { enc.String(m); });
}

// Loaded sets follow set-max-intset-entries (rec.limits).
void* SetRdbLoad(const RdbRecord& rec, std::string* err) {
  // The limit object only supplies the number; it never reads the config here.
  IntsetLimit limit(rec.limits.set_max_intset_entries);
  if (rec.type == rdb::kSetIntset) {
    if (!Intset::Validate(rec.payload, true)) {
      *err = "Intset integrity check failed.";
      return nullptr;
    }
    SetObj s(SetObj::Tag(Intset::FromBlob(rec.payload)));
    if (s.size() == 0) {
      s.Free();
      *err = rdb::kEmptyKeyError;
      return nullptr;
    }
    if (s.size() > limit.get()) s.ToStrings();
    return s.raw();
  }
  if (rec.type != rdb::kSet) {
    *err = "Unknown set encoding";
    return nullptr;
  }
  if (rec.items.empty()) {
    *err = rdb::kEmptyKeyError;
    return nullptr;
  }
  // As Redis: a hashtable from the start when the count exceeds the limit, else an intset that
  // converts at the first non-integer.
  SetObj s = rec.items.size() > limit.get() ? SetObj::NewStrings() : SetObj::NewIntset();
  for (const std::string& m : rec.items) {
    if (!s.Add(m, limit)) {
      s.Free();
      *err = "Duplicate set members detected";
      return nullptr;
    }
  }
  return s.raw();
}

// ---------------------------------------------------------------------------------------------
// Command helpers
// ---------------------------------------------------------------------------------------------

SetObj ObjOf(const KvEntry* e) { return SetObj(e->ptr()); }

// A per-command random source: the clock's nanoseconds mixed with an address. Random picks need
// no cryptographic quality, and this keeps no state between commands.
SetRng CommandRng(const void* salt) {
  auto ns = std::chrono::steady_clock::now().time_since_epoch().count();
  return SetRng(static_cast<uint64_t>(ns) ^ reinterpret_cast<uintptr_t>(salt));
}

// Redis's shared.emptyset: "*0" in RESP2, "~0" in RESP3.
void ReplyEmptySet(CommandContext& ctx) { ctx.reply.Set(0); }

// Replies every member of s (no header).
void ReplyMembers(CommandContext& ctx, SetObj s) {
  if (s.is_intset()) {
    const Intset* is = s.ints();
    for (uint32_t i = 0, n = is->size(); i < n; ++i) ctx.reply.BulkInt(is->Get(i));
  } else {
    s.strs()->ForEach([&](std::string_view m) { ctx.reply.Bulk(m); });
  }
}

// Looks up a set for reading: nullptr if absent; *wrong (and a WRONGTYPE reply) if another type.
KvEntry* ReadSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupRead(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kSet);
  return *wrong ? nullptr : e;
}

KvEntry* WriteSet(CommandContext& ctx, std::string_view key, bool* wrong) {
  KvEntry* e = LookupWrite(ctx, key);
  *wrong = WrongType(ctx, e, ObjType::kSet);
  return *wrong ? nullptr : e;
}

KvEntry* InsertSet(CommandContext& ctx, std::string_view key, SetObj s) {
  KvEntry* e = KvEntry::NewPtr(key, ObjType::kSet, s.raw(), -1, LruClock(ctx));
  Ks(ctx).Insert(ctx.db, e);
  KeyReady(ctx, key);
  return e;
}

// getLongFromObjectOrReply + a range check, with Redis's texts: `msg` answers both a
// non-integer and an out-of-range value; without it they get "value is not an integer or out
// of range" and "value is out of range, value must between <min> and <max>".
bool ArgLongInRange(CommandContext& ctx, std::string_view s, int64_t min, int64_t max, int64_t* out,
                    const char* msg) {
  int64_t v;
  if (!StringToInt64(s, &v)) {
    ctx.reply.Error(msg ? msg : err::kNotInt);
    return false;
  }
  if (v < min || v > max) {
    if (msg) {
      ctx.reply.Error(msg);
    } else {
      ctx.reply.Error("ERR value is out of range, value must between " + Int64ToString(min) +
                      " and " + Int64ToString(max));
    }
    return false;
  }
  *out = v;
  return true;
}

// ---------------------------------------------------------------------------------------------
// Single-key commands
// ---------------------------------------------------------------------------------------------

void SAdd(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = WriteSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  IntsetLimit limit(ctx.server.config());
  SetObj s = e ? ObjOf(e) : SetObj::ForFirst(ctx.args[2]);
  int64_t added = 0;
  for (size_t i = 2; i < ctx.args.size(); ++i) added += s.Add(ctx.args[i], limit);
  if (e == nullptr) {
    InsertSet(ctx, ctx.args[1], s);
  } else {
    e->set_ptr(s.raw());
  }
  if (added) {
    NotifyKeyspaceEvent(ctx, kNotifySet, "sadd", ctx.args[1]);
    Dirty(ctx, added);
  }
  ctx.reply.Integer(added);
}

void SRem(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = WriteSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  SetObj s = ObjOf(e);
  int64_t deleted = 0;
  bool emptied = false;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (!s.Remove(ctx.args[i])) continue;
    ++deleted;
    if (s.size() == 0) {
      emptied = true;
      break;
    }
  }
  e->set_ptr(s.raw());
  if (emptied) Ks(ctx).Delete(ctx.db, ctx.args[1]);
  if (deleted) {
    NotifyKeyspaceEvent(ctx, kNotifySet, "srem", ctx.args[1]);
    if (emptied) NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    Dirty(ctx, deleted);
  }
  ctx.reply.Integer(deleted);
}

void SIsMember(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(e && ObjOf(e).Contains(ctx.args[2]) ? 1 : 0);
}

void SMIsMember(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i)
    ctx.reply.Integer(e && ObjOf(e).Contains(ctx.args[i]) ? 1 : 0);
}

void SCard(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = ReadSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Integer(e ? static_cast<int64_t>(ObjOf(e).size()) : 0);
}

void SMove(CommandContext& ctx) {
  std::string_view src = ctx.args[1], dst = ctx.args[2], member = ctx.args[3];
  KvEntry* se = LookupWrite(ctx, src);
  KvEntry* de = LookupWrite(ctx, dst);
  if (se == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, se, ObjType::kSet) || WrongType(ctx, de, ObjType::kSet)) return;
  if (se == de) {
    ctx.reply.Integer(ObjOf(se).Contains(member) ? 1 : 0);
    return;
  }
  SetObj s = ObjOf(se);
  bool removed = s.Remove(member);
  se->set_ptr(s.raw());
  if (!removed) {
    ctx.reply.Integer(0);
    return;
  }
  NotifyKeyspaceEvent(ctx, kNotifySet, "srem", src);
  if (s.size() == 0) {
    Ks(ctx).Delete(ctx.db, src);  // de stays valid: another key's entry
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", src);
  }
  Dirty(ctx);
  SignalModifiedKey(ctx, src);
  IntsetLimit limit(ctx.server.config());
  SetObj d = de ? ObjOf(de) : SetObj::ForFirst(member);
  bool added = d.Add(member, limit);
  if (de == nullptr) {
    InsertSet(ctx, dst, d);
  } else {
    de->set_ptr(d.raw());
  }
  if (added) {
    Dirty(ctx);
    SignalModifiedKey(ctx, dst);  // only a real addition touches the destination
    NotifyKeyspaceEvent(ctx, kNotifySet, "sadd", dst);
  }
  ctx.reply.Integer(1);
}

// Removes one random member of the set in `e`, replies it and propagates it as SREM (random
// effects reach the AOF and replicas as what they did, as in Redis). The caller deletes the
// key if this emptied it.
void PopOne(CommandContext& ctx, KvEntry* e, SetRng& rng) {
  SetObj s = ObjOf(e);
  if (s.is_intset()) {
    int64_t v = s.ints()->Random(rng.Next());
    char buf[kInt64StrSize];
    std::string_view text(buf, Int64ToChars(v, buf));
    ctx.reply.Bulk(text);
    PropagateAs(ctx, {"SREM", e->key(), text});
    s.RemoveInt(v);
    e->set_ptr(s.raw());
  } else {
    StringSet* ss = s.strs();
    SetMember* m = ss->RandomMember(rng);
    std::string_view v = m->view();
    ctx.reply.Bulk(v);
    PropagateAs(ctx, {"SREM", e->key(), v});
    ss->Remove(v);  // v points into m: only read until m is unlinked, then m is freed
  }
}

// SPOP key count, count < size: Redis's two strategies. Few pops: draw and remove one at a
// time. Many pops: draw the few members that stay into a new set (which, like Redis's, starts
// as an intset again) and reply everything left in the old one.
void PopMany(CommandContext& ctx, KvEntry* e, uint64_t count, SetRng& rng) {
  constexpr uint64_t kMoveStrategyMul = 5;
  SetObj s = ObjOf(e);
  const uint64_t remaining = s.size() - count;
  ctx.reply.Set(count);
  if (remaining * kMoveStrategyMul > count) {
    while (count-- > 0) PopOne(ctx, e, rng);
    return;
  }
  IntsetLimit limit(ctx.server.config());
  SetObj kept(nullptr);
  if (s.is_intset()) {
    kept = SetObj::NewIntset();
    for (uint64_t i = 0; i < remaining; ++i) {
      int64_t v = s.ints()->Random(rng.Next());
      s.RemoveInt(v);
      kept.AddInt(v, limit);
    }
  } else {
    // Move the kept members' nodes without copying them, unless they all are integers that
    // fit an intset (then the new set is an intset, as Redis's setTypeCreate/Add would make).
    StringSet* ss = s.strs();
    std::vector<SetMember*> nodes;
    nodes.reserve(remaining);
    bool all_ints = remaining <= limit.get();
    for (uint64_t i = 0; i < remaining; ++i) {
      SetMember* m = ss->RandomMember(rng);
      SetMember* d = ss->Detach(m->view());
      int64_t v;
      if (all_ints && !StringToInt64(d->view(), &v)) all_ints = false;
      nodes.push_back(d);
    }
    if (all_ints) {
      kept = SetObj::NewIntset();
      for (SetMember* m : nodes) {
        kept.Add(m->view(), limit);
        SetMember::Free(m);
      }
    } else {
      auto* ks = new StringSet(MemberSeed());
      for (SetMember* m : nodes) ks->Attach(m);
      kept = SetObj(ks);
    }
  }
  s.ForEach([&](std::string_view m) {
    ctx.reply.Bulk(m);
    PropagateAs(ctx, {"SREM", e->key(), m});
  });
  s.Free();
  e->set_ptr(kept.raw());
}

void SPop(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong;
  if (ctx.args.size() == 2) {
    KvEntry* e = WriteSet(ctx, ctx.args[1], &wrong);
    if (wrong) return;
    if (e == nullptr) {
      ctx.reply.Null();
      return;
    }
    SetRng rng = CommandRng(e);
    NotifyKeyspaceEvent(ctx, kNotifySet, "spop", ctx.args[1]);
    PopOne(ctx, e, rng);
    if (ObjOf(e).size() == 0) {
      Ks(ctx).Delete(ctx.db, ctx.args[1]);
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    }
    Dirty(ctx);
    return;
  }
  int64_t count;
  if (!ArgLongInRange(ctx, ctx.args[2], 0, LONG_MAX, &count,
                      "ERR value is out of range, must be positive"))
    return;
  // (Redis replies this text for a non-integer count too.)
  KvEntry* e = WriteSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr || count == 0) {
    ReplyEmptySet(ctx);
    return;
  }
  SetObj s = ObjOf(e);
  uint64_t size = s.size();
  NotifyKeyspaceEvent(ctx, kNotifySet, "spop", ctx.args[1]);
  if (static_cast<uint64_t>(count) >= size) {
    Dirty(ctx, size);
    ctx.reply.Set(size);
    ReplyMembers(ctx, s);
    PropagateAs(ctx, {"DEL", ctx.args[1]});
    Ks(ctx).Delete(ctx.db, ctx.args[1]);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", ctx.args[1]);
    return;
  }
  Dirty(ctx, count);
  SetRng rng = CommandRng(e);
  PopMany(ctx, e, static_cast<uint64_t>(count), rng);
}

// SRANDMEMBER key count, count > 0 and < size, unique members: Redis's two strategies, with
// the same thresholds (the order of the reply is unspecified either way).
void RandMembersUnique(CommandContext& ctx, SetObj s, uint64_t count, SetRng& rng) {
  constexpr uint64_t kSubStrategyMul = 3;
  const uint64_t size = s.size();
  ctx.reply.Array(count);
  if (count * kSubStrategyMul > size) {
    // Most of the set: shuffle the first `count` slots of a full copy into place.
    if (s.is_intset()) {
      std::vector<uint32_t> pos(size);
      for (uint32_t i = 0; i < size; ++i) pos[i] = i;
      for (uint64_t i = 0; i < count; ++i) {
        std::swap(pos[i], pos[i + rng.Below(size - i)]);
        ctx.reply.BulkInt(s.ints()->Get(pos[i]));
      }
    } else {
      std::vector<std::string_view> all;
      all.reserve(size);
      s.strs()->ForEach([&](std::string_view m) { all.push_back(m); });
      for (uint64_t i = 0; i < count; ++i) {
        std::swap(all[i], all[i + rng.Below(size - i)]);
        ctx.reply.Bulk(all[i]);
      }
    }
    return;
  }
  // A small part of a big set: draw until `count` distinct members were seen.
  if (s.is_intset()) {
    std::unordered_set<uint32_t> seen;
    seen.reserve(count);
    while (seen.size() < count) {
      auto pos = static_cast<uint32_t>(rng.Below(size));
      if (seen.insert(pos).second) ctx.reply.BulkInt(s.ints()->Get(pos));
    }
  } else {
    std::unordered_set<const SetMember*> seen;
    seen.reserve(count);
    while (seen.size() < count) {
      SetMember* m = s.strs()->RandomMember(rng);
      if (seen.insert(m).second) ctx.reply.Bulk(m->view());
    }
  }
}

void SRandMember(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong;
  if (ctx.args.size() == 2) {
    KvEntry* e = ReadSet(ctx, ctx.args[1], &wrong);
    if (wrong) return;
    if (e == nullptr) {
      ctx.reply.Null();
      return;
    }
    SetRng rng = CommandRng(e);
    SetObj s = ObjOf(e);
    if (s.is_intset()) {
      ctx.reply.BulkInt(s.ints()->Random(rng.Next()));
    } else {
      ctx.reply.Bulk(s.strs()->Random(rng));
    }
    return;
  }
  int64_t l;
  if (!ArgLongInRange(ctx, ctx.args[2], -LONG_MAX, LONG_MAX, &l, nullptr)) return;
  const bool unique = l >= 0;
  const uint64_t count = unique ? static_cast<uint64_t>(l) : static_cast<uint64_t>(-l);
  KvEntry* e = ReadSet(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  if (e == nullptr || count == 0) {
    ctx.reply.Array(0);  // Redis's shared.emptyarray, also in RESP3
    return;
  }
  SetObj s = ObjOf(e);
  SetRng rng = CommandRng(e);
  if (!unique || count == 1) {
    ctx.reply.Array(count);
    for (uint64_t i = 0; i < count; ++i) {
      if ((i & 1023) == 1023 && ctx.server.ReplyOverLimit(ctx.conn)) break;
      if (s.is_intset()) {
        ctx.reply.BulkInt(s.ints()->Random(rng.Next()));
      } else {
        ctx.reply.Bulk(s.strs()->Random(rng));
      }
    }
    return;
  }
  if (count >= s.size()) {
    ctx.reply.Array(s.size());
    ReplyMembers(ctx, s);
    return;
  }
  RandMembersUnique(ctx, s, count, rng);
}

// ---------------------------------------------------------------------------------------------
// Multi-key algebra
// ---------------------------------------------------------------------------------------------

// Looks up every key as a set (absent = nullptr). Replies WRONGTYPE and returns false if one
// holds another type; every key is looked up first, as Redis does.
bool LookupSets(CommandContext& ctx, ArgList keys, std::vector<KvEntry*>* out) {
  out->clear();
  out->reserve(keys.size());
  for (std::string_view k : keys) {
    KvEntry* e = LookupRead(ctx, k);
    if (WrongType(ctx, e, ObjType::kSet)) return false;
    out->push_back(e);
  }
  return true;
}

// Deletes dst (the empty result of a *STORE) if it exists: the only key such a store touches.
void DeleteStoreDst(CommandContext& ctx, std::string_view dst) {
  ctx.server.keys_signaled = true;  // exact: the sources are only read
  if (LookupWrite(ctx, dst) != nullptr && Ks(ctx).Delete(ctx.db, dst)) {
    SignalModifiedKey(ctx, dst);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", dst);
    Dirty(ctx);
  }
}

// Stores `result` under dst (replacing any value and TTL) or, if it is empty, deletes dst.
// Replies the cardinality; `event` is the keyspace event of a store. Takes ownership of
// `result`.
void StoreResult(CommandContext& ctx, std::string_view dst, SetObj result, const char* event) {
  size_t n = result.size();
  if (n > 0) {
    KvEntry* e = KvEntry::NewPtr(dst, ObjType::kSet, result.raw(), -1, LruClock(ctx));
    Ks(ctx).Upsert(ctx.db, e, ctx.now_ms);
    KeyReady(ctx, dst);
    SignalModifiedKey(ctx, dst);
    ctx.reply.Integer(static_cast<int64_t>(n));
    NotifyKeyspaceEvent(ctx, kNotifySet, event, dst);
    Dirty(ctx);
  } else {
    result.Free();
    ctx.reply.Integer(0);
    DeleteStoreDst(ctx, dst);
  }
}

enum class InterMode { kReply, kStore, kCard };

// SINTER / SMEMBERS / SINTERSTORE / SINTERCARD: walk the smallest set, keep members every
// other set holds. `limit` (SINTERCARD) stops counting early; 0 = no limit.
void InterGeneric(CommandContext& ctx, ArgList keys, std::string_view dst, InterMode mode,
                  uint64_t limit = 0) {
  std::vector<KvEntry*> sets;
  if (!LookupSets(ctx, keys, &sets)) return;
  if (std::find(sets.begin(), sets.end(), nullptr) != sets.end()) {
    if (mode == InterMode::kStore) {
      DeleteStoreDst(ctx, dst);
      ctx.reply.Integer(0);
    } else if (mode == InterMode::kCard) {
      ctx.reply.Integer(0);
    } else {
      ReplyEmptySet(ctx);
    }
    return;
  }
  std::stable_sort(sets.begin(), sets.end(), [](const KvEntry* a, const KvEntry* b) {
    return ObjOf(a).size() < ObjOf(b).size();
  });
  SetObj first = ObjOf(sets[0]);
  IntsetLimit limit_cfg(ctx.server.config());
  SetObj result = mode == InterMode::kStore ? SetObj::NewIntset() : SetObj(nullptr);
  uint64_t card = 0;
  size_t deferred = mode == InterMode::kReply ? ctx.reply.BeginDeferred() : 0;
  bool done = false;

  auto in_all_int = [&](int64_t v) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] == sets[0]) continue;
      if (!ObjOf(sets[j]).ContainsInt(v)) return false;
    }
    return true;
  };
  auto in_all = [&](std::string_view m) {
    for (size_t j = 1; j < sets.size(); ++j) {
      if (sets[j] == sets[0]) continue;
      if (!ObjOf(sets[j]).Contains(m)) return false;
    }
    return true;
  };
  auto take = [&](std::string_view m, const int64_t* v) {
    ++card;
    if (mode == InterMode::kCard) {
      if (limit != 0 && card >= limit) done = true;
    } else if (mode == InterMode::kReply) {
      if (v) {
        ctx.reply.BulkInt(*v);
      } else {
        ctx.reply.Bulk(m);
      }
    } else if (v) {
      result.AddInt(*v, limit_cfg);
    } else {
      result.Add(m, limit_cfg);
    }
  };

  if (first.is_intset()) {
    const Intset* is = first.ints();
    for (uint32_t i = 0, n = is->size(); i < n && !done; ++i) {
      int64_t v = is->Get(i);
      if (in_all_int(v)) take({}, &v);
    }
  } else if (limit != 0) {
    // SINTERCARD with LIMIT: scan order, which can stop early.
    first.strs()->ForEachWhile([&](std::string_view m) {
      if (in_all(m)) take(m, nullptr);
      return !done;
    });
  } else {
    first.strs()->ForEach([&](std::string_view m) {
      if (in_all(m)) take(m, nullptr);
    });
  }

  if (mode == InterMode::kCard) {
    ctx.reply.Integer(static_cast<int64_t>(card));
  } else if (mode == InterMode::kReply) {
    ctx.reply.EndDeferredSet(deferred, card);
  } else {
    StoreResult(ctx, dst, result, "sinterstore");
  }
}

void SInter(CommandContext& ctx) { InterGeneric(ctx, ctx.args.subspan(1), {}, InterMode::kReply); }

void SInterStore(CommandContext& ctx) {
  InterGeneric(ctx, ctx.args.subspan(2), ctx.args[1], InterMode::kStore);
}

void SInterCard(CommandContext& ctx) {
  int64_t numkeys;
  if (!ArgLongInRange(ctx, ctx.args[1], 1, LONG_MAX, &numkeys,
                      "ERR numkeys should be greater than 0"))
    return;
  if (numkeys > static_cast<int64_t>(ctx.args.size()) - 2) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  int64_t limit = 0;
  for (size_t j = 2 + numkeys; j < ctx.args.size(); ++j) {
    bool more = j + 1 < ctx.args.size();
    if (EqNoCase(ctx.args[j], "LIMIT") && more) {
      if (!ArgLongInRange(ctx, ctx.args[++j], 0, LONG_MAX, &limit, "ERR LIMIT can't be negative"))
        return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  InterGeneric(ctx, ctx.args.subspan(2, numkeys), {}, InterMode::kCard,
               static_cast<uint64_t>(limit));
}

// SUNION / SDIFF and their *STORE forms. The result is built as a new set (starting as an
// intset, as Redis does), then replied or stored.
void UnionDiffGeneric(CommandContext& ctx, ArgList keys, std::string_view dst, bool diff,
                      bool store) {
  std::vector<KvEntry*> sets;
  if (!LookupSets(ctx, keys, &sets)) return;
  IntsetLimit limit(ctx.server.config());
  SetObj result = SetObj::NewIntset();
  auto add_all = [&](SetObj s) {
    if (s.is_intset()) {
      const Intset* is = s.ints();
      for (uint32_t i = 0, n = is->size(); i < n; ++i) result.AddInt(is->Get(i), limit);
    } else {
      s.strs()->ForEach([&](std::string_view m) { result.Add(m, limit); });
    }
  };

  if (!diff) {
    for (KvEntry* e : sets)
      if (e) add_all(ObjOf(e));
  } else if (sets[0] != nullptr && std::find(sets.begin() + 1, sets.end(), sets[0]) == sets.end()) {
    // Redis's choice: walk the first set probing the others (N*M, better constants), or add
    // the first set and remove every other set's members (sum of sizes).
    uint64_t algo1 = 0, algo2 = 0;
    for (KvEntry* e : sets) {
      if (e == nullptr) continue;
      algo1 += ObjOf(sets[0]).size();
      algo2 += ObjOf(e).size();
    }
    if (algo1 / 2 <= algo2) {
      std::vector<KvEntry*> others;
      for (size_t j = 1; j < sets.size(); ++j)
        if (sets[j]) others.push_back(sets[j]);
      std::stable_sort(others.begin(), others.end(), [](const KvEntry* a, const KvEntry* b) {
        return ObjOf(a).size() > ObjOf(b).size();
      });
      ObjOf(sets[0]).ForEach([&](std::string_view m) {
        for (KvEntry* o : others)
          if (ObjOf(o).Contains(m)) return;
        result.Add(m, limit);
      });
    } else {
      add_all(ObjOf(sets[0]));
      for (size_t j = 1; j < sets.size() && result.size() > 0; ++j) {
        if (sets[j] == nullptr) continue;
        ObjOf(sets[j]).ForEach([&](std::string_view m) { result.Remove(m); });
      }
    }
  }

  if (store) {
    StoreResult(ctx, dst, result, diff ? "sdiffstore" : "sunionstore");
    return;
  }
  ctx.reply.Set(result.size());
  ReplyMembers(ctx, result);
  result.Free();
}

void SUnion(CommandContext& ctx) { UnionDiffGeneric(ctx, ctx.args.subspan(1), {}, false, false); }
void SUnionStore(CommandContext& ctx) {
  UnionDiffGeneric(ctx, ctx.args.subspan(2), ctx.args[1], false, true);
}
void SDiff(CommandContext& ctx) { UnionDiffGeneric(ctx, ctx.args.subspan(1), {}, true, false); }
void SDiffStore(CommandContext& ctx) {
  UnionDiffGeneric(ctx, ctx.args.subspan(2), ctx.args[1], true, true);
}

// ---------------------------------------------------------------------------------------------
// SSCAN
// ---------------------------------------------------------------------------------------------

// parseScanCursorOrReply: strtoul over the argument as a C string (it ends at a NUL byte), no
// leading space, nothing after the digits, no overflow. strtoul's leniency stays: '+', a '-'
// that negates, and the empty string (cursor 0).
void SScan(CommandContext& ctx) {
  uint64_t cursor;
  if (!ParseScanCursor(ctx.args[2], &cursor)) {
    ctx.reply.Error("ERR invalid cursor");
    return;
  }
  bool wrong;
  KvEntry* e = ReadSet(ctx, ctx.args[1], &wrong);
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
  SetObj s = ObjOf(e);
  // Each entry is a member view, or (intset) an index into `ints`.
  std::vector<std::string_view> found;
  std::vector<std::string> ints;
  if (s.is_intset()) {
    // Small by construction: everything in one reply, cursor 0 (as Redis).
    const Intset* is = s.ints();
    ints.reserve(is->size());
    for (uint32_t i = 0; i < is->size(); ++i) ints.push_back(Int64ToString(is->Get(i)));
    for (const std::string& m : ints) found.push_back(m);
    cursor = 0;
  } else {
    StringSet* ss = s.strs();
    // At most 10*COUNT buckets per call, so a sparse table cannot stall the server.
    uint64_t max_iterations =
        count > INT64_MAX / 10 ? UINT64_MAX : static_cast<uint64_t>(count) * 10;
    do {
      cursor = ss->Scan(cursor, [&](std::string_view m) { found.push_back(m); });
    } while (cursor != 0 && max_iterations-- > 0 && found.size() < static_cast<uint64_t>(count));
  }
  size_t kept = 0;
  for (std::string_view m : found)
    if (!use_pattern || GlobMatch(pat, m)) found[kept++] = m;
  ctx.reply.Array(2);
  ctx.reply.BulkInt(static_cast<int64_t>(cursor));  // Redis prints the cursor signed
  ctx.reply.Array(kept);
  for (size_t i = 0; i < kept; ++i) ctx.reply.Bulk(found[i]);
}

void SMembers(CommandContext& ctx) {
  InterGeneric(ctx, ctx.args.subspan(1, 1), {}, InterMode::kReply);
}

}  // namespace

// Declared in cross_family.h (SORT).
void SetMembers(const KvEntry* e, std::vector<std::string>* out) {
  SetObj s = ObjOf(e);
  out->reserve(out->size() + s.size());
  s.ForEach([&](std::string_view m) { out->emplace_back(m); });
}

void RegisterSetCommands(CommandTable& t) {
  ObjectOps ops;
  ops.free_fn = FreeSetValue;
  ops.dup_fn = DupSetValue;
  ops.encoding = SetEncodingName;
  ops.memory = SetMemory;
  ops.rdb_type = SetRdbType;
  ops.rdb_save = SetRdbSave;
  ops.rdb_load = SetRdbLoad;
  ops.digest = SetDigest;
  ops.free_effort = [](const void* p) -> size_t {
    SetObj s(const_cast<void*>(p));
    return s.is_intset() ? 1 : s.strs()->size();
  };
  RegisterObjectOps(ObjType::kSet, ops);
  const char* g = "set";
  const char* wf = "@write @set @fast";
  const char* rf = "@read @set @fast";
  const char* rs = "@read @set @slow";
  const char* ws = "@write @set @slow";
  t.Add(
      {"sadd", -3, "write denyoom fast", 1, 1, 1, wf, SAdd, g, "Add one or more members to a set"});
  t.Add({"srem", -3, "write fast", 1, 1, 1, wf, SRem, g, "Remove one or more members from a set"});
  t.Add({"smembers", 2, "readonly", 1, 1, 1, rs, SMembers, g, "Get all the members in a set"});
  t.Add({"sismember", 3, "readonly fast", 1, 1, 1, rf, SIsMember, g,
         "Determine if a given value is a member of a set"});
  t.Add({"smismember", -3, "readonly fast", 1, 1, 1, rf, SMIsMember, g,
         "Returns the membership associated with the given elements for a set", "6.2.0"});
  t.Add({"scard", 2, "readonly fast", 1, 1, 1, rf, SCard, g, "Get the number of members in a set"});
  t.Add({"spop", -2, "write fast", 1, 1, 1, wf, SPop, g,
         "Remove and return one or multiple random members from a set"});
  t.Add({"srandmember", -2, "readonly", 1, 1, 1, rs, SRandMember, g,
         "Get one or multiple random members from a set"});
  t.Add({"smove", 4, "write fast", 1, 2, 1, wf, SMove, g, "Move a member from one set to another"});
  t.Add({"sinter", -2, "readonly", 1, -1, 1, rs, SInter, g, "Intersect multiple sets"});
  t.Add({"sintercard", -3, "readonly movablekeys", 0, 0, 0, rs, SInterCard, g,
         "Intersect multiple sets and return the cardinality of the result", "7.0.0"})
      ->keys_fn = NumKeysAfter1;
  t.Add({"sinterstore", -3, "write denyoom", 1, -1, 1, ws, SInterStore, g,
         "Intersect multiple sets and store the resulting set in a key"});
  t.Add({"sunion", -2, "readonly", 1, -1, 1, rs, SUnion, g, "Add multiple sets"});
  t.Add({"sunionstore", -3, "write denyoom", 1, -1, 1, ws, SUnionStore, g,
         "Add multiple sets and store the resulting set in a key"});
  t.Add({"sdiff", -2, "readonly", 1, -1, 1, rs, SDiff, g, "Subtract multiple sets"});
  t.Add({"sdiffstore", -3, "write denyoom", 1, -1, 1, ws, SDiffStore, g,
         "Subtract multiple sets and store the resulting set in a key"});
  t.Add({"sscan", -3, "readonly", 1, 1, 1, rs, SScan, g, "Incrementally iterate Set elements",
         "2.8.0"});
}

}  // namespace sable
