// GEO commands: GEOADD GEODIST GEOHASH GEOPOS GEOSEARCH GEOSEARCHSTORE GEORADIUS
// GEORADIUSBYMEMBER GEORADIUS_RO GEORADIUSBYMEMBER_RO, and the family's command table.
//
// A geo set is a plain sorted set whose scores are 52-bit geohashes (datastructs/geohash.h), so
// every sorted-set command works on it. GEOADD is ZADD with the coordinates turned into scores:
// it runs ZADD's handler on the rewritten arguments and propagates that ZADD (as Redis's
// replaceClientCommandVector does). Searches follow Redis 7.0's georadiusGeneric step by step:
// the order of argument checks and errors, the 9 score ranges scanned and in which order, the
// early stop of COUNT ANY, and the sorts (glibc's merge sort for a full sort, Redis's partial
// quicksort when COUNT keeps fewer), so replies are Redis's byte for byte, ties included.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "datastructs/geohash.h"
#include "server/commands/zset_common.h"

namespace sable {

using zcmd::ObjOf;

namespace {

// ---------------------------------------------------------------------------------------------
// Argument parsing (each replies its error and returns false)
// ---------------------------------------------------------------------------------------------

bool ArgDouble(CommandContext& ctx, std::string_view s, double* out, const char* msg) {
  if (StringToDouble(s, out)) return true;
  ctx.reply.Error(msg);
  return false;
}

// extractLongLatOrReply.
bool ParseLonLat(CommandContext& ctx, std::string_view lon, std::string_view lat, double* xy) {
  if (!ArgDouble(ctx, lon, &xy[0], err::kNotFloat) || !ArgDouble(ctx, lat, &xy[1], err::kNotFloat))
    return false;
  if (xy[0] < geo::kLonMin || xy[0] > geo::kLonMax || xy[1] < geo::kLatMin ||
      xy[1] > geo::kLatMax) {
    // "%f" of any double (1e308 prints 309 digits).
    std::string msg(700, '\0');
    int n = std::snprintf(msg.data(), msg.size(), "ERR invalid longitude,latitude pair %f,%f",
                          xy[0], xy[1]);
    msg.resize(static_cast<size_t>(n < 0 ? 0 : std::min<int>(n, 699)));
    ctx.reply.Error(msg);
    return false;
  }
  return true;
}

// extractUnitOrReply: metres per unit, or < 0 (after replying) for an unknown unit.
double ParseUnit(CommandContext& ctx, std::string_view u) {
  if (EqNoCase(u, "m")) return 1;
  if (EqNoCase(u, "km")) return 1000;
  if (EqNoCase(u, "ft")) return 0.3048;
  if (EqNoCase(u, "mi")) return 1609.34;
  ctx.reply.Error("ERR unsupported unit provided. please use M, KM, FT, MI");
  return -1;
}

// <radius> <unit>
bool ParseRadius(CommandContext& ctx, std::string_view radius, std::string_view unit,
                 geo::Shape* shape) {
  double d;
  if (!ArgDouble(ctx, radius, &d, "ERR need numeric radius")) return false;
  if (d < 0) {
    ctx.reply.Error("ERR radius cannot be negative");
    return false;
  }
  shape->radius = d;
  double to_meters = ParseUnit(ctx, unit);
  if (to_meters < 0) return false;
  shape->conversion = to_meters;
  return true;
}

// <width> <height> <unit>
bool ParseBox(CommandContext& ctx, ArgList a, size_t i, geo::Shape* shape) {
  double w, h;
  if (!ArgDouble(ctx, a[i], &w, "ERR need numeric width") ||
      !ArgDouble(ctx, a[i + 1], &h, "ERR need numeric height"))
    return false;
  if (h < 0 || w < 0) {
    ctx.reply.Error("ERR height or width cannot be negative");
    return false;
  }
  shape->height = h;
  shape->width = w;
  double to_meters = ParseUnit(ctx, a[i + 2]);
  if (to_meters < 0) return false;
  shape->conversion = to_meters;
  return true;
}

// longLatFromMember: false if the member is absent.
bool MemberLonLat(KvEntry* e, std::string_view member, double* xy) {
  double score;
  return ObjOf(e).Score(member, &score) && geo::DecodeScore(score, xy);
}

// ---------------------------------------------------------------------------------------------
// Replies
// ---------------------------------------------------------------------------------------------

// Distances: 4 decimals, a bulk string in both protocols.
void ReplyDistance(CommandContext& ctx, double d) {
  char buf[32];
  int n = geo::FormatDistance(d, buf);
  ctx.reply.Bulk(std::string_view(buf, static_cast<size_t>(n)));
}

// Coordinates (addReplyHumanLongDouble): "%.17Lf" trimmed; a bulk in RESP2, a double in RESP3.
void ReplyCoord(CommandContext& ctx, double v) {
  std::string s = LongDoubleToString(static_cast<long double>(v), true);
  if (ctx.reply.resp3()) {
    ctx.reply.Raw(",");
    ctx.reply.Raw(s);
    ctx.reply.Raw("\r\n");
  } else {
    ctx.reply.Bulk(s);
  }
}

// ---------------------------------------------------------------------------------------------
// GEOADD
// ---------------------------------------------------------------------------------------------

// GEOADD key [NX|XX] [CH] lon lat member [lon lat member ...]
void GeoAdd(CommandContext& ctx) {
  ArgList a = ctx.args;
  bool xx = false, nx = false;
  size_t longidx = 2;
  for (; longidx < a.size(); ++longidx) {
    std::string_view o = a[longidx];
    if (EqNoCase(o, "nx")) {
      nx = true;
    } else if (EqNoCase(o, "xx")) {
      xx = true;
    } else if (!EqNoCase(o, "ch")) {  // CH is ZADD's business
      break;
    }
  }
  if ((a.size() - longidx) % 3 != 0 || (xx && nx)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  // ZADD key [options] score member ...: every point is checked before anything is added.
  const size_t elements = (a.size() - longidx) / 3;
  std::vector<std::string> zadd;
  zadd.reserve(longidx + elements * 2);
  zadd.emplace_back("zadd");
  for (size_t i = 1; i < longidx; ++i) zadd.emplace_back(a[i]);
  for (size_t i = 0; i < elements; ++i) {
    const size_t at = longidx + i * 3;
    double xy[2];
    if (!ParseLonLat(ctx, a[at], a[at + 1], xy)) return;
    zadd.push_back(Int64ToString(static_cast<int64_t>(geo::ScoreOf(xy[0], xy[1]))));
    zadd.emplace_back(a[at + 2]);
  }
  std::vector<std::string_view> views(zadd.begin(), zadd.end());
  const ArgList zargs(views.data(), views.size());
  CommandContext zctx{ctx.server, ctx.conn, zargs, ctx.reply, ctx.spec, ctx.db, ctx.now_ms};
  const uint64_t dirty = ctx.server.stats().dirty;
  zcmd::ZAdd(zctx);
  if (ctx.server.stats().dirty != dirty) ctx.server.PropagateAs(ctx.db, std::move(zadd));
}

// ---------------------------------------------------------------------------------------------
// The search engine (georadiusGeneric)
// ---------------------------------------------------------------------------------------------

struct Point {
  double lon, lat;
  double dist;  // metres while searching, the query's unit once replied/stored
  double score;
  std::string member;
};

// Comparators as Redis's: an int, 0 for equal distances (NaN compares below everything).
int CmpAsc(const Point& a, const Point& b) {
  if (a.dist > b.dist) return 1;
  if (a.dist == b.dist) return 0;
  return -1;
}
int CmpDesc(const Point& a, const Point& b) { return -CmpAsc(a, b); }
using PointCmp = int (*)(const Point&, const Point&);

// glibc's qsort (a top-down merge sort), which Redis calls for a full sort: the order it leaves
// equal elements in is the one to reproduce.
void MergeSort(std::vector<Point>& v, size_t lo, size_t n, PointCmp cmp, std::vector<Point>& tmp) {
  if (n <= 1) return;
  size_t n1 = n / 2, n2 = n - n1;
  MergeSort(v, lo, n1, cmp, tmp);
  MergeSort(v, lo + n1, n2, cmp, tmp);
  tmp.clear();
  size_t b1 = lo, b2 = lo + n1;
  while (n1 > 0 && n2 > 0) {
    if (cmp(v[b1], v[b2]) <= 0) {
      tmp.push_back(std::move(v[b1++]));
      --n1;
    } else {
      tmp.push_back(std::move(v[b2++]));
      --n2;
    }
  }
  while (n1 > 0) {
    tmp.push_back(std::move(v[b1++]));
    --n1;
  }
  // What is left of the second half is already in place.
  for (size_t i = 0; i < tmp.size(); ++i) v[lo + i] = std::move(tmp[i]);
}

size_t Med3(std::vector<Point>& v, size_t a, size_t b, size_t c, PointCmp cmp) {
  return cmp(v[a], v[b]) < 0 ? (cmp(v[b], v[c]) < 0 ? b : (cmp(v[a], v[c]) < 0 ? c : a))
                             : (cmp(v[b], v[c]) > 0 ? b : (cmp(v[a], v[c]) < 0 ? a : c));
}

void SwapRuns(std::vector<Point>& v, size_t a, size_t b, size_t n) {
  for (size_t k = 0; k < n; ++k) std::swap(v[a + k], v[b + k]);
}

// Redis's pqsort (Bentley-McIlroy quicksort that skips the partitions lying entirely outside
// [lrange, rrange]): sorts v[lo, lo+n) enough that those positions hold their final elements.
void PartialQuickSort(std::vector<Point>& v, size_t lo, size_t n, PointCmp cmp, size_t lrange,
                      size_t rrange) {
  // A partition [s, s+k) is skipped when the wanted positions are all before or all after it.
  auto outside = [&](size_t s, size_t k) {
    return (lrange < s && rrange < s) || (lrange >= s + k && rrange >= s + k);
  };
  for (;;) {
    if (n < 7) {
      for (size_t pm = lo + 1; pm < lo + n; ++pm)
        for (size_t pl = pm; pl > lo && cmp(v[pl - 1], v[pl]) > 0; --pl)
          std::swap(v[pl], v[pl - 1]);
      return;
    }
    size_t pm = lo + n / 2;
    if (n > 7) {
      size_t pl = lo, pn = lo + n - 1;
      if (n > 40) {
        size_t d = n / 8;
        pl = Med3(v, pl, pl + d, pl + 2 * d, cmp);
        pm = Med3(v, pm - d, pm, pm + d, cmp);
        pn = Med3(v, pn - 2 * d, pn - d, pn, cmp);
      }
      pm = Med3(v, pl, pm, pn, cmp);
    }
    std::swap(v[lo], v[pm]);
    size_t pa = lo + 1, pb = lo + 1;
    size_t pc = lo + n - 1, pd = lo + n - 1;
    for (;;) {
      int r;
      while (pb <= pc && (r = cmp(v[pb], v[lo])) <= 0) {
        if (r == 0) std::swap(v[pa++], v[pb]);
        ++pb;
      }
      while (pb <= pc && (r = cmp(v[pc], v[lo])) >= 0) {
        if (r == 0) std::swap(v[pc], v[pd--]);
        --pc;
      }
      if (pb > pc) break;
      std::swap(v[pb++], v[pc--]);
    }
    const size_t pn = lo + n;
    size_t r = std::min(pa - lo, pb - pa);
    SwapRuns(v, lo, pb - r, r);
    r = std::min(pd - pc, pn - pd - 1);
    SwapRuns(v, pb, pn - r, r);
    if ((r = pb - pa) > 1 && !outside(lo, r)) PartialQuickSort(v, lo, r, cmp, lrange, rrange);
    if ((r = pd - pc) > 1) {
      lo = pn - r;
      n = r;
      if (!outside(lo, n)) continue;
    }
    return;
  }
}

// geoGetPointsInRange: the members with min <= score < max inside the shape, appended in score
// order; stops once `limit` (0: none) points are collected.
void PointsInRange(ZObj z, double min, double max, const geo::Shape& shape, std::vector<Point>* out,
                   size_t limit) {
  const ZScoreRange range{min, max, false, true};
  for (ZIter it = ZIter::InScoreRange(z, range, false); it.Valid(); it.Next()) {
    const double score = it.Score();
    if (!ScoreLteMax(score, range)) break;
    double xy[2], dist = 0;
    if (geo::DecodeScore(score, xy) && geo::WithinShape(shape, xy[0], xy[1], &dist))
      out->push_back(Point{xy[0], xy[1], dist, score, std::string(it.Member())});
    if (!out->empty() && limit != 0 && out->size() >= limit) break;
  }
}

// membersOfAllNeighbors: the centre cell, then N S E W NE NW SE SW; zeroed cells and a cell
// equal to the last one scanned (huge radiuses) are skipped.
void SearchCells(ZObj z, const geo::SearchArea& sa, const geo::Shape& shape,
                 std::vector<Point>* out, size_t limit) {
  const geo::Neighbors& n = sa.neighbors;
  const geo::Hash cells[9] = {sa.hash,      n.north,      n.south,      n.east,      n.west,
                              n.north_east, n.north_west, n.south_east, n.south_west};
  size_t last = 0;  // as Redis: 0 also means "none yet", so cell 1 is never compared to cell 0
  for (size_t i = 0; i < 9; ++i) {
    if (cells[i].IsZero()) continue;
    if (last != 0 && cells[i] == cells[last]) continue;
    if (!out->empty() && limit != 0 && out->size() >= limit) break;
    geo::Hash h = cells[i];
    const auto min = static_cast<double>(geo::Align52(h));
    h.bits++;
    const auto max = static_cast<double>(geo::Align52(h));
    PointsInRange(z, min, max, shape, out, limit);
    last = i;
  }
}

// Stores the first n points as a sorted set under dst (scores: hashes, or distances with
// STOREDIST), or deletes dst when there are none. Replies n.
void StorePoints(CommandContext& ctx, std::string_view dst, std::vector<Point>& pts, size_t n,
                 bool storedist, double conversion, const char* event) {
  if (n > 0) {
    ZObj z = ZObj::NewSkiplist();
    ZSet* zs = z.zs();
    size_t maxlen = 0, total = 0;
    for (size_t i = 0; i < n; ++i) {
      Point& p = pts[i];
      p.dist /= conversion;
      const double score = storedist ? p.dist : p.score;
      const uint64_t h = zs->Hash(p.member);
      // Neither can happen (the cells are disjoint score ranges; distances are numbers): Redis
      // would assert.
      if (std::isnan(score) || zs->Find(p.member, h) != nullptr) continue;
      zs->Insert(score, p.member, h);
      maxlen = std::max(maxlen, p.member.size());
      total += p.member.size();
    }
    z.ConvertToListpackIfNeeded(zcmd::Limits(ctx), maxlen, total);
    KvEntry* e = KvEntry::NewPtr(dst, ObjType::kZSet, z.raw(), -1, LruClock(ctx));
    Ks(ctx).Upsert(ctx.db, e, ctx.now_ms);
    KeyReady(ctx, dst);
    SignalModifiedKey(ctx, dst);
    NotifyKeyspaceEvent(ctx, kNotifyZset, event, dst);
    Dirty(ctx, n);
  } else if (LookupWrite(ctx, dst) != nullptr && Ks(ctx).Delete(ctx.db, dst)) {
    SignalModifiedKey(ctx, dst);
    NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", dst);
    Dirty(ctx);
  }
  ctx.reply.Integer(static_cast<int64_t>(n));
}

enum SearchFlag : int {
  kFromCoords = 1 << 0,   // GEORADIUS: lon lat radius unit
  kFromMember = 1 << 1,   // GEORADIUSBYMEMBER: member radius unit
  kNoStore = 1 << 2,      // the _RO variants
  kSearch = 1 << 3,       // GEOSEARCH's FROM*/BY* arguments
  kSearchStore = 1 << 4,  // GEOSEARCHSTORE: destination first, STOREDIST without a key
};

enum class Sort { kNone, kAsc, kDesc };

void SearchGeneric(CommandContext& ctx, size_t src_index, int flags) {
  ArgList a = ctx.args;
  std::string_view storekey;
  bool store = false, storedist = false;

  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, a[src_index], &wrong);
  if (wrong) return;

  size_t base;
  geo::Shape shape;
  if (flags & kFromCoords) {
    base = 6;
    shape.type = geo::Shape::kCircle;
    if (!ParseLonLat(ctx, a[2], a[3], shape.xy) || !ParseRadius(ctx, a[4], a[5], &shape)) return;
  } else if ((flags & kFromMember) && e == nullptr) {
    base = 5;  // parse the options anyway: the reply depends on STORE
  } else if (flags & kFromMember) {
    base = 5;
    shape.type = geo::Shape::kCircle;
    if (!MemberLonLat(e, a[2], shape.xy)) {
      ctx.reply.Error("ERR could not decode requested zset member");
      return;
    }
    if (!ParseRadius(ctx, a[3], a[4], &shape)) return;
  } else {
    base = 2;
    if (flags & kSearchStore) {
      base = 3;
      storekey = a[1];
      store = true;
    }
  }

  bool withdist = false, withhash = false, withcoords = false;
  bool frommember = false, fromloc = false, byradius = false, bybox = false;
  bool any = false;  // stop as soon as COUNT matches are found
  Sort sort = Sort::kNone;
  int64_t count = 0;  // 0: unlimited
  const size_t remaining = a.size() > base ? a.size() - base : 0;
  const bool search = flags & kSearch;
  const bool store_opts = !(flags & kNoStore) && !search;
  for (size_t i = 0; i < remaining; ++i) {
    std::string_view arg = a[base + i];
    if (EqNoCase(arg, "withdist")) {
      withdist = true;
    } else if (EqNoCase(arg, "withhash")) {
      withhash = true;
    } else if (EqNoCase(arg, "withcoord")) {
      withcoords = true;
    } else if (EqNoCase(arg, "any")) {
      any = true;
    } else if (EqNoCase(arg, "asc")) {
      sort = Sort::kAsc;
    } else if (EqNoCase(arg, "desc")) {
      sort = Sort::kDesc;
    } else if (EqNoCase(arg, "count") && i + 1 < remaining) {
      if (!ArgInt64(ctx, a[base + i + 1], &count)) return;
      if (count <= 0) {
        ctx.reply.Error("ERR COUNT must be > 0");
        return;
      }
      ++i;
    } else if (EqNoCase(arg, "store") && i + 1 < remaining && store_opts) {
      storekey = a[base + i + 1];
      store = true;
      storedist = false;
      ++i;
    } else if (EqNoCase(arg, "storedist") && i + 1 < remaining && store_opts) {
      storekey = a[base + i + 1];
      store = true;
      storedist = true;
      ++i;
    } else if (EqNoCase(arg, "storedist") && search && (flags & kSearchStore)) {
      storedist = true;
    } else if (EqNoCase(arg, "frommember") && i + 1 < remaining && search && !fromloc) {
      // Without a source key the member cannot be looked up: finish parsing, fail later.
      if (e != nullptr && !MemberLonLat(e, a[base + i + 1], shape.xy)) {
        ctx.reply.Error("ERR could not decode requested zset member");
        return;
      }
      frommember = true;
      ++i;
    } else if (EqNoCase(arg, "fromlonlat") && i + 2 < remaining && search && !frommember) {
      if (!ParseLonLat(ctx, a[base + i + 1], a[base + i + 2], shape.xy)) return;
      fromloc = true;
      i += 2;
    } else if (EqNoCase(arg, "byradius") && i + 2 < remaining && search && !bybox) {
      if (!ParseRadius(ctx, a[base + i + 1], a[base + i + 2], &shape)) return;
      shape.type = geo::Shape::kCircle;
      byradius = true;
      i += 2;
    } else if (EqNoCase(arg, "bybox") && i + 3 < remaining && search && !byradius) {
      if (!ParseBox(ctx, a, base + i + 1, &shape)) return;
      shape.type = geo::Shape::kBox;
      bybox = true;
      i += 3;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }

  if (store && (withdist || withhash || withcoords)) {
    ctx.reply.Error(std::string("ERR ") +
                    (flags & kSearchStore ? "GEOSEARCHSTORE" : "STORE option in GEORADIUS") +
                    " is not compatible with WITHDIST, WITHHASH and WITHCOORD options");
    return;
  }
  if (search && !(frommember || fromloc)) {
    ctx.reply.Error("ERR exactly one of FROMMEMBER or FROMLONLAT can be specified for " +
                    std::string(a[0]));
    return;
  }
  if (search && !(byradius || bybox)) {
    ctx.reply.Error("ERR exactly one of BYRADIUS and BYBOX can be specified for " +
                    std::string(a[0]));
    return;
  }
  if (any && count == 0) {
    ctx.reply.Error("ERR the ANY argument requires COUNT argument");
    return;
  }

  if (e == nullptr) {
    if (store) {
      std::vector<Point> none;
      StorePoints(ctx, storekey, none, 0, storedist, 1, nullptr);
    } else {
      ctx.reply.Array(0);
    }
    return;
  }

  // The closest COUNT need a sort; COUNT ANY takes the first found as they come.
  if (count != 0 && sort == Sort::kNone && !any) sort = Sort::kAsc;

  geo::SearchArea sa = geo::AreasFor(&shape);
  std::vector<Point> pts;
  SearchCells(ObjOf(e), sa, shape, &pts, any ? static_cast<size_t>(count) : 0);

  if (pts.empty() && !store) {
    ctx.reply.Array(0);
    return;
  }
  const size_t total = pts.size();
  const size_t n =
      count == 0 || total < static_cast<uint64_t>(count) ? total : static_cast<size_t>(count);
  if (sort != Sort::kNone) {
    PointCmp cmp = sort == Sort::kAsc ? CmpAsc : CmpDesc;
    if (n == total) {
      std::vector<Point> tmp;
      tmp.reserve(total);
      MergeSort(pts, 0, total, cmp, tmp);
    } else {
      PartialQuickSort(pts, 0, total, cmp, 0, n - 1);
    }
  }

  if (store) {
    StorePoints(ctx, storekey, pts, n, storedist, shape.conversion,
                search ? "geosearchstore" : "georadiusstore");
    return;
  }
  const size_t options = (withdist ? 1 : 0) + (withcoords ? 1 : 0) + (withhash ? 1 : 0);
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; ++i) {
    Point& p = pts[i];
    p.dist /= shape.conversion;
    if (options != 0) ctx.reply.Array(options + 1);
    ctx.reply.Bulk(p.member);
    if (withdist) ReplyDistance(ctx, p.dist);
    if (withhash) ctx.reply.Integer(static_cast<int64_t>(p.score));
    if (withcoords) {
      ctx.reply.Array(2);
      ReplyCoord(ctx, p.lon);
      ReplyCoord(ctx, p.lat);
    }
  }
}

void GeoRadius(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromCoords); }
void GeoRadiusByMember(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromMember); }
void GeoRadiusRo(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromCoords | kNoStore); }
void GeoRadiusByMemberRo(CommandContext& ctx) { SearchGeneric(ctx, 1, kFromMember | kNoStore); }
void GeoSearch(CommandContext& ctx) { SearchGeneric(ctx, 1, kSearch); }
void GeoSearchStore(CommandContext& ctx) { SearchGeneric(ctx, 2, kSearch | kSearchStore); }

