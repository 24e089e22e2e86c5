// List commands: LPUSH RPUSH LPUSHX RPUSHX LPOP RPOP LLEN LRANGE LINDEX LSET LINSERT LREM LTRIM
// LPOS LMOVE RPOPLPUSH LMPOP and the blocking BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, with Redis
// 7.0.15's replies, errors and argument-checking order.
//
// Encoding (see datastructs/quicklist.h, "Keyspace list values"): a list starts as one
// listpack and becomes a quicklist when a write would take it over `list-max-listpack-size`;
// it goes back to a listpack when it shrinks to one node within half the limit (Redis 7.2's
// hysteresis; 7.0 always reports "quicklist"). A list that becomes empty is deleted.
#include <fmt/format.h>

#include <climits>
#include <cstring>
#include <string>
#include <vector>

#include "datastructs/listpack.h"
#include "datastructs/quicklist.h"
#include "server/commands/util.h"
#include "server/objects.h"

namespace sable {

namespace {

// ---- Settings -------------------------------------------------------------------------------
// Read through templates so a typed mirror (Config::list_max_listpack_size, the DEBUG knob
// Server::quicklist_packed_threshold) is used as soon as the shared code provides one.

template <typename C>
int FillOf(const C& cfg) {
  if constexpr (requires { cfg.list_max_listpack_size; }) {
    return static_cast<int>(cfg.list_max_listpack_size);
  } else {
    int64_t v = -2;
    StringToInt64(cfg.GetValue("list-max-listpack-size"), &v);
    return v > INT_MAX ? INT_MAX : (v < INT_MIN ? INT_MIN : static_cast<int>(v));
  }
}

template <typename S>
size_t PackedThresholdOf(const S& s) {
  if constexpr (requires { s.quicklist_packed_threshold; }) {
    return static_cast<size_t>(s.quicklist_packed_threshold);
  } else {
    return Quicklist::kDefaultPackedThreshold;
  }
}

int Fill(CommandContext& ctx) { return FillOf(ctx.server.config()); }

// ---- Encoding-independent operations on a list entry --------------------------------------

enum class End { kHead, kTail };

bool IsQl(const KvEntry* e) { return ListIsQuicklist(e->ptr()); }
uint8_t* Lp(const KvEntry* e) { return ListAsListpack(e->ptr()); }
Quicklist* Ql(CommandContext& ctx, const KvEntry* e) {
  Quicklist* ql = ListAsQuicklist(e->ptr());
  ql->set_packed_threshold(PackedThresholdOf(ctx.server));
  return ql;
}
void SetLp(KvEntry* e, uint8_t* lp) { e->set_ptr(ListValueOf(lp)); }

size_t Length(const KvEntry* e) { return ListValueLength(e->ptr()); }

void ReplyElement(ReplyWriter& w, const LpValue& v) {
  if (v.str != nullptr) {
    w.Bulk({v.str, v.len});
  } else {
    w.BulkInt(v.ival);
  }
}

// Bulk replies for a run of elements (LRANGE, pops with a count), formatted into a local
// buffer and appended in large pieces instead of three appends per element. The bytes are
// the same in RESP2 and RESP3.
class BulkBatch {
 public:
  explicit BulkBatch(ReplyWriter& w) : w_(w) {}
  ~BulkBatch() { Flush(); }
  BulkBatch(const BulkBatch&) = delete;
  BulkBatch& operator=(const BulkBatch&) = delete;

  void Add(const LpValue& v) {
    char num[kLpIntBufSize];
    std::string_view s = v.View(num);
    if (s.size() + kSlack > sizeof(buf_) - n_) {
      Flush();
      if (s.size() + kSlack > sizeof(buf_)) {
        w_.Bulk(s);
        return;
      }
    }
    buf_[n_++] = '$';
    n_ += Uint64ToChars(s.size(), buf_ + n_);
    buf_[n_++] = '\r';
    buf_[n_++] = '\n';
    memcpy(buf_ + n_, s.data(), s.size());
    n_ += s.size();
    buf_[n_++] = '\r';
    buf_[n_++] = '\n';
  }

  void Flush() {
    if (n_ == 0) return;
    w_.Raw({buf_, n_});
    n_ = 0;
  }

