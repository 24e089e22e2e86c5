#include "datastructs/zset.h"

#include <doctest/doctest.h>

#include <cmath>
#include <random>
#include <string>
#include <utility>
#include <vector>

namespace sable {
namespace {

using Elem = std::pair<std::string, double>;

// Owns one handle for the duration of a test.
struct Holder {
  explicit Holder(ZObj z) : z(z) {}
  ~Holder() { z.Free(); }
  ZObj z;
};

std::vector<Elem> Contents(ZObj z, bool reverse = false) {
  std::vector<Elem> out;
  if (z.size() == 0) return out;
  for (ZIter it = ZIter::AtRank(z, 0, reverse); it.Valid(); it.Next())
    out.emplace_back(std::string(it.Member()), it.Score());
  return out;
}

int Add(ZObj* z, double score, std::string_view m, const ZsetLimits& lim, int flags = 0) {
  int out;
  double ns;
  REQUIRE(z->Add(score, m, flags, &out, &ns, lim));
  return out;
}

TEST_CASE("zset: score range parsing follows strtod") {
  ZScoreRange r;
  CHECK(ParseScoreRange("1", "(2.5", &r));
  CHECK(r.min == 1);
  CHECK_FALSE(r.minex);
  CHECK(r.max == 2.5);
  CHECK(r.maxex);
  CHECK(ParseScoreRange("-inf", "+inf", &r));
  CHECK(std::isinf(r.min));
  CHECK(r.min < 0);
  CHECK(ParseScoreRange("(-inf", "inf", &r));
  CHECK(ParseScoreRange("", "(", &r));  // empty texts read as 0, like Redis
  CHECK(r.min == 0);
  CHECK(r.maxex);
  CHECK(ParseScoreRange(" 5", "0x10", &r));
  CHECK(r.max == 16);
  CHECK_FALSE(ParseScoreRange("1", "nan", &r));
  CHECK_FALSE(ParseScoreRange("str", "1", &r));
  CHECK_FALSE(ParseScoreRange("1 ", "2", &r));
  CHECK(ParseScoreRange(std::string_view("3\0junk", 6), "4", &r));  // C string: ends at NUL
  CHECK(r.min == 3);
}

TEST_CASE("zset: lex range parsing") {
  ZLexRange r;
  CHECK(ParseLexRange("-", "+", &r));
  CHECK(r.min.kind == ZLexBound::kNegInf);
  CHECK(r.max.kind == ZLexBound::kPosInf);
  CHECK(ParseLexRange("[a", "(b", &r));
  CHECK(r.min.kind == ZLexBound::kValue);
  CHECK_FALSE(r.min.ex);
  CHECK(r.min.s == "a");
  CHECK(r.max.ex);
  CHECK(ParseLexRange("(", "[", &r));  // empty strings
  CHECK(r.min.s.empty());
  CHECK_FALSE(ParseLexRange("a", "[b", &r));
  CHECK_FALSE(ParseLexRange("", "+", &r));
  CHECK_FALSE(ParseLexRange("+a", "+", &r));
  CHECK_FALSE(ParseLexRange("-", "1", &r));
}

TEST_CASE("zset: double2ll window") {
  int64_t v;
  CHECK(DoubleToInt64Exact(3, &v));
  CHECK(v == 3);
  CHECK(DoubleToInt64Exact(-0.0, &v));
  CHECK(v == 0);
  CHECK_FALSE(DoubleToInt64Exact(1.5, &v));
  CHECK_FALSE(DoubleToInt64Exact(1e19, &v));
  CHECK_FALSE(DoubleToInt64Exact(NAN, &v));
  CHECK_FALSE(DoubleToInt64Exact(INFINITY, &v));
  CHECK(DoubleToInt64Exact(4611686018427387904.0, &v));  // 2^62: LLONG_MAX/2 as a double
}

TEST_CASE("zset: listpack pairs are ordered by score then member") {
  ZsetLimits lim;
  Holder h(ZObj::NewListpack());
  Add(&h.z, 2, "b", lim);
  Add(&h.z, 1, "c", lim);
  Add(&h.z, 2, "a", lim);
  Add(&h.z, 1.5, "10", lim);  // an integer member
  Add(&h.z, -0.0, "z", lim);
  CHECK(h.z.is_listpack());
  std::vector<Elem> want = {{"z", 0}, {"c", 1}, {"10", 1.5}, {"a", 2}, {"b", 2}};
  CHECK(Contents(h.z) == want);
  // -0 is stored as the integer 0 (double2ll first), as Redis does.
  double s;
  CHECK(h.z.Score("z", &s));
  CHECK_FALSE(std::signbit(s));
  CHECK(h.z.Rank("a", false) == 3);
  CHECK(h.z.Rank("a", true) == 1);
  CHECK(h.z.Rank("nope", false) == -1);
  CHECK(h.z.Score("10", &s));
  CHECK(s == 1.5);
}

TEST_CASE("zset: ZADD flags on both encodings") {
  for (size_t entries : {size_t{128}, size_t{0}}) {
    ZsetLimits lim{entries, 64};
    Holder h(ZObj::ForFirst(lim, 1));
    CHECK(h.z.is_listpack() == (entries > 0));
    CHECK(Add(&h.z, 1, "a", lim) == kZAddAdded);
    CHECK(Add(&h.z, 1, "a", lim) == 0);
    CHECK(Add(&h.z, 2, "a", lim) == kZAddUpdated);
    CHECK(Add(&h.z, 5, "a", lim, kZAddNx) == kZAddNop);
    CHECK(Add(&h.z, 5, "b", lim, kZAddXx) == kZAddNop);
    CHECK(Add(&h.z, 1, "a", lim, kZAddGt) == kZAddNop);
    CHECK(Add(&h.z, 3, "a", lim, kZAddGt) == kZAddUpdated);
    CHECK(Add(&h.z, 4, "a", lim, kZAddLt) == kZAddNop);
    int out;
    double ns = 0;
    CHECK(h.z.Add(10, "a", kZAddIncr, &out, &ns, lim));
    CHECK(ns == 13);
    CHECK(h.z.Add(INFINITY, "inf", 0, &out, &ns, lim));
    CHECK_FALSE(h.z.Add(-INFINITY, "inf", kZAddIncr, &out, &ns, lim));
    CHECK(out == kZAddNan);
    CHECK_FALSE(h.z.Add(NAN, "x", 0, &out, &ns, lim));
    CHECK(h.z.size() == 2);
    CHECK(h.z.Delete("a"));
    CHECK_FALSE(h.z.Delete("a"));
    CHECK(h.z.size() == 1);
  }
}

TEST_CASE("zset: listpack converts to skiplist at the thresholds") {
  ZsetLimits lim{4, 8};
  Holder h(ZObj::ForFirst(lim, 1));
  for (int i = 0; i < 4; ++i) Add(&h.z, i, "m" + std::to_string(i), lim);
  CHECK(h.z.is_listpack());
  Add(&h.z, 9, "m9", lim);  // the fifth entry
  CHECK_FALSE(h.z.is_listpack());
  CHECK(h.z.size() == 5);

  Holder v(ZObj::ForFirst(lim, 1));
  Add(&v.z, 1, "12345678", lim);  // exactly the value limit
  CHECK(v.z.is_listpack());
  Add(&v.z, 2, "123456789", lim);  // one byte over
  CHECK_FALSE(v.z.is_listpack());

  // A first member longer than the limit starts a skiplist right away.
  Holder w(ZObj::ForFirst(lim, 9));
  CHECK_FALSE(w.z.is_listpack());
  Holder none(ZObj::ForFirst({0, 64}, 1));
  CHECK_FALSE(none.z.is_listpack());
}

TEST_CASE("zset: conversions both ways keep elements, order and scores") {
  std::mt19937_64 rng(11);
  ZsetLimits big{1000, 64};
  Holder h(ZObj::NewListpack());
  for (int i = 0; i < 200; ++i) {
    double score;
    switch (i % 4) {
      case 0:
        score = static_cast<double>(rng() % 50);
        break;
      case 1:
        score = static_cast<double>(rng() % 1000) / 7.0;
        break;
      case 2:
        score = i % 8 == 2 ? INFINITY : -INFINITY;
        break;
      default:
        score = 1e300 * static_cast<double>(rng() % 3);
        break;
    }
    std::string m = i % 3 ? "k" + std::to_string(rng() % 1000) : std::to_string(rng() % 1000);
    int out;
    double ns;
    h.z.Add(score, m, 0, &out, &ns, big);
  }
  REQUIRE(h.z.is_listpack());
  auto before = Contents(h.z);
  auto before_rev = Contents(h.z, true);
  h.z.ConvertToSkiplist();
  REQUIRE_FALSE(h.z.is_listpack());
  CHECK(h.z.zs()->list().Verify());
  CHECK(Contents(h.z) == before);
  CHECK(Contents(h.z, true) == before_rev);
  for (const auto& [m, s] : before) {
    double got;
    REQUIRE(h.z.Score(m, &got));
    CHECK(got == s);
  }
  // Back: only when small enough.
  h.z.ConvertToListpackIfNeeded({10, 64}, 8, 100);
  CHECK_FALSE(h.z.is_listpack());
  h.z.ConvertToListpackIfNeeded({1000, 64}, 65, 100);
  CHECK_FALSE(h.z.is_listpack());
  h.z.ConvertToListpackIfNeeded({1000, 64}, 8, 100);
  REQUIRE(h.z.is_listpack());
  CHECK(Contents(h.z) == before);
}

TEST_CASE("zset: iterators over score and lex ranges, both encodings, both directions") {
  for (bool lp : {true, false}) {
    Holder h(ZObj::NewListpack());
    ZsetLimits lim{1000, 64};
    for (int i = 0; i < 50; ++i) Add(&h.z, i, "m" + std::to_string(100 + i), lim);
    if (!lp) h.z.ConvertToSkiplist();
    ZScoreRange r{10, 20, true, false};
    std::vector<double> fwd, rev;
    for (ZIter it = ZIter::InScoreRange(h.z, r, false); it.Valid() && ScoreLteMax(it.Score(), r);
         it.Next())
      fwd.push_back(it.Score());
    for (ZIter it = ZIter::InScoreRange(h.z, r, true); it.Valid() && ScoreGteMin(it.Score(), r);
         it.Next())
      rev.push_back(it.Score());
    CHECK(fwd.size() == 10);
    CHECK(fwd.front() == 11);
    CHECK(rev.size() == 10);
    CHECK(rev.front() == 20);
    CHECK(rev.back() == 11);
    ZLexRange lr;
    REQUIRE(ParseLexRange("(m110", "[m112", &lr));
    std::vector<std::string> lex;
    for (ZIter it = ZIter::InLexRange(h.z, lr, true); it.Valid() && LexGteMin(it.Member(), lr);
         it.Next())
      lex.emplace_back(it.Member());
    CHECK(lex == std::vector<std::string>{"m112", "m111"});
    // Reverse from a rank with a small limit hint reads exactly that many.
    size_t n = 0;
    for (ZIter it = ZIter::AtRank(h.z, 5, true, 3); it.Valid() && n < 3; it.Next()) {
      CHECK(it.Score() == 44 - static_cast<double>(n));
      ++n;
    }
    CHECK(n == 3);
    CHECK(h.z.DeleteRangeByScore({0, 9}) == 10);
    CHECK(h.z.DeleteRangeByRank(0, 4) == 5);
    REQUIRE(ParseLexRange("(m120", "[m122", &lr));
    CHECK(h.z.DeleteRangeByLex(lr) == 2);
    CHECK(h.z.size() == 33);
    CHECK(Contents(h.z).front().second == 15);
  }
}

TEST_CASE("zset: dup is deep and keeps the encoding") {
  ZsetLimits lim{0, 64};
  Holder a(ZObj::ForFirst(lim, 1));
  for (int i = 0; i < 300; ++i) Add(&a.z, i % 17, "x" + std::to_string(i), lim);
  Holder b(a.z.Dup());
  CHECK_FALSE(b.z.is_listpack());
  CHECK(Contents(a.z) == Contents(b.z));
  a.z.Delete("x1");
  CHECK(b.z.size() == 300);
  CHECK(b.z.zs()->list().Verify());
  CHECK(b.z.MemoryUsage() > 300 * 32);
}

TEST_CASE("zset: listpack validation rejects odd counts and duplicate members") {
  uint8_t* lp = LpNew(0);
  lp = ZlpAppend(lp, "a", 1);
  lp = ZlpAppend(lp, "b", 2);
  CHECK(ZlpValidate(lp, LpBytes(lp), true));
  lp = ZlpAppend(lp, "a", 3);
  CHECK(ZlpValidate(lp, LpBytes(lp), false));
  CHECK_FALSE(ZlpValidate(lp, LpBytes(lp), true));
  lp = LpAppend(lp, "odd");
  CHECK_FALSE(ZlpValidate(lp, LpBytes(lp), false));
  LpFree(lp);
}

TEST_CASE("zset: non-integral scores are stored as %.17g text") {
  uint8_t* lp = LpNew(0);
  lp = ZlpAppend(lp, "a", 0.1);
  lp = ZlpAppend(lp, "b", 1e300);
  lp = ZlpAppend(lp, "c", -INFINITY);
  char buf[kLpIntBufSize];
  uint8_t* p = LpNext(lp, LpFirst(lp));
  CHECK(LpGet(p).View(buf) == "0.10000000000000001");
  CHECK(ZlpScore(p) == 0.1);
  p = LpNext(lp, LpNext(lp, p));
  CHECK(LpGet(p).View(buf) == "1.0000000000000001e+300");
  p = LpNext(lp, LpNext(lp, p));
  CHECK(LpGet(p).View(buf) == "-inf");
  CHECK(ZlpScore(p) == -INFINITY);
  LpFree(lp);
}

}  // namespace
}  // namespace sable