// ---------------------------------------------------------------------------------------------
// GEOHASH / GEOPOS / GEODIST
// ---------------------------------------------------------------------------------------------

void GeoHashCmd(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    double score, xy[2];
    if (e == nullptr || !ObjOf(e).Score(ctx.args[j], &score) || !geo::DecodeScore(score, xy)) {
      ctx.reply.Null();
      continue;
    }
    // Stored hashes use latitudes +-85.05; the standard string is re-encoded over +-90.
    char buf[11];
    geo::GeohashString(xy[0], xy[1], buf);
    ctx.reply.Bulk(std::string_view(buf, 11));
  }
}

void GeoPos(CommandContext& ctx) {
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, ctx.args[1], &wrong);
  if (wrong) return;
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t j = 2; j < ctx.args.size(); ++j) {
    double score, xy[2];
    if (e == nullptr || !ObjOf(e).Score(ctx.args[j], &score) || !geo::DecodeScore(score, xy)) {
      ctx.reply.NullArray();
      continue;
    }
    ctx.reply.Array(2);
    ReplyCoord(ctx, xy[0]);
    ReplyCoord(ctx, xy[1]);
  }
}

// GEODIST key member1 member2 [unit]
void GeoDist(CommandContext& ctx) {
  ArgList a = ctx.args;
  double to_meter = 1;
  if (a.size() == 5) {
    to_meter = ParseUnit(ctx, a[4]);
    if (to_meter < 0) return;
  } else if (a.size() > 5) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  bool wrong;
  KvEntry* e = zcmd::ReadZset(ctx, a[1], &wrong);
  if (wrong) return;
  double s1, s2, p1[2], p2[2];
  if (e == nullptr || !ObjOf(e).Score(a[2], &s1) || !ObjOf(e).Score(a[3], &s2) ||
      !geo::DecodeScore(s1, p1) || !geo::DecodeScore(s2, p2)) {
    ctx.reply.Null();
    return;
  }
  ReplyDistance(ctx, geo::Distance(p1[0], p1[1], p2[0], p2[1]) / to_meter);
}