 private:
  static constexpr size_t kSlack = 32;  // "$" + length + 2 CRLF (+ the formatter's NUL)
  ReplyWriter& w_;
  size_t n_ = 0;
  char buf_[4096];
};

// Converts a listpack that would exceed the fill limit after adding `add_bytes` in
// `add_count` elements into a quicklist (Redis's listTypeTryConvertListpack).
void GrowCheck(CommandContext& ctx, KvEntry* e, size_t add_bytes, size_t add_count) {
  if (IsQl(e)) return;
  uint8_t* lp = Lp(e);
  int fill = Fill(ctx);
  if (!Quicklist::ExceedsLimit(fill, LpBytes(lp) + add_bytes, LpLength(lp) + add_count)) return;
  auto* ql = new Quicklist(fill, PackedThresholdOf(ctx.server));
  if (LpLength(lp) > 0) {
    ql->AppendListpack(lp);
  } else {
    LpFree(lp);
  }
  e->set_ptr(ListValueOf(ql));
}

// Turns a quicklist of one packed node back into a listpack once it is within half the limit.
void ShrinkCheck(CommandContext& ctx, KvEntry* e) {
  if (!IsQl(e)) return;
  Quicklist* ql = ListAsQuicklist(e->ptr());
  if (ql->node_count() != 1 || ql->head()->plain) return;
  size_t bytes, count;
  Quicklist::NodeLimit(Fill(ctx), &bytes, &count);
  if (LpBytes(ql->head()->data) > bytes / 2 || ql->count() > count / 2) return;
  uint8_t* lp = ql->TakeSingleListpack();
  delete ql;
  SetLp(e, lp);
}

KvEntry* CreateList(CommandContext& ctx, std::string_view key) {
  KvEntry* e = KvEntry::NewPtr(key, ObjType::kList, ListValueOf(LpNew()), -1, LruClock(ctx));
  Ks(ctx).Insert(ctx.db, e);
  return e;
}

void Push(CommandContext& ctx, KvEntry* e, ArgList items, End where) {
  size_t bytes = 0;
  for (auto s : items) bytes += s.size();
  GrowCheck(ctx, e, bytes, items.size());
  if (!IsQl(e)) {
    uint8_t* lp = Lp(e);
    SetLp(e, where == End::kHead ? LpPrependMany(lp, items) : LpAppendMany(lp, items));
    return;
  }
  Quicklist* ql = Ql(ctx, e);
  if (where == End::kHead) {
    for (auto s : items) ql->PushFront(s);
  } else {
    for (auto s : items) ql->PushBack(s);
  }
}

void PushOne(CommandContext& ctx, KvEntry* e, std::string_view s, End where) {
  Push(ctx, e, ArgList(&s, 1), where);
}

// Deletes `n` elements from one end. REQUIRES: n <= Length(e).
void PopN(CommandContext& ctx, KvEntry* e, size_t n, End where) {
  if (IsQl(e)) {
    Quicklist* ql = Ql(ctx, e);
    if (n == 1) {  // LPOP/RPOP: no index walk
      if (where == End::kHead) {
        ql->PopFront();
      } else {
        ql->PopBack();
      }
      return;
    }
    ql->DelRange(where == End::kHead ? 0 : -static_cast<long>(n), n);
  } else {
    uint8_t* lp = Lp(e);
    SetLp(e, LpDeleteRange(lp, where == End::kHead ? 0 : -static_cast<long>(n), n));
  }
}

const char* PopEvent(End where) { return where == End::kHead ? "lpop" : "rpop"; }
const char* PushEvent(End where) { return where == End::kHead ? "lpush" : "rpush"; }

// After elements were removed: the keyspace event (if any), count the change, drop an emptied
// key ("del" event), maybe shrink.
void ElementsRemoved(CommandContext& ctx, KvEntry* e, std::string_view key, size_t n,
                     const char* event) {
  if (event != nullptr) NotifyKeyspaceEvent(ctx, kNotifyList, event, key);
  Dirty(ctx, n);
  SignalModifiedKey(ctx, key);
  if (Length(e) == 0) {
    Ks(ctx).Delete(ctx.db, key);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
  } else {
    ShrinkCheck(ctx, e);
  }
}

// A position in either encoding, moving towards the tail (forward) or the head.
class ListIter {
 public:
  ListIter(CommandContext& ctx, KvEntry* e, long index, bool forward)
      : e_(e), ql_(IsQl(e)), forward_(forward) {
    if (ql_) {
      q_ = Ql(ctx, e);
      pos_ = q_->At(index);
    } else {
      p_ = LpSeek(Lp(e), index);
    }
  }

  bool Valid() const { return ql_ ? static_cast<bool>(pos_) : p_ != nullptr; }
  LpValue Get() const { return ql_ ? Quicklist::Get(pos_) : LpGet(p_); }

  bool Matches(const LpMatcher& m, std::string_view s) const {
    if (!ql_) return m.Matches(p_);
    if (!pos_.node->plain) return m.Matches(pos_.p);
    return pos_.node->plain_len == s.size() &&
           (s.empty() || memcmp(pos_.node->data, s.data(), s.size()) == 0);
  }

  void Advance() {
    if (ql_) {
      if (forward_) {
        q_->Next(&pos_);
      } else {
        q_->Prev(&pos_);
      }
    } else {
      uint8_t* lp = Lp(e_);
      p_ = forward_ ? LpNext(lp, p_) : LpPrev(lp, p_);
    }
  }

  // Deletes the current element and moves on in the iteration direction.
  void Erase() {
    if (ql_) {
      q_->Erase(&pos_, forward_);
      return;
    }
    uint8_t* lp = Lp(e_);
    if (forward_) {
      uint8_t* next = nullptr;
      lp = LpDelete(lp, p_, &next);
      p_ = next;
    } else {
      uint8_t* prev = LpPrev(lp, p_);
      size_t off = prev ? static_cast<size_t>(prev - lp) : 0;
      lp = LpDelete(lp, p_, nullptr);
      p_ = prev ? lp + off : nullptr;
    }
    SetLp(e_, lp);
  }

