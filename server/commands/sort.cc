// SORT and SORT_RO: sort the elements of a list, set or sorted set, numerically or (ALPHA) as
// strings, optionally by the values of other keys (BY pattern), with LIMIT, GET patterns and
// (SORT only) STORE into a list. Behaviour follows Redis 7.0.15's sort.c:
//
//  - Options are parsed before the key is looked up, so syntax and LIMIT errors win over
//    WRONGTYPE. Repeated LIMIT/STORE: the last one counts; GETs accumulate in order.
//  - A BY pattern without '*' means "don't sort" (and stays so even if a later BY has one).
//    Lists and sorted sets then keep their native order (DESC reverses it, LIMIT is applied on
//    the range); a set keeps its iteration order, except with STORE (and, in Redis, inside
//    scripts), where it is sorted ALPHA so replicas and the AOF see a deterministic result.
//  - Patterns: "#" is the element itself; otherwise the first '*' is replaced by the element;
//    "key->field" (something after "->", which must follow the '*') reads a hash field. A
//    pattern without '*' finds nothing. Patterns are read as C strings (up to a NUL byte),
//    as Redis does with strchr/strstr.
//  - Numeric sorting parses with strtod (hex, "inf", leading spaces and "" as 0 accepted);
//    trailing bytes, overflow/underflow and NaN fail the whole command with "One or more
//    scores can't be converted into double". A missing BY key scores 0. Equal scores fall
//    back to a binary comparison of the elements. (redis-server does not clear errno before
//    strtod, so after one ERANGE its numeric SORTs may keep failing until a system call
//    overwrites errno; here each parse starts from errno 0.)
//  - ALPHA compares with strcoll (the LC_COLLATE locale, set from the environment at start-up
//    as Redis does) when replying and with a binary comparison when storing; with BY, a
//    missing key sorts first.
//  - Sorting is stable (glibc's qsort, which Redis uses for full sorts, is a merge sort), so
//    elements that compare equal keep their input order. Redis's partial sort for BY + LIMIT
//    is not stable: ties there (ALPHA BY with equal or missing values) may come out in
//    another order than Redis's.
//  - A sorted set is converted to the skiplist encoding first, as Redis does (visible in
//    OBJECT ENCODING).
//  - STORE writes a list (replacing any value and TTL) and replies its length; an empty result
//    deletes the destination. It wakes clients blocked on the destination and is propagated
//    as sent.
#include <algorithm>
#include <cerrno>
#include <climits>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "datastructs/listpack.h"
#include "datastructs/quicklist.h"
#include "datastructs/zset.h"
#include "server/acl.h"
#include "server/commands/cross_family.h"
#include "server/commands/util.h"