// ---------------------------------------------------------------------------------------------
// Key positions of GEORADIUS / GEORADIUSBYMEMBER (their key specs): the source, then the key
// after the first STORE and the one after the first STOREDIST searched from `from`.
// ---------------------------------------------------------------------------------------------

void StoreKeywordKeys(ArgList args, size_t from, std::vector<int>* out) {
  out->push_back(1);
  for (const char* kw : {"store", "storedist"}) {
    for (size_t i = from; i + 1 < args.size(); ++i) {
      if (EqNoCase(args[i], kw)) {
        out->push_back(static_cast<int>(i + 1));
        break;
      }
    }
  }
}

void GeoRadiusKeys(ArgList args, std::vector<int>* out) { StoreKeywordKeys(args, 6, out); }
void GeoRadiusByMemberKeys(ArgList args, std::vector<int>* out) { StoreKeywordKeys(args, 5, out); }

}  // namespace

void RegisterGeoCommands(CommandTable& t) {
  const char* g = "geo";
  const char* ws = "@write @geo @slow";
  const char* rs = "@read @geo @slow";
  const char* search_cx =
      "O(N+log(M)): N elements in the cells covering the shape, M elements in the set.";
  t.Add({"geoadd", -5, "write denyoom", 1, 1, 1, ws, GeoAdd, g,
         "Add one or more geospatial items in the geospatial index represented using a sorted set",
         "3.2.0", "O(log(N)) per item added, N elements in the set."});
  t.Add({"geodist", -4, "readonly", 1, 1, 1, rs, GeoDist, g,
         "Returns the distance between two members of a geospatial index", "3.2.0",
         "O(1): two lookups in the member index."});
  t.Add({"geohash", -2, "readonly", 1, 1, 1, rs, GeoHashCmd, g,
         "Returns members of a geospatial index as standard geohash strings", "3.2.0",
         "O(N), N members asked for."});
  t.Add({"geopos", -2, "readonly", 1, 1, 1, rs, GeoPos, g,
         "Returns longitude and latitude of members of a geospatial index", "3.2.0",
         "O(N), N members asked for."});
  t.Add({"georadius", -6, "write denyoom movablekeys", 1, 1, 1, ws, GeoRadius, g,
         "Query a sorted set representing a geospatial index to fetch members matching a given "
         "maximum distance from a point",
         "3.2.0", search_cx})
      ->keys_fn = GeoRadiusKeys;
  t.Add({"georadiusbymember", -5, "write denyoom movablekeys", 1, 1, 1, ws, GeoRadiusByMember, g,
         "Query a sorted set representing a geospatial index to fetch members matching a given "
         "maximum distance from a member",
         "3.2.0", search_cx})
      ->keys_fn = GeoRadiusByMemberKeys;
  t.Add({"georadius_ro", -6, "readonly", 1, 1, 1, rs, GeoRadiusRo, g,
         "A read-only variant for GEORADIUS", "3.2.10", search_cx});
  t.Add({"georadiusbymember_ro", -5, "readonly", 1, 1, 1, rs, GeoRadiusByMemberRo, g,
         "A read-only variant for GEORADIUSBYMEMBER", "3.2.10", search_cx});
  t.Add({"geosearch", -7, "readonly", 1, 1, 1, rs, GeoSearch, g,
         "Query a sorted set representing a geospatial index to fetch members inside an area of "
         "a box or a circle.",
         "6.2.0", search_cx});
  t.Add({"geosearchstore", -8, "write denyoom", 1, 2, 1, ws, GeoSearchStore, g,
         "Query a sorted set representing a geospatial index to fetch members inside an area of "
         "a box or a circle, and store the result in another key.",
         "6.2.0", search_cx});
}

}  // namespace sable
