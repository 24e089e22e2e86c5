// Bitmap commands: SETBIT GETBIT BITCOUNT BITPOS BITOP BITFIELD BITFIELD_RO, with Redis 7.0.15's
// replies, errors and argument-checking order (which differs per command: BITCOUNT and BITPOS
// look the key up before parsing their ranges, so a missing key answers before a bad range).
//
// Bitmaps are plain strings. A write turns the value into a raw HeapStr on its first change
// (as Redis unshares an embstr/int value) and then grows it in place, zero-filled, with the
// same greedy policy as SETRANGE/APPEND. The bit algorithms live in datastructs/bitops.h.
#include <cstring>
#include <string>
#include <vector>

#include "datastructs/bitops.h"
#include "server/commands/util.h"

namespace sable {

namespace {

constexpr const char* kErrBitOffset = "ERR bit offset is not an integer or out of range";
constexpr const char* kErrBitValue = "ERR bit is not an integer or out of range";
constexpr const char* kErrBitArg = "ERR The bit argument must be 1 or 0.";
constexpr const char* kErrBitfieldType =
    "ERR Invalid bitfield type. Use something like i16 u8. Note that u64 is not supported but "
    "i64 is.";

// HeapStr lengths are 32-bit; keep room for the greedy growth (as strings.cc does).
constexpr size_t kPrealloc = size_t{1} << 20;
constexpr uint64_t kHeapStrHardMax = uint64_t{UINT32_MAX} - 2 * kPrealloc;

size_t GreedyCap(size_t need) { return need < kPrealloc ? need * 2 : need + kPrealloc; }

// Redis compares option words with strcasecmp on C strings, which stop at a NUL byte.
std::string_view CStr(std::string_view s) {
  size_t nul = s.find('\0');
  return nul == std::string_view::npos ? s : s.substr(0, nul);
}

bool WordIs(std::string_view arg, std::string_view word) { return EqNoCase(CStr(arg), word); }

const uint8_t* Bytes(std::string_view s) { return reinterpret_cast<const uint8_t*>(s.data()); }

// Parses a bit offset for SETBIT/GETBIT (bits == 0) or BITFIELD, where "#N" means N * bits.
// Offsets must address a byte below proto-max-bulk-len.
bool ParseBitOffset(CommandContext& ctx, std::string_view arg, int bits, uint64_t* out) {
  bool hash = bits > 0 && !arg.empty() && arg[0] == '#';
  int64_t v;
  if (!StringToInt64(hash ? arg.substr(1) : arg, &v)) {
    ctx.reply.Error(kErrBitOffset);
    return false;
  }
  // Redis 7.0 multiplies without an overflow check: a product that wraps negative is
  // rejected below, one that wraps to a small positive offset is used.
  if (hash) v = static_cast<int64_t>(static_cast<uint64_t>(v) * static_cast<uint64_t>(bits));
  uint64_t limit = static_cast<uint64_t>(ctx.server.config().proto_max_bulk_len);
  if (limit > kHeapStrHardMax) limit = kHeapStrHardMax;
  if (v < 0 || static_cast<uint64_t>(v >> 3) >= limit) {
    ctx.reply.Error(kErrBitOffset);
    return false;
  }
  *out = static_cast<uint64_t>(v);
  return true;
}

// "i1".."i64" or "u1".."u63" (case-sensitive, as Redis).
bool ParseBitfieldType(CommandContext& ctx, std::string_view arg, bool* is_signed, int* bits) {
  int64_t n;
  if (arg.empty() || (arg[0] != 'i' && arg[0] != 'u') || !StringToInt64(CStr(arg.substr(1)), &n) ||
      n < 1 || n > (arg[0] == 'i' ? 64 : 63)) {
    ctx.reply.Error(kErrBitfieldType);
    return false;
  }
  *is_signed = arg[0] == 'i';
  *bits = static_cast<int>(n);
  return true;
}

// The value of `key` as a raw string of at least `need` bytes (zero-padded on the right),
// created if absent, like Redis's lookupStringForBitCommand. Replies WRONGTYPE and returns
// nullptr for another type. *grew: the key was created or lengthened.
HeapStr* WritableBits(CommandContext& ctx, std::string_view key, size_t need, bool* grew) {
  Keyspace& ks = Ks(ctx);
  KvEntry** link = ks.FindLink(ctx.db, key, ctx.now_ms);
  if (link == nullptr) {
    HeapStr* h = HeapStr::New({}, need);
    memset(h->data, 0, need + 1);
    h->len = static_cast<uint32_t>(need);
    ks.Insert(ctx.db, KvEntry::NewRaw(key, h, -1, LruClock(ctx)));
    *grew = true;
    return h;
  }
  KvEntry* e = *link;
  if (WrongType(ctx, e, ObjType::kString)) return nullptr;
  size_t old_len = e->StringLength();
  HeapStr* h;
  if (e->enc() == Enc::kRaw) {
    h = e->heap_str();
    if (need > old_len) {
      h = HeapStr::Grow(h, need);
      e->set_heap_str(h);
    }
    e->set_lru(LruClock(ctx));
  } else {  // first modification: an int/embstr value becomes a growable raw string
    char tmp[24];
    h = HeapStr::New(e->StringView(tmp), need > old_len ? GreedyCap(need) : old_len);
    KvEntry* raw = KvEntry::NewRaw(e->key(), h, e->expire_ms(), LruClock(ctx));
    ks.Replace(ctx.db, link, raw);
  }
  *grew = need > old_len;
  if (*grew) {
    memset(h->data + old_len, 0, need - old_len);
    h->len = static_cast<uint32_t>(need);
  }
  h->data[h->len] = '\0';
  return h;
}

// Converts a Redis-style inclusive range (negative = from the end) over `total` units and
// clamps it; returns false when it is empty.
bool ClampRange(int64_t total, int64_t* start, int64_t* end) {
  if (*start < 0) *start += total;
  if (*end < 0) *end += total;
  if (*start < 0) *start = 0;
  if (*end < 0) *end = 0;
  if (*end >= total) *end = total - 1;
  return *start <= *end;
}

// Parses an optional BYTE|BIT unit word.
bool ParseUnit(CommandContext& ctx, std::string_view arg, bool* is_bit) {
  if (WordIs(arg, "bit")) {
    *is_bit = true;
  } else if (WordIs(arg, "byte")) {
    *is_bit = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// SETBIT / GETBIT

void SetBitCmd(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.args[2], 0, &offset)) return;
  int64_t on;
  if (!StringToInt64(ctx.args[3], &on) || (on & ~int64_t{1})) {
    ctx.reply.Error(kErrBitValue);
    return;
  }
  bool grew;
  HeapStr* h = WritableBits(ctx, ctx.args[1], offset / 8 + 1, &grew);
  if (h == nullptr) return;
  auto& byte = reinterpret_cast<uint8_t&>(h->data[offset / 8]);
  uint8_t mask = static_cast<uint8_t>(0x80 >> (offset & 7));
  bool old = byte & mask;
  if (grew || old != (on == 1)) {  // Redis 7.0.15 counts only real changes as dirty
    byte = static_cast<uint8_t>(on ? (byte | mask) : (byte & ~mask));
    NotifyKeyspaceEvent(ctx, kNotifyString, "setbit", ctx.args[1]);
    Dirty(ctx);
  }
  ctx.reply.Integer(old ? 1 : 0);
}

void GetBitCmd(CommandContext& ctx) {
  uint64_t offset;
  if (!ParseBitOffset(ctx, ctx.args[2], 0, &offset)) return;
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  char tmp[24];
  std::string_view s = e->StringView(tmp);
  uint64_t byte = offset / 8;
  int bit = byte < s.size() ? (static_cast<uint8_t>(s[byte]) >> (7 - (offset & 7))) & 1 : 0;
  ctx.reply.Integer(bit);
}

// ---------------------------------------------------------------------------------------------
// BITCOUNT / BITPOS

// BITCOUNT key [start end [BYTE|BIT]]
void BitCountCmd(CommandContext& ctx) {
  ArgList a = ctx.args;
  KvEntry* e = LookupRead(ctx, a[1]);
  if (e == nullptr) {  // 7.0: a missing key answers 0 whatever the other arguments are
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  char tmp[24];
  std::string_view s = e->StringView(tmp);
  const auto len = static_cast<int64_t>(s.size());
  int64_t start = 0, end = len - 1;
  bool is_bit = false;
  if (a.size() == 4 || a.size() == 5) {
    if (!ArgInt64(ctx, a[2], &start) || !ArgInt64(ctx, a[3], &end)) return;
    if (start < 0 && end < 0 && start > end) {
      ctx.reply.Integer(0);
      return;
    }
    if (a.size() == 5 && !ParseUnit(ctx, a[4], &is_bit)) return;
    if (!ClampRange(is_bit ? len * 8 : len, &start, &end)) {
      ctx.reply.Integer(0);
      return;
    }
  } else if (a.size() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (start > end) {
    ctx.reply.Integer(0);
    return;
  }
  uint64_t n = is_bit ? bitops::CountRange(Bytes(s), static_cast<uint64_t>(start),
                                           static_cast<uint64_t>(end))
                      : bitops::Popcount(Bytes(s) + start, static_cast<size_t>(end - start + 1));
  ctx.reply.Integer(static_cast<int64_t>(n));
}

// BITPOS key bit [start [end [BYTE|BIT]]]
void BitPosCmd(CommandContext& ctx) {
  ArgList a = ctx.args;
  int64_t bit;
  if (!ArgInt64(ctx, a[2], &bit)) return;
  if (bit != 0 && bit != 1) {
    ctx.reply.Error(kErrBitArg);
    return;
  }
  KvEntry* e = LookupRead(ctx, a[1]);
  if (e == nullptr) {  // an endless run of zeros
    ctx.reply.Integer(bit ? -1 : 0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kString)) return;
  char tmp[24];
  std::string_view s = e->StringView(tmp);
  const auto len = static_cast<int64_t>(s.size());
  int64_t start = 0, end = len - 1;
  bool is_bit = false, end_given = false;
  if (a.size() >= 4 && a.size() <= 6) {
    if (!ArgInt64(ctx, a[3], &start)) return;
    if (a.size() == 6 && !ParseUnit(ctx, a[5], &is_bit)) return;
    if (a.size() >= 5) {
      if (!ArgInt64(ctx, a[4], &end)) return;
      end_given = true;
    }
    ClampRange(is_bit ? len * 8 : len, &start, &end);
  } else if (a.size() != 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (start > end) {  // an empty range holds neither a 0 nor a 1
    ctx.reply.Integer(-1);
    return;
  }
  auto first = static_cast<uint64_t>(start), last = static_cast<uint64_t>(end);
  if (!is_bit) {
    first *= 8;
    last = last * 8 + 7;
  }
  int64_t pos = bitops::FindBit(Bytes(s), first, last, static_cast<int>(bit));
  // Without an explicit end the string counts as zero-padded: the first clear bit is then the
  // one just past the range.
  if (pos < 0 && bit == 0 && !end_given) pos = static_cast<int64_t>(last + 1);
  ctx.reply.Integer(pos);
}

// ---------------------------------------------------------------------------------------------
// BITOP

// BITOP AND|OR|XOR|NOT destkey key [key ...]
void BitOpCmd(CommandContext& ctx) {
  ArgList a = ctx.args;
  bitops::Op op;
  if (WordIs(a[1], "and")) {
    op = bitops::Op::kAnd;
  } else if (WordIs(a[1], "or")) {
    op = bitops::Op::kOr;
  } else if (WordIs(a[1], "xor")) {
    op = bitops::Op::kXor;
  } else if (WordIs(a[1], "not")) {
    op = bitops::Op::kNot;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (op == bitops::Op::kNot && a.size() != 4) {
    ctx.reply.Error("ERR BITOP NOT must be called with a single source key.");
    return;
  }
  const size_t n = a.size() - 3;
  std::vector<std::string_view> srcs(n);
  std::vector<char> scratch(n * 24);  // text of integer-encoded sources
  size_t maxlen = 0;
  for (size_t j = 0; j < n; ++j) {
    KvEntry* e = LookupRead(ctx, a[j + 3]);
    if (e == nullptr) continue;  // a missing key is an empty string
    if (WrongType(ctx, e, ObjType::kString)) return;
    srcs[j] = e->StringView(scratch.data() + j * 24);
    if (srcs[j].size() > maxlen) maxlen = srcs[j].size();
  }
  std::string_view dest = a[2];
  Keyspace& ks = Ks(ctx);
  if (maxlen > 0) {
    HeapStr* h = HeapStr::New({}, maxlen);
    bitops::Combine(op, srcs.data(), n, reinterpret_cast<uint8_t*>(h->data), maxlen);
    h->len = static_cast<uint32_t>(maxlen);
    h->data[maxlen] = '\0';
    // Like SET: the destination is overwritten whatever it held, and loses its TTL. The
    // sources' views are no longer needed once the result is built.
    ks.Upsert(ctx.db, KvEntry::NewRaw(dest, h, -1, LruClock(ctx)), ctx.now_ms);
    SignalModifiedKey(ctx, dest);  // only the destination (the sources are read)
    NotifyKeyspaceEvent(ctx, kNotifyString, "set", dest);
    Dirty(ctx);
  } else if (ks.Delete(ctx.db, dest)) {
    SignalModifiedKey(ctx, dest);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", dest);
    Dirty(ctx);
  } else {
    ctx.server.keys_signaled = true;
  }
  ctx.reply.Integer(static_cast<int64_t>(maxlen));
}

// ---------------------------------------------------------------------------------------------
// BITFIELD / BITFIELD_RO

enum class FieldOpKind : uint8_t { kGet, kSet, kIncrBy };

struct FieldOp {
  uint64_t offset;
  int64_t value;  // SET value or INCRBY increment
  FieldOpKind kind;
  bitops::Overflow overflow;
  int bits;
  bool is_signed;
};

// Parses the whole subcommand list first (every error is reported before any lookup).
bool ParseFieldOps(CommandContext& ctx, std::vector<FieldOp>* ops, bool* readonly,
                   uint64_t* highest_write) {
  ArgList a = ctx.args;
  bitops::Overflow overflow = bitops::Overflow::kWrap;
  for (size_t j = 2; j < a.size(); ++j) {
    size_t remaining = a.size() - j - 1;
    FieldOp op{};
    if (WordIs(a[j], "get") && remaining >= 2) {
      op.kind = FieldOpKind::kGet;
    } else if (WordIs(a[j], "set") && remaining >= 3) {
      op.kind = FieldOpKind::kSet;
    } else if (WordIs(a[j], "incrby") && remaining >= 3) {
      op.kind = FieldOpKind::kIncrBy;
    } else if (WordIs(a[j], "overflow") && remaining >= 1) {
      std::string_view mode = a[++j];
      if (WordIs(mode, "wrap")) {
        overflow = bitops::Overflow::kWrap;
      } else if (WordIs(mode, "sat")) {
        overflow = bitops::Overflow::kSat;
      } else if (WordIs(mode, "fail")) {
        overflow = bitops::Overflow::kFail;
      } else {
        ctx.reply.Error("ERR Invalid OVERFLOW type specified");
        return false;
      }
      continue;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
    if (!ParseBitfieldType(ctx, a[j + 1], &op.is_signed, &op.bits)) return false;
    if (!ParseBitOffset(ctx, a[j + 2], op.bits, &op.offset)) return false;
    if (op.kind != FieldOpKind::kGet) {
      *readonly = false;
      uint64_t last = op.offset + static_cast<uint64_t>(op.bits) - 1;
      if (last > *highest_write) *highest_write = last;
      if (!ArgInt64(ctx, a[j + 3], &op.value)) return false;
    }
    op.overflow = overflow;
    ops->push_back(op);
    j += op.kind == FieldOpKind::kGet ? 2 : 3;
  }
  return true;
}

// Runs one SET/INCRBY on `h`, replying the old (SET) or new (INCRBY) value, or nil when FAIL
// refused it. Returns whether the stored bits changed (or the string grew).
bool RunFieldWrite(CommandContext& ctx, const FieldOp& op, HeapStr* h, bool grew) {
  auto* p = reinterpret_cast<uint8_t*>(h->data);
  bool incr = op.kind == FieldOpKind::kIncrBy;
  int over;
  uint64_t old_bits, new_bits;
  int64_t reply;
  if (op.is_signed) {
    int64_t old = bitops::GetSigned(h->view(), op.offset, op.bits);
    int64_t limit = 0;
    int64_t target = incr ? old : op.value;
    over = bitops::CheckSigned(target, incr ? op.value : 0, op.bits, op.overflow, &limit);
    int64_t now = over ? limit
                       : (incr ? static_cast<int64_t>(static_cast<uint64_t>(old) +
                                                      static_cast<uint64_t>(op.value))
                               : op.value);
    reply = incr ? now : old;
    old_bits = static_cast<uint64_t>(old);
    new_bits = static_cast<uint64_t>(now);
  } else {
    uint64_t old = bitops::GetUnsigned(h->view(), op.offset, op.bits);
    uint64_t limit = 0;
    uint64_t target = incr ? old : static_cast<uint64_t>(op.value);
    over = bitops::CheckUnsigned(target, incr ? op.value : 0, op.bits, op.overflow, &limit);
    uint64_t now = over ? limit : (incr ? old + static_cast<uint64_t>(op.value) : target);
    reply = static_cast<int64_t>(incr ? now : old);
    old_bits = old;
    new_bits = now;
  }
  if (over && op.overflow == bitops::Overflow::kFail) {
    ctx.reply.Null();
    return false;
  }
  ctx.reply.Integer(reply);
  bitops::SetBits(p, op.offset, op.bits, new_bits);
  return grew || old_bits != new_bits;
}

void BitFieldGeneric(CommandContext& ctx, bool ro_command) {
  std::vector<FieldOp> ops;
  bool readonly = true;
  uint64_t highest_write = 0;
  if (!ParseFieldOps(ctx, &ops, &readonly, &highest_write)) return;

  HeapStr* h = nullptr;
  bool grew = false;
  std::string_view value;  // read-only: the current value (empty when absent)
  char tmp[24];
  if (readonly) {
    KvEntry* e = LookupRead(ctx, ctx.args[1]);
    if (WrongType(ctx, e, ObjType::kString)) return;
    if (e != nullptr) value = e->StringView(tmp);
  } else {
    if (ro_command) {
      ctx.reply.Error("ERR BITFIELD_RO only supports the GET subcommand");
      return;
    }
    // Room up to the farthest bit any write reaches, even if FAIL later refuses it.
    h = WritableBits(ctx, ctx.args[1], highest_write / 8 + 1, &grew);
    if (h == nullptr) return;
  }

  uint64_t changes = 0;
  ctx.reply.Array(ops.size());
  for (const FieldOp& op : ops) {
    if (op.kind != FieldOpKind::kGet) {
      // A write op means !readonly, so `h` was made writable above.
      if (h != nullptr && RunFieldWrite(ctx, op, h, grew)) ++changes;
      continue;
    }
    std::string_view s = h ? h->view() : value;
    if (op.is_signed) {
      ctx.reply.Integer(bitops::GetSigned(s, op.offset, op.bits));
    } else {
      ctx.reply.Integer(static_cast<int64_t>(bitops::GetUnsigned(s, op.offset, op.bits)));
    }
  }
  if (changes) {
    NotifyKeyspaceEvent(ctx, kNotifyString, "setbit", ctx.args[1]);
    Dirty(ctx, changes);
  }
}

void BitFieldCmd(CommandContext& ctx) { BitFieldGeneric(ctx, false); }
void BitFieldRoCmd(CommandContext& ctx) { BitFieldGeneric(ctx, true); }

}  // namespace

void RegisterBitmapCommands(CommandTable& t) {
  const CommandRow rows[] = {
      {"setbit", 4, "write denyoom", 1, 1, 1, "@write @bitmap @slow", SetBitCmd, "bitmap",
       "Sets or clears the bit at offset in the string value stored at key", "2.2.0"},
      {"getbit", 3, "readonly fast", 1, 1, 1, "@read @bitmap @fast", GetBitCmd, "bitmap",
       "Returns the bit value at offset in the string value stored at key", "2.2.0"},
      {"bitcount", -2, "readonly", 1, 1, 1, "@read @bitmap @slow", BitCountCmd, "bitmap",
       "Count set bits in a string", "2.6.0"},
      {"bitpos", -3, "readonly", 1, 1, 1, "@read @bitmap @slow", BitPosCmd, "bitmap",
       "Find first bit set or clear in a string", "2.8.7"},
      {"bitop", -4, "write denyoom", 2, -1, 1, "@write @bitmap @slow", BitOpCmd, "bitmap",
       "Perform bitwise operations between strings", "2.6.0"},
      {"bitfield", -2, "write denyoom", 1, 1, 1, "@write @bitmap @slow", BitFieldCmd, "bitmap",
       "Perform arbitrary bitfield integer operations on strings", "3.2.0"},
      {"bitfield_ro", -2, "readonly fast", 1, 1, 1, "@read @bitmap @fast", BitFieldRoCmd, "bitmap",
       "Perform arbitrary bitfield integer operations on strings. Read-only variant of BITFIELD",
       "6.0.0"},
  };
  for (const CommandRow& r : rows) t.Add(r);
}

}  // namespace sable