  // Inserts next to the current element; the iterator is invalid afterwards.
  void Insert(std::string_view s, bool after) {
    if (ql_) {
      q_->Insert(pos_, s, after);
    } else {
      SetLp(e_, LpInsert(Lp(e_), p_, after ? LpWhere::kAfter : LpWhere::kBefore, s));
    }
  }

 private:
  KvEntry* e_;
  bool ql_;
  bool forward_;
  Quicklist* q_ = nullptr;
  QuicklistPos pos_;
  uint8_t* p_ = nullptr;
};

// Redis's addListRangeReply: [start, end] with negative indexes, optionally tail to head.
void ReplyRange(CommandContext& ctx, KvEntry* e, int64_t start, int64_t end, bool reverse) {
  int64_t llen = static_cast<int64_t>(Length(e));
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  if (start > end || start >= llen) {
    ctx.reply.Array(0);
    return;
  }
  if (end >= llen) end = llen - 1;
  int64_t n = end - start + 1;
  ctx.reply.Array(static_cast<size_t>(n));
  ListIter it(ctx, e, static_cast<long>(reverse ? end : start), !reverse);
  BulkBatch batch(ctx.reply);
  while (n-- > 0) {
    batch.Add(it.Get());
    it.Advance();
  }
}

// Replies with up to `count` elements from one end (as an array) and removes them.
void PopRangeReply(CommandContext& ctx, KvEntry* e, std::string_view key, int64_t count,
                   End where) {
  int64_t llen = static_cast<int64_t>(Length(e));
  int64_t n = count > llen ? llen : count;
  if (where == End::kHead) {
    ReplyRange(ctx, e, 0, n - 1, false);
  } else {
    ReplyRange(ctx, e, -n, -1, true);
  }
  PopN(ctx, e, static_cast<size_t>(n), where);
  ElementsRemoved(ctx, e, key, static_cast<size_t>(n), PopEvent(where));
}

// LMPOP/BLMPOP: reply [key, [elements]], pop, and replicate as LPOP/RPOP key count.
void MPopReply(CommandContext& ctx, KvEntry* e, std::string_view key, int64_t count, End where) {
  int64_t llen = static_cast<int64_t>(Length(e));
  char buf[kLpIntBufSize];
  std::string_view n(buf, Int64ToChars(count > llen ? llen : count, buf));
  PropagateAs(ctx, {where == End::kHead ? "LPOP" : "RPOP", key, n});
  SignalModifiedKey(ctx, key);  // exactly the popped key (not every key argument)
  ctx.reply.Array(2);
  ctx.reply.Bulk(key);
  PopRangeReply(ctx, e, key, count, where);
}

// Replies with one element popped from `where` and removes it.
void PopOneReply(CommandContext& ctx, KvEntry* e, End where) {
  if (IsQl(e)) {
    Quicklist* ql = Ql(ctx, e);
    ReplyElement(ctx.reply, where == End::kHead ? ql->Front() : ql->Back());
  } else {
    uint8_t* lp = Lp(e);
    ReplyElement(ctx.reply, LpGet(where == End::kHead ? LpFirst(lp) : LpLast(lp)));
  }
  PopN(ctx, e, 1, where);
}

// ---- Argument helpers -----------------------------------------------------------------------

// getRangeLongFromObjectOrReply: an integer in [min, max]; any failure replies `msg`.
bool ArgRange(CommandContext& ctx, std::string_view s, int64_t min, int64_t max, int64_t* out,
              const char* msg) {
  int64_t v;
  if (!StringToInt64(s, &v) || v < min || v > max) {
    ctx.reply.Error(msg);
    return false;
  }
  *out = v;
  return true;
}

bool ArgWhere(CommandContext& ctx, std::string_view s, End* where) {
  if (EqNoCase(s, "left")) {
    *where = End::kHead;
  } else if (EqNoCase(s, "right")) {
    *where = End::kTail;
  } else {
    ctx.reply.Error(err::kSyntax);
    return false;
  }
  return true;
}


// ---- Commands -------------------------------------------------------------------------------

void PushGeneric(CommandContext& ctx, End where, bool only_existing) {
  std::string_view key = ctx.args[1];
  KvEntry* e = LookupWrite(ctx, key);
  if (WrongType(ctx, e, ObjType::kList)) return;
  if (e == nullptr) {
    if (only_existing) {
      ctx.reply.Integer(0);
      return;
    }
    e = CreateList(ctx, key);
  }
  ArgList items = ctx.args.subspan(2);
  Push(ctx, e, items, where);
  Dirty(ctx, items.size());
  KeyReady(ctx, key);
  ctx.reply.Integer(static_cast<int64_t>(Length(e)));
  NotifyKeyspaceEvent(ctx, kNotifyList, PushEvent(where), key);
}

void LPush(CommandContext& ctx) { PushGeneric(ctx, End::kHead, false); }
void RPush(CommandContext& ctx) { PushGeneric(ctx, End::kTail, false); }
void LPushX(CommandContext& ctx) { PushGeneric(ctx, End::kHead, true); }
void RPushX(CommandContext& ctx) { PushGeneric(ctx, End::kTail, true); }

void PopGeneric(CommandContext& ctx, End where) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(
        fmt::format("ERR wrong number of arguments for '{}' command", ctx.spec.FullName()));
    return;
  }
  bool has_count = ctx.args.size() == 3;
  int64_t count = 0;
  if (has_count && !ArgRange(ctx, ctx.args[2], 0, INT64_MAX, &count,
                             "ERR value is out of range, must be positive"))
    return;
  std::string_view key = ctx.args[1];
  KvEntry* e = LookupWrite(ctx, key);
  if (e == nullptr) {
    if (has_count) {
      ctx.reply.NullArray();
    } else {
      ctx.reply.Null();
    }
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  if (!has_count) {
    PopOneReply(ctx, e, where);
    ElementsRemoved(ctx, e, key, 1, PopEvent(where));
    return;
  }
  if (count == 0) {
    ctx.reply.Array(0);
    return;
  }
  PopRangeReply(ctx, e, key, count, where);
}

void LPop(CommandContext& ctx) { PopGeneric(ctx, End::kHead); }
void RPop(CommandContext& ctx) { PopGeneric(ctx, End::kTail); }

void LLen(CommandContext& ctx) {
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  ctx.reply.Integer(static_cast<int64_t>(Length(e)));
}

void LRange(CommandContext& ctx) {
  int64_t start, end;
  if (!ArgInt64(ctx, ctx.args[2], &start) || !ArgInt64(ctx, ctx.args[3], &end)) return;
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Array(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  ReplyRange(ctx, e, start, end, false);
}

void LIndex(CommandContext& ctx) {
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  int64_t index;
  if (!ArgInt64(ctx, ctx.args[2], &index)) return;
  ListIter it(ctx, e, static_cast<long>(index), true);
  if (it.Valid()) {
    ReplyElement(ctx.reply, it.Get());
  } else {
    ctx.reply.Null();
  }
}

void LSet(CommandContext& ctx) {
  KvEntry* e = LookupWrite(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Error(err::kNoKey);
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  int64_t index;
  if (!ArgInt64(ctx, ctx.args[2], &index)) return;
  std::string_view value = ctx.args[3];
  GrowCheck(ctx, e, value.size(), 1);
  bool ok;
  if (IsQl(e)) {
    ok = Ql(ctx, e)->ReplaceAt(static_cast<long>(index), value);
  } else {
    uint8_t* lp = Lp(e);
    uint8_t* p = LpSeek(lp, static_cast<long>(index));
    ok = p != nullptr;
    if (ok) SetLp(e, LpReplace(lp, &p, value));
  }
  if (!ok) {
    ctx.reply.Error("ERR index out of range");
    return;
  }
  ShrinkCheck(ctx, e);
  Dirty(ctx);
  ctx.reply.Ok();
  NotifyKeyspaceEvent(ctx, kNotifyList, "lset", ctx.args[1]);
}

void LInsert(CommandContext& ctx) {
  bool after;
  if (EqNoCase(ctx.args[2], "after")) {
    after = true;
  } else if (EqNoCase(ctx.args[2], "before")) {
    after = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  KvEntry* e = LookupWrite(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  std::string_view pivot = ctx.args[3], value = ctx.args[4];
  // As Redis, assume the insert happens and convert first (the pivot search cannot convert).
  GrowCheck(ctx, e, value.size(), 1);
  LpMatcher m(pivot);
  for (ListIter it(ctx, e, 0, true); it.Valid(); it.Advance()) {
    if (it.Matches(m, pivot)) {
      it.Insert(value, after);
      NotifyKeyspaceEvent(ctx, kNotifyList, "linsert", ctx.args[1]);
      Dirty(ctx);
      ctx.reply.Integer(static_cast<int64_t>(Length(e)));
      return;
    }
  }
  ctx.reply.Integer(-1);
}

void LRem(CommandContext& ctx) {
  int64_t toremove;
  if (!ArgInt64(ctx, ctx.args[2], &toremove)) return;
  std::string_view key = ctx.args[1], value = ctx.args[3];
  KvEntry* e = LookupWrite(ctx, key);
  if (e == nullptr) {
    ctx.reply.Integer(0);
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  bool forward = toremove >= 0;
  // |INT64_MIN| does not fit: any count that large means "all of them" anyway.
  uint64_t limit =
      forward ? static_cast<uint64_t>(toremove) : static_cast<uint64_t>(-(toremove + 1)) + 1;
  LpMatcher m(value);
  uint64_t removed = 0;
  ListIter it(ctx, e, forward ? 0 : -1, forward);
  while (it.Valid()) {
    if (it.Matches(m, value)) {
      it.Erase();
      ++removed;
      if (limit && removed == limit) break;
    } else {
      it.Advance();
    }
  }
  if (removed) ElementsRemoved(ctx, e, key, removed, "lrem");
  ctx.reply.Integer(static_cast<int64_t>(removed));
}

void LTrim(CommandContext& ctx) {
  int64_t start, end;
  if (!ArgInt64(ctx, ctx.args[2], &start) || !ArgInt64(ctx, ctx.args[3], &end)) return;
  std::string_view key = ctx.args[1];
  KvEntry* e = LookupWrite(ctx, key);
  if (e == nullptr) {
    ctx.reply.Ok();
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  int64_t llen = static_cast<int64_t>(Length(e));
  if (start < 0) start += llen;
  if (end < 0) end += llen;
  if (start < 0) start = 0;
  int64_t ltrim, rtrim;
  if (start > end || start >= llen) {
    ltrim = llen;
    rtrim = 0;
  } else {
    if (end >= llen) end = llen - 1;
    ltrim = start;
    rtrim = llen - end - 1;
  }
  if (ltrim) PopN(ctx, e, static_cast<size_t>(ltrim), End::kHead);
  if (rtrim) PopN(ctx, e, static_cast<size_t>(rtrim), End::kTail);
  // Redis signals (and notifies) the key as modified even when nothing was trimmed.
  NotifyKeyspaceEvent(ctx, kNotifyList, "ltrim", key);
  SignalModifiedKey(ctx, key);
  if (ltrim + rtrim) {
    ElementsRemoved(ctx, e, key, static_cast<size_t>(ltrim + rtrim), nullptr);
  }
  ctx.reply.Ok();
}

void LPos(CommandContext& ctx) {
  std::string_view ele = ctx.args[2];
  int64_t rank = 1, count = -1, maxlen = 0;  // count -1: no COUNT option
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    std::string_view opt = ctx.args[j];
    bool more = j + 1 < ctx.args.size();
    if (EqNoCase(opt, "RANK") && more) {
      if (!ArgInt64(ctx, ctx.args[++j], &rank)) return;
      if (rank == 0) {
        ctx.reply.Error(
            "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... "
            "or use negative to start from the end of the list");
        return;
      }
    } else if (EqNoCase(opt, "COUNT") && more) {
      if (!ArgRange(ctx, ctx.args[++j], 0, INT64_MAX, &count, "ERR COUNT can't be negative"))
        return;
    } else if (EqNoCase(opt, "MAXLEN") && more) {
      if (!ArgRange(ctx, ctx.args[++j], 0, INT64_MAX, &maxlen, "ERR MAXLEN can't be negative"))
        return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  bool forward = true;
  if (rank < 0) {
    // Redis negates in place; RANK INT64_MIN stays negative and so matches every time.
    rank = rank == INT64_MIN ? INT64_MIN : -rank;
    forward = false;
  }
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    if (count != -1) {
      ctx.reply.Array(0);
    } else {
      ctx.reply.Null();
    }
    return;
  }
  if (WrongType(ctx, e, ObjType::kList)) return;
  size_t deferred = count != -1 ? ctx.reply.BeginDeferred() : 0;
  int64_t llen = static_cast<int64_t>(Length(e));
  int64_t index = 0, matches = 0, matchindex = -1, arraylen = 0;
  LpMatcher m(ele);
  for (ListIter it(ctx, e, forward ? 0 : -1, forward);
       it.Valid() && (maxlen == 0 || index < maxlen); it.Advance()) {
    if (it.Matches(m, ele)) {
      ++matches;
      matchindex = forward ? index : llen - index - 1;
      if (matches >= rank) {
        if (count == -1) break;
        ++arraylen;
        ctx.reply.Integer(matchindex);
        // matches - rank + 1 with Redis's wrap-around: RANK INT64_MIN never reaches COUNT.
        auto got =
            static_cast<int64_t>(static_cast<uint64_t>(matches) - static_cast<uint64_t>(rank) + 1);
        if (count && got >= count) break;
      }
    }
    ++index;
    matchindex = -1;
  }
  if (count != -1) {
    ctx.reply.EndDeferredArray(deferred, static_cast<size_t>(arraylen));
  } else if (matchindex != -1) {
    ctx.reply.Integer(matchindex);
  } else {
    ctx.reply.Null();
  }
}

// LMOVE's work once the positions are known: pops from args[1], pushes to args[2].
// `blocking_form`: BLMOVE/BRPOPLPUSH, replicated as LMOVE/RPOPLPUSH.
void MoveGeneric(CommandContext& ctx, End from, End to, bool blocking_form = false) {
  std::string_view src_key = ctx.args[1], dst_key = ctx.args[2];
  KvEntry* src = LookupWrite(ctx, src_key);
  if (src == nullptr) {
    ctx.reply.Null();
    return;
  }
  if (WrongType(ctx, src, ObjType::kList)) return;
  KvEntry* dst = LookupWrite(ctx, dst_key);
  if (WrongType(ctx, dst, ObjType::kList)) return;
  // Copy the element out: pushing may move the very listpack it lives in (src == dst).
  LpValue v;
  if (IsQl(src)) {
    Quicklist* ql = Ql(ctx, src);
    v = from == End::kHead ? ql->Front() : ql->Back();
  } else {
    uint8_t* lp = Lp(src);
    v = LpGet(from == End::kHead ? LpFirst(lp) : LpLast(lp));
  }
  char buf[kLpIntBufSize];
  std::string value(v.View(buf));
  PopN(ctx, src, 1, from);
  if (dst == nullptr) dst = CreateList(ctx, dst_key);
  PushOne(ctx, dst, value, to);
  KeyReady(ctx, dst_key);
  SignalModifiedKey(ctx, dst_key);
  NotifyKeyspaceEvent(ctx, kNotifyList, PushEvent(to), dst_key);
  ctx.reply.Bulk(value);
  if (blocking_form) {
    if (ctx.args.size() == 6) {
      PropagateAs(ctx, {"LMOVE", src_key, dst_key, ctx.args[3], ctx.args[4]});
    } else {
      PropagateAs(ctx, {"RPOPLPUSH", src_key, dst_key});
    }
  }
  ElementsRemoved(ctx, src, src_key, 1, PopEvent(from));
}

void LMove(CommandContext& ctx) {
  End from, to;
  if (!ArgWhere(ctx, ctx.args[3], &from) || !ArgWhere(ctx, ctx.args[4], &to)) return;
  MoveGeneric(ctx, from, to);
}

void RPopLPush(CommandContext& ctx) { MoveGeneric(ctx, End::kTail, End::kHead); }

void BlockingMoveGeneric(CommandContext& ctx, End from, End to, int64_t deadline) {
  KvEntry* src = LookupWrite(ctx, ctx.args[1]);
  if (WrongType(ctx, src, ObjType::kList)) return;
  if (src != nullptr) {
    MoveGeneric(ctx, from, to, true);
    return;
  }
  if (DenyBlocking(ctx)) {
    ctx.reply.Null();
    return;
  }
  // Redis 7.0 answers a timed-out BLMOVE with a null *array* (*-1), like every list block;
  // only the MULTI case above is a null bulk.
  std::vector<std::string_view> keys{ctx.args[1]};
  ctx.server.BlockClient(ctx.conn, ctx.db, keys, ObjType::kList, deadline, true, ctx.spec,
                         ctx.args);
}

void BLMove(CommandContext& ctx) {
  End from, to;
  if (!ArgWhere(ctx, ctx.args[3], &from) || !ArgWhere(ctx, ctx.args[4], &to)) return;
  int64_t deadline;
  if (!ctx.server.ParseTimeout(ctx.reply, ctx.args[5], &deadline)) return;
  BlockingMoveGeneric(ctx, from, to, deadline);
}

void BRPopLPush(CommandContext& ctx) {
  int64_t deadline;
  if (!ctx.server.ParseTimeout(ctx.reply, ctx.args[3], &deadline)) return;
  BlockingMoveGeneric(ctx, End::kTail, End::kHead, deadline);
}

// BLPOP/BRPOP/BLMPOP once arguments are parsed: serve the first non-empty key or block.
// count < 0: BLPOP/BRPOP reply shape ([key, element]); else BLMPOP's ([key, [elements]]).
void BlockingPopGeneric(CommandContext& ctx, ArgList keys, End where, int64_t count,
                        int64_t deadline) {
  for (std::string_view key : keys) {
    KvEntry* e = LookupWrite(ctx, key);
    if (e == nullptr) continue;
    if (WrongType(ctx, e, ObjType::kList)) return;
    if (count < 0) {
      ctx.reply.Array(2);
      ctx.reply.Bulk(key);
      PopOneReply(ctx, e, where);
      PropagateAs(ctx, {where == End::kHead ? "LPOP" : "RPOP", key});
      ElementsRemoved(ctx, e, key, 1, PopEvent(where));
    } else {
      MPopReply(ctx, e, key, count, where);
    }
    return;
  }
  if (DenyBlocking(ctx)) {
    ctx.reply.NullArray();
    return;
  }
  std::vector<std::string_view> block_keys(keys.begin(), keys.end());
  ctx.server.BlockClient(ctx.conn, ctx.db, block_keys, ObjType::kList, deadline, true, ctx.spec,
                         ctx.args);
}

void BLPop(CommandContext& ctx) {
  int64_t deadline;
  if (!ctx.server.ParseTimeout(ctx.reply, ctx.args.back(), &deadline)) return;
  BlockingPopGeneric(ctx, ctx.args.subspan(1, ctx.args.size() - 2), End::kHead, -1, deadline);
}

void BRPop(CommandContext& ctx) {
  int64_t deadline;
  if (!ctx.server.ParseTimeout(ctx.reply, ctx.args.back(), &deadline)) return;
  BlockingPopGeneric(ctx, ctx.args.subspan(1, ctx.args.size() - 2), End::kTail, -1, deadline);
}

// LMPOP numkeys key... LEFT|RIGHT [COUNT n] / BLMPOP timeout numkeys ...
void MPopGeneric(CommandContext& ctx, size_t numkeys_idx, bool block) {
  int64_t numkeys;
  if (!ArgRange(ctx, ctx.args[numkeys_idx], 1, INT64_MAX, &numkeys,
                "ERR numkeys should be greater than 0"))
    return;
  size_t argc = ctx.args.size();
  if (static_cast<uint64_t>(numkeys) >= argc - numkeys_idx - 1) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  size_t where_idx = numkeys_idx + static_cast<size_t>(numkeys) + 1;
  End where;
  if (!ArgWhere(ctx, ctx.args[where_idx], &where)) return;
  int64_t count = -1;
  for (size_t j = where_idx + 1; j < argc; ++j) {
    if (count == -1 && EqNoCase(ctx.args[j], "COUNT") && j + 1 < argc) {
      if (!ArgRange(ctx, ctx.args[++j], 1, INT64_MAX, &count, "ERR count should be greater than 0"))
        return;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if (count == -1) count = 1;
  ArgList keys = ctx.args.subspan(numkeys_idx + 1, static_cast<size_t>(numkeys));
  if (block) {
    int64_t deadline;
    if (!ctx.server.ParseTimeout(ctx.reply, ctx.args[1], &deadline)) return;
    BlockingPopGeneric(ctx, keys, where, count, deadline);
    return;
  }
  for (std::string_view key : keys) {
    KvEntry* e = LookupWrite(ctx, key);
    if (e == nullptr) continue;
    if (WrongType(ctx, e, ObjType::kList)) return;
    MPopReply(ctx, e, key, count, where);
    return;
  }
  ctx.reply.NullArray();
}

void LMPop(CommandContext& ctx) { MPopGeneric(ctx, 1, false); }
void BLMPop(CommandContext& ctx) { MPopGeneric(ctx, 2, true); }

// ---- Object ops: lifetime, introspection, persistence ----------------------------------------

void FreeList(void* v) { ListValueFree(v); }
void* DupList(const void* v) { return ListValueDup(v); }
const char* ListEncoding(const void* v) { return ListValueEncoding(v); }
size_t ListMemory(const void* v) { return ListValueMemory(v); }

void ListDigest(const void* v, Digest* out) {
  ListValueForEach(v, [&](const LpValue& e) {
    char buf[kLpIntBufSize];
    out->Mix(e.View(buf));
  });
}

// Redis 7.0 saves every list as QUICKLIST_2: node count, then per node its container
// (1 = plain element, 2 = packed listpack) and its bytes. A listpack-encoded list is one node.
constexpr uint64_t kContainerPlain = 1;
constexpr uint64_t kContainerPacked = 2;

uint8_t ListRdbType(const void*) { return rdb::kListQuicklist2; }

void ListRdbSave(const void* v, RdbEncoder& enc) {
  if (!ListIsQuicklist(v)) {
    const uint8_t* lp = ListAsListpack(v);
    enc.Length(1);
    enc.Length(kContainerPacked);
    enc.String({reinterpret_cast<const char*>(lp), LpBytes(lp)});
    return;
  }
  const Quicklist* ql = ListAsQuicklist(v);
  enc.Length(ql->node_count());
  for (const QuicklistNode* n = ql->head(); n != nullptr; n = n->next) {
    enc.Length(n->plain ? kContainerPlain : kContainerPacked);
    size_t len = n->plain ? n->plain_len : LpBytes(n->data);
    enc.String({reinterpret_cast<const char*>(n->data), len});
  }
}

void PushAll(Quicklist* ql, uint8_t* lp) {
  char buf[kLpIntBufSize];
  for (uint8_t* p = LpFirst(lp); p != nullptr; p = LpNext(lp, p)) ql->PushBack(LpGet(p).View(buf));
}

// Loaded lists follow list-max-listpack-size (rec.limits).
void* ListRdbLoad(const RdbRecord& rec, std::string* err) {
  const int fill = static_cast<int>(rec.limits.list_max_listpack_size);
  auto* ql = new Quicklist(fill);
  auto fail = [&](const char* what) -> void* {
    delete ql;
    *err = what;
    return nullptr;
  };
  switch (rec.type) {
    case rdb::kList:
      for (const auto& s : rec.items) ql->PushBack(s);
      break;
    case rdb::kListZiplist:
    case rdb::kListQuicklist: {
      std::vector<const std::string*> blobs;
      if (rec.type == rdb::kListZiplist) {
        blobs.push_back(&rec.payload);
      } else {
        for (const auto& b : rec.blobs) blobs.push_back(&b);
      }
      for (const std::string* b : blobs) {
        uint8_t* lp = LpFromZiplist(reinterpret_cast<const uint8_t*>(b->data()), b->size());
        if (lp == nullptr) return fail("Ziplist integrity check failed.");
        PushAll(ql, lp);
        LpFree(lp);
      }
      break;
    }
    case rdb::kListQuicklist2:
      for (size_t i = 0; i < rec.blobs.size(); ++i) {
        const std::string& b = rec.blobs[i];
        uint64_t container = i < rec.container_flags.size() ? rec.container_flags[i] : 0;
        if (b.empty()) return fail("Quicklist integrity check failed.");  // as Redis
        if (container == kContainerPlain) {
          auto* data = static_cast<uint8_t*>(malloc(b.size() ? b.size() : 1));
          if (data == nullptr) abort();
          memcpy(data, b.data(), b.size());
          ql->AppendPlain(data, b.size());
        } else if (container == kContainerPacked) {
          const auto* bytes = reinterpret_cast<const uint8_t*>(b.data());
          if (!LpValidate(bytes, b.size(), true)) return fail("Listpack integrity check failed.");
          if (LpLength(bytes) == 0) continue;  // Redis skips empty nodes
          uint8_t* lp = static_cast<uint8_t*>(malloc(b.size()));
          if (lp == nullptr) abort();
          memcpy(lp, b.data(), b.size());
          ql->AppendListpack(lp);
        } else {
          return fail("Quicklist integrity check failed.");
        }
      }
      break;
    default:
      return fail("Unknown list encoding");
  }
  if (ql->count() == 0) return fail(rdb::kEmptyKeyError);
  // As Redis's LIST_CONV_AUTO: one small packed node becomes a plain listpack.
  if (ql->node_count() == 1 && !ql->head()->plain &&
      !Quicklist::ExceedsLimit(fill, LpBytes(ql->head()->data), ql->count())) {
    uint8_t* lp = ql->TakeSingleListpack();
    delete ql;
    return ListValueOf(lp);
  }
  return ListValueOf(ql);
}

}  // namespace

void RegisterListCommands(CommandTable& t) {
  ObjectOps ops;
  ops.free_fn = FreeList;
  ops.dup_fn = DupList;
  ops.encoding = ListEncoding;
  ops.memory = ListMemory;
  ops.rdb_type = ListRdbType;
  ops.rdb_save = ListRdbSave;
  ops.rdb_load = ListRdbLoad;
  ops.digest = ListDigest;
  ops.free_effort = [](const void* v) -> size_t {
    return ListIsQuicklist(v) ? ListAsQuicklist(v)->node_count() : 1;
  };
  RegisterObjectOps(ObjType::kList, ops);
  const char* g = "list";
  const char* wf = "@write @list @fast";
  const char* ws = "@write @list @slow";
  const char* rs = "@read @list @slow";
  const char* wb = "@write @list @slow @blocking";
  t.Add({"lpush", -3, "write denyoom fast", 1, 1, 1, wf, LPush, g,
         "Prepend one or multiple elements to a list"});
  t.Add({"rpush", -3, "write denyoom fast", 1, 1, 1, wf, RPush, g,
         "Append one or multiple elements to a list"});
  t.Add({"lpushx", -3, "write denyoom fast", 1, 1, 1, wf, LPushX, g,
         "Prepend an element to a list, only if the list exists", "2.2.0"});
  t.Add({"rpushx", -3, "write denyoom fast", 1, 1, 1, wf, RPushX, g,
         "Append an element to a list, only if the list exists", "2.2.0"});
  t.Add({"lpop", -2, "write fast", 1, 1, 1, wf, LPop, g,
         "Remove and get the first elements in a list"});
  t.Add({"rpop", -2, "write fast", 1, 1, 1, wf, RPop, g,
         "Remove and get the last elements in a list"});
  t.Add({"llen", 2, "readonly fast", 1, 1, 1, "@read @list @fast", LLen, g,
         "Get the length of a list"});
  t.Add({"lrange", 4, "readonly", 1, 1, 1, rs, LRange, g, "Get a range of elements from a list"});
  t.Add(
      {"lindex", 3, "readonly", 1, 1, 1, rs, LIndex, g, "Get an element from a list by its index"});
  t.Add({"lset", 4, "write denyoom", 1, 1, 1, ws, LSet, g,
         "Set the value of an element in a list by its index"});
  t.Add({"linsert", 5, "write denyoom", 1, 1, 1, ws, LInsert, g,
         "Insert an element before or after another element in a list", "2.2.0"});
  t.Add({"lrem", 4, "write", 1, 1, 1, ws, LRem, g, "Remove elements from a list"});
  t.Add({"ltrim", 4, "write", 1, 1, 1, ws, LTrim, g, "Trim a list to the specified range"});
  t.Add({"lpos", -3, "readonly", 1, 1, 1, rs, LPos, g,
         "Return the index of matching elements on a list", "6.0.6"});
  t.Add({"lmove", 5, "write denyoom", 1, 2, 1, ws, LMove, g,
         "Pop an element from a list, push it to another list and return it", "6.2.0"});
  t.Add({"rpoplpush", 3, "write denyoom", 1, 2, 1, ws, RPopLPush, g,
         "Remove the last element in a list, prepend it to another list and return it", "1.2.0"});
  t.Add({"lmpop", -4, "write movablekeys", 0, 0, 0, ws, LMPop, g, "Pop elements from a list",
         "7.0.0"})
      ->keys_fn = NumKeysAfter1;
  t.Add({"blpop", -3, "write noscript blocking", 1, -2, 1, wb, BLPop, g,
         "Remove and get the first element in a list, or block until one is available", "2.0.0"});
  t.Add({"brpop", -3, "write noscript blocking", 1, -2, 1, wb, BRPop, g,
         "Remove and get the last element in a list, or block until one is available", "2.0.0"});
  t.Add({"blmove", 6, "write denyoom noscript blocking", 1, 2, 1, wb, BLMove, g,
         "Pop an element from a list, push it to another list and return it; or block until "
         "one is available",
         "6.2.0"});
  t.Add({"brpoplpush", 4, "write denyoom noscript blocking", 1, 2, 1, wb, BRPopLPush, g,
         "Pop an element from a list, push it to another list and return it; or block until "
         "one is available",
         "2.2.0"});
  t.Add({"blmpop", -5, "write blocking movablekeys", 0, 0, 0, wb, BLMPop, g,
         "Pop elements from a list, or block until one is available", "7.0.0"})
      ->keys_fn = NumKeysAfter2;
}

}  // namespace sable