namespace sable {

namespace {

// The argument as C code sees it: up to its first NUL byte.
std::string_view CStr(std::string_view s) { return s.substr(0, s.find('\0')); }

// strcasecmp(arg, name) == 0, as Redis compares option names.
bool IsOpt(std::string_view arg, std::string_view name) { return EqNoCase(CStr(arg), name); }

struct SortItem {
  std::string obj;   // the element
  double score = 0;  // numeric sort weight
  bool has_cmp = false;
  std::string cmp;  // ALPHA + BY: the weight's text (when has_cmp)
};

// Redis's lookupKeyByPattern: the value `pattern` designates for element `subst` into *out;
// false if there is none (no '*', missing key or field, wrong type).
bool LookupByPattern(CommandContext& ctx, std::string_view pattern, std::string_view subst,
                     std::string* out) {
  if (!pattern.empty() && pattern[0] == '#' && (pattern.size() == 1 || pattern[1] == '\0')) {
    out->assign(subst);
    return true;
  }
  std::string_view cpat = CStr(pattern);
  size_t star = cpat.find('*');
  if (star == std::string_view::npos) return false;
  size_t arrow = cpat.find("->", star + 1);
  bool has_field = arrow != std::string_view::npos && arrow + 2 < cpat.size();
  std::string_view field;
  size_t postfix_len = pattern.size() - star - 1;
  if (has_field) {
    field = pattern.substr(arrow + 2);
    postfix_len -= field.size() + 2;
  }
  std::string key;
  key.reserve(star + subst.size() + postfix_len);
  key.append(pattern.substr(0, star));
  key.append(subst);
  key.append(pattern.substr(star + 1, postfix_len));

  KvEntry* e = LookupRead(ctx, key);
  if (e == nullptr) return false;
  if (has_field) {
    if (e->type() != ObjType::kHash) return false;
    return HashFieldValue(e, field, out);
  }
  if (e->type() != ObjType::kString) return false;
  char tmp[24];
  out->assign(e->StringView(tmp));
  return true;
}

// strtod over the text as a C string, with sort.c's acceptance rule.
bool ParseSortScore(std::string_view s, double* out) {
  std::string c(CStr(s));
  char* end;
  errno = 0;
  double d = strtod(c.c_str(), &end);
  *out = d;
  return *end == '\0' && errno != ERANGE && !std::isnan(d);
}

// compareStringObjects: memcmp, then the shorter first.
int BinaryCompare(std::string_view a, std::string_view b) {
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

// collateStringObjects / strcoll on the texts as C strings.
int CollateCompare(const std::string& a, const std::string& b) {
  return strcoll(a.c_str(), b.c_str());
}

struct SortOrder {
  bool desc = false;
  bool alpha = false;
  bool by_pattern = false;
  bool store = false;

  // sortCompare.
  int Compare(const SortItem& a, const SortItem& b) const {
    int cmp;
    if (!alpha) {
      if (a.score > b.score) {
        cmp = 1;
      } else if (a.score < b.score) {
        cmp = -1;
      } else {
        cmp = BinaryCompare(a.obj, b.obj);
      }
    } else if (by_pattern) {
      if (!a.has_cmp || !b.has_cmp) {
        cmp = a.has_cmp == b.has_cmp ? 0 : (a.has_cmp ? 1 : -1);
      } else {
        cmp = store ? BinaryCompare(a.cmp, b.cmp) : CollateCompare(a.cmp, b.cmp);
      }
    } else {
      cmp = store ? BinaryCompare(a.obj, b.obj) : CollateCompare(a.obj, b.obj);
    }
    return desc ? -cmp : cmp;
  }
};

void AddItem(std::vector<SortItem>* v, std::string_view s) {
  v->emplace_back();
  v->back().obj.assign(s);
}

// Elements of a list value: `n` of them from index `from`, towards the head if `reverse`.
// REQUIRES: from + n (or from - n + 1 if reverse) stays within the list.
void LoadListRange(const void* list, long from, size_t n, bool reverse,
                   std::vector<SortItem>* out) {
  char buf[kLpIntBufSize];
  if (!ListIsQuicklist(list)) {
    uint8_t* lp = ListAsListpack(list);
    uint8_t* p = LpSeek(lp, from);
    for (; p != nullptr && n > 0; --n) {
      AddItem(out, LpGet(p).View(buf));
      p = reverse ? LpPrev(lp, p) : LpNext(lp, p);
    }
    return;
  }
  const Quicklist* ql = ListAsQuicklist(list);
  QuicklistPos pos = ql->At(from);
  while (pos && n > 0) {
    AddItem(out, Quicklist::Get(pos).View(buf));
    if (--n == 0 || !(reverse ? ql->Prev(&pos) : ql->Next(&pos))) break;
  }
}

// Elements of a sorted set: `n` from 0-based rank `start` (counted from the top if reverse).
void LoadZsetRange(ZObj z, size_t start, size_t n, bool reverse, std::vector<SortItem>* out) {
  if (n == 0) return;
  for (ZIter it = ZIter::AtRank(z, start, reverse, n); it.Valid() && n > 0; it.Next(), --n)
    AddItem(out, it.Member());
}

int ListFill(CommandContext& ctx) {
  int64_t v = ctx.server.config().list_max_listpack_size;
  return v > INT_MAX ? INT_MAX : (v < INT_MIN ? INT_MIN : static_cast<int>(v));
}

// The parsed options of one SORT.
struct SortRequest {
  SortOrder order;
  int64_t limit_start = 0, limit_count = -1;
  bool dontsort = false;  // a BY pattern without '*' was given
  bool has_sortby = false, has_store = false;
  std::string_view sortby, storekey;
  std::vector<std::string_view> gets;
};

// Parses the options (args[2..]); replies and returns false on a syntax or LIMIT error.
bool ParseSortArgs(CommandContext& ctx, bool readonly, SortRequest* req) {
  ArgList args = ctx.args;
  // ACL: BY/GET patterns read arbitrary keys, which needs read access to every key.
  bool full_key_access = ctx.server.acl().CheckCmdWithUnrestrictedKeyAccess(
      ctx.conn.user, ctx.spec, args, AclSelector::kPermRead);
  for (size_t j = 2; j < args.size(); ++j) {
    size_t left = args.size() - j - 1;
    std::string_view a = args[j];
    if (IsOpt(a, "asc")) {
      req->order.desc = false;
    } else if (IsOpt(a, "desc")) {
      req->order.desc = true;
    } else if (IsOpt(a, "alpha")) {
      req->order.alpha = true;
    } else if (IsOpt(a, "limit") && left >= 2) {
      if (!ArgInt64(ctx, args[j + 1], &req->limit_start) ||
          !ArgInt64(ctx, args[j + 2], &req->limit_count))
        return false;
      j += 2;
    } else if (!readonly && IsOpt(a, "store") && left >= 1) {
      req->storekey = args[++j];
      req->has_store = true;
    } else if (IsOpt(a, "by") && left >= 1) {
      req->sortby = args[++j];
      req->has_sortby = true;
      if (CStr(req->sortby).find('*') == std::string_view::npos) {
        req->dontsort = true;
      } else if (!full_key_access) {
        ctx.reply.Error("ERR BY option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
    } else if (IsOpt(a, "get") && left >= 1) {
      if (!full_key_access) {
        ctx.reply.Error("ERR GET option of SORT denied due to insufficient ACL permissions.");
        return false;
      }
      req->gets.push_back(args[++j]);
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  return true;
}

// The output range [start, end] over the sorted elements (empty when end < start).
struct OutputRange {
  int64_t start, end;
};

// LIMIT sanity as sort.c: clamp to the length; an empty range is [len-1, len-2].
OutputRange ClampLimit(int64_t len, int64_t limit_start, int64_t limit_count) {
  int64_t start = std::min(std::max(limit_start, int64_t{0}), len);
  int64_t count = std::min(std::max(limit_count, int64_t{-1}), len);
  int64_t end = count < 0 ? len - 1 : start + count - 1;
  if (start >= len) {
    start = len - 1;
    end = len - 2;
  }
  if (end >= len) end = len - 1;
  return {start, end};
}

// Loads the elements to sort from `src` (nullptr: a missing key, an empty list). Without
// sorting, a list or sorted set loads only the output range, in its native order, and
// *range is rebased on what was loaded.
void LoadItems(KvEntry* src, const SortRequest& req, OutputRange* range,
               std::vector<SortItem>* items) {
  if (src == nullptr) {
    *range = ClampLimit(0, req.limit_start, req.limit_count);
    if (req.dontsort) {
      range->end -= range->start;
      range->start = 0;
    }
    return;
  }
  switch (src->type()) {
    case ObjType::kSet: {
      std::vector<std::string> members;
      SetMembers(src, &members);
      items->resize(members.size());
      for (size_t i = 0; i < members.size(); ++i) (*items)[i].obj = std::move(members[i]);
      *range = ClampLimit(static_cast<int64_t>(members.size()), req.limit_start, req.limit_count);
      return;
    }
    case ObjType::kList: {
      auto len = static_cast<int64_t>(ListValueLength(src->ptr()));
      *range = ClampLimit(len, req.limit_start, req.limit_count);
      if (!req.dontsort) {
        items->reserve(static_cast<size_t>(len));
        ListValueForEach(src->ptr(), [&](const LpValue& v) {
          char buf[kLpIntBufSize];
          AddItem(items, v.View(buf));
        });
        return;
      }
      if (range->end >= range->start) {
        long from = static_cast<long>(req.order.desc ? len - range->start - 1 : range->start);
        LoadListRange(src->ptr(), from, static_cast<size_t>(range->end - range->start + 1),
                      req.order.desc, items);
      }
      break;
    }
    case ObjType::kZSet: {
      ZObj z(src->ptr());
      *range = ClampLimit(static_cast<int64_t>(z.size()), req.limit_start, req.limit_count);
      if (!req.dontsort) {
        items->reserve(z.size());
        for (ZIter it = ZIter::Begin(z); it.Valid(); it.Next()) AddItem(items, it.Member());
        return;
      }
      LoadZsetRange(z, static_cast<size_t>(range->start),
                    static_cast<size_t>(range->end - range->start + 1), req.order.desc, items);
      break;
    }
    default:
      return;
  }
  range->end -= range->start;
  range->start = 0;
}

// Computes the weights and sorts; false if a numeric weight is not a double.
bool WeighAndSort(CommandContext& ctx, const SortRequest& req, std::vector<SortItem>* items) {
  bool ok = true;
  std::string byval;
  for (SortItem& item : *items) {
    std::string_view weight = item.obj;
    if (req.has_sortby) {
      if (!LookupByPattern(ctx, req.sortby, item.obj, &byval)) continue;
      weight = byval;
    }
    if (req.order.alpha) {
      if (req.has_sortby) {
        item.cmp = byval;
        item.has_cmp = true;
      }
    } else if (!ParseSortScore(weight, &item.score)) {
      ok = false;
    }
  }
  SortOrder order = req.order;
  order.by_pattern = req.has_sortby;
  order.store = req.has_store;
  std::stable_sort(items->begin(), items->end(),
                   [&](const SortItem& a, const SortItem& b) { return order.Compare(a, b) < 0; });
  return ok;
}

void ReplyItems(CommandContext& ctx, const SortRequest& req, const std::vector<SortItem>& items,
                OutputRange range, int64_t outputlen) {
  std::string val;
  ctx.reply.Array(static_cast<size_t>(outputlen));
  for (int64_t j = range.start; j <= range.end; ++j) {
    const std::string& obj = items[static_cast<size_t>(j)].obj;
    if (req.gets.empty()) ctx.reply.Bulk(obj);
    for (std::string_view pat : req.gets) {
      if (LookupByPattern(ctx, pat, obj, &val)) {
        ctx.reply.Bulk(val);
      } else {
        ctx.reply.Null();
      }
    }
  }
}

// STORE: a list of the output (a missing GET value becomes ""), or no key if it is empty.
void StoreItems(CommandContext& ctx, const SortRequest& req, std::vector<SortItem>* items,
                OutputRange range, int64_t outputlen) {
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(outputlen));
  std::string val;
  for (int64_t j = range.start; j <= range.end; ++j) {
    std::string& obj = (*items)[static_cast<size_t>(j)].obj;
    if (req.gets.empty()) {
      values.push_back(std::move(obj));
      continue;
    }
    for (std::string_view pat : req.gets) {
      if (!LookupByPattern(ctx, pat, obj, &val)) val.clear();
      values.push_back(val);
    }
  }
  std::string_view dst = req.storekey;
  if (outputlen > 0) {
    std::vector<std::string_view> views(values.begin(), values.end());
    void* list = ListValueFromElements(views, ListFill(ctx));
    KvEntry* e = KvEntry::NewPtr(dst, ObjType::kList, list, -1, LruClock(ctx));
    Ks(ctx).Upsert(ctx.db, e, ctx.now_ms);
    KeyReady(ctx, dst);
    SignalModifiedKey(ctx, dst);
    NotifyKeyspaceEvent(ctx, kNotifyList, "sortstore", dst);
    Dirty(ctx, static_cast<uint64_t>(outputlen));
  } else if (LookupWrite(ctx, dst) != nullptr && Ks(ctx).Delete(ctx.db, dst)) {
    SignalModifiedKey(ctx, dst);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", dst);
    Dirty(ctx);
  }
  ctx.reply.Integer(outputlen);
}

void SortGeneric(CommandContext& ctx, bool readonly) {
  SortRequest req;
  if (!ParseSortArgs(ctx, readonly, &req)) return;

  KvEntry* src = LookupRead(ctx, ctx.args[1]);
  if (src != nullptr && src->type() != ObjType::kSet && src->type() != ObjType::kList &&
      src->type() != ObjType::kZSet) {
    ctx.reply.Error(err::kWrongType);
    return;
  }
  // A set's iteration order is not part of its value: a stored result, or one seen by a
  // script, is sorted so that replicas and the AOF agree (sort.c's CLIENT_SCRIPT check).
  if (req.dontsort && src != nullptr && src->type() == ObjType::kSet &&
      (req.has_store || ctx.conn.script)) {
    req.dontsort = false;
    req.order.alpha = true;
    req.has_sortby = false;
  }
  if (src != nullptr && src->type() == ObjType::kZSet) {
    ZObj z(src->ptr());
    if (z.is_listpack()) {
      z.ConvertToSkiplist();
      src->set_ptr(z.raw());
    }
  }

  std::vector<SortItem> items;
  OutputRange range{0, -1};
  LoadItems(src, req, &range, &items);
  bool weights_ok = req.dontsort || WeighAndSort(ctx, req, &items);

  int64_t n = range.end - range.start + 1;
  int64_t outputlen = req.gets.empty() ? n : static_cast<int64_t>(req.gets.size()) * n;
  if (!weights_ok) {
    ctx.reply.Error("ERR One or more scores can't be converted into double");
  } else if (!req.has_store) {
    ReplyItems(ctx, req, items, range, outputlen);
  } else {
    StoreItems(ctx, req, &items, range, outputlen);
  }
}

void Sort(CommandContext& ctx) { SortGeneric(ctx, false); }
void SortRo(CommandContext& ctx) { SortGeneric(ctx, true); }

// sortGetKeys: the sorted key, then the argument after the last STORE. Like Redis, it skips
// the arguments of LIMIT, GET and BY but not STORE's own (so "STORE STORE x" stores into x).
void SortKeys(ArgList args, std::vector<int>* out) {
  out->push_back(1);
  int store = -1;
  for (size_t i = 2; i < args.size(); ++i) {
    if (IsOpt(args[i], "limit")) {
      i += 2;
    } else if (IsOpt(args[i], "get") || IsOpt(args[i], "by")) {
      i += 1;
    } else if (IsOpt(args[i], "store") && i + 1 < args.size()) {
      store = static_cast<int>(i + 1);
    }
  }
  if (store >= 0) out->push_back(store);
}

void SortRoKeys(ArgList /*args*/, std::vector<int>* out) { out->push_back(1); }

}  // namespace

void RegisterSortCommands(CommandTable& t) {
  const char* cx =
      "O(N+M*log(M)) where N is the number of elements in the list or set to sort, and M the "
      "number of returned elements. When the elements are not sorted, complexity is O(N).";
  t.Add({"sort", -2, "write denyoom movablekeys", 1, 1, 1,
         "@write @set @sortedset @list @slow @dangerous", Sort, "generic",
         "Sort the elements in a list, set or sorted set", "1.0.0", cx})
      ->keys_fn = SortKeys;
  t.Add({"sort_ro", -2, "readonly movablekeys", 1, 1, 1,
         "@read @set @sortedset @list @slow @dangerous", SortRo, "generic",
         "Sort the elements in a list, set or sorted set. Read-only variant of SORT.", "7.0.0", cx})
      ->keys_fn = SortRoKeys;
}

}  // namespace sable
