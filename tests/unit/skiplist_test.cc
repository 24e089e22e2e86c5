#include "datastructs/skiplist.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <iterator>
#include <random>
#include <set>
#include <string>
#include <utility>
#include <vector>

namespace sable {
namespace {

using Elem = std::pair<double, std::string>;

// The reference model: std::set orders (score, member) exactly as the skiplist must.
struct Model {
  std::set<Elem> s;
  std::vector<Elem> Vec() const { return {s.begin(), s.end()}; }
};

std::vector<Elem> Contents(const Skiplist& sl) {
  std::vector<Elem> out;
  for (ZslNode* x = sl.first(); x != nullptr; x = x->next())
    out.emplace_back(x->score(), std::string(x->member()));
  return out;
}

std::string Member(int i) { return "m" + std::to_string(i); }

TEST_CASE("skiplist: empty list") {
  Skiplist sl;
  CHECK(sl.size() == 0);
  CHECK(sl.first() == nullptr);
  CHECK(sl.last() == nullptr);
  CHECK(sl.ByRank(1) == nullptr);
  CHECK(sl.ByRank(0) == nullptr);
  CHECK(sl.FirstInRange({0, 10}) == nullptr);
  CHECK(sl.LastInRange({0, 10}) == nullptr);
  ZLexRange all{{ZLexBound::kNegInf, true, {}}, {ZLexBound::kPosInf, true, {}}};
  CHECK(sl.FirstInLexRange(all) == nullptr);
  CHECK_FALSE(sl.Delete(1, "a"));
  CHECK(sl.Verify());
}

TEST_CASE("skiplist: order is score then member bytes") {
  Skiplist sl;
  sl.Insert(2, "b");
  sl.Insert(1, "z");
  sl.Insert(2, "a");
  sl.Insert(2, "ab");
  sl.Insert(-1, "x");
  sl.Insert(2, std::string("\xff", 1));
  sl.Insert(2, "");
  std::vector<Elem> want = {{-1, "x"}, {1, "z"}, {2, ""},    {2, "a"},
                            {2, "ab"}, {2, "b"}, {2, "\xff"}};
  CHECK(Contents(sl) == want);
  CHECK(sl.last()->member() == "\xff");
  CHECK(sl.Verify());
}

TEST_CASE("skiplist: rank and by-rank agree with the model under random inserts/deletes") {
  std::mt19937_64 rng(42);
  Skiplist sl;
  Model m;
  std::vector<ZslNode*> nodes;
  for (int step = 0; step < 20000; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6 || m.s.empty()) {
      double score = static_cast<double>(rng() % 200);  // many ties: members decide
      std::string mem = Member(static_cast<int>(rng() % 5000));
      bool present = false;
      for (const auto& e : m.s)
        if (e.second == mem) present = true;
      if (present) continue;
      sl.Insert(score, mem);
      m.s.emplace(score, mem);
    } else {
      auto it = m.s.begin();
      std::advance(it, rng() % m.s.size());
      CHECK(sl.Delete(it->first, it->second));
      m.s.erase(it);
    }
    if (step % 1000 == 0) REQUIRE(sl.Verify());
  }
  REQUIRE(sl.Verify());
  auto v = m.Vec();
  REQUIRE(Contents(sl) == v);
  for (size_t i = 0; i < v.size(); ++i) {
    ZslNode* n = sl.ByRank(i + 1);
    REQUIRE(n != nullptr);
    CHECK(n->member() == v[i].second);
    CHECK(sl.Rank(n) == i + 1);
  }
  CHECK(sl.ByRank(v.size() + 1) == nullptr);
}

TEST_CASE("skiplist: score ranges, inclusive and exclusive") {
  Skiplist sl;
  for (int i = 1; i <= 100; ++i) sl.Insert(i, Member(i));
  uint64_t rank = 0;
  ZslNode* n = sl.FirstInRange({10, 20}, &rank);
  REQUIRE(n != nullptr);
  CHECK(n->score() == 10);
  CHECK(rank == 10);
  n = sl.FirstInRange({10, 20, true, false}, &rank);
  CHECK(n->score() == 11);
  CHECK(rank == 11);
  n = sl.LastInRange({10, 20}, &rank);
  CHECK(n->score() == 20);
  CHECK(rank == 20);
  n = sl.LastInRange({10, 20, false, true}, &rank);
  CHECK(n->score() == 19);
  CHECK(rank == 19);
  CHECK(sl.FirstInRange({20, 10}) == nullptr);             // min > max
  CHECK(sl.FirstInRange({5, 5, true, false}) == nullptr);  // empty point interval
  CHECK(sl.FirstInRange({100.5, 200}) == nullptr);
  CHECK(sl.LastInRange({-5, 0.5}) == nullptr);
  CHECK(sl.FirstInRange({10.5, 10.7}) == nullptr);  // gap between elements
  n = sl.FirstInRange({-INFINITY, INFINITY}, &rank);
  CHECK(n == sl.first());
  CHECK(rank == 1);
  n = sl.LastInRange({-INFINITY, INFINITY}, &rank);
  CHECK(n == sl.last());
  CHECK(rank == 100);
}

TEST_CASE("skiplist: lex ranges") {
  Skiplist sl;
  for (const char* m : {"alpha", "bar", "cool", "down", "elephant", "foo", "great", "hill"})
    sl.Insert(0, m);
  auto bound = [](ZLexBound::Kind k, bool ex, std::string_view s = {}) {
    return ZLexBound{k, ex, s};
  };
  ZLexRange r{bound(ZLexBound::kValue, false, "bar"), bound(ZLexBound::kValue, true, "elephant")};
  uint64_t rank;
  CHECK(sl.FirstInLexRange(r, &rank)->member() == "bar");
  CHECK(rank == 2);
  CHECK(sl.LastInLexRange(r, &rank)->member() == "down");
  CHECK(rank == 4);
  ZLexRange all{bound(ZLexBound::kNegInf, true), bound(ZLexBound::kPosInf, true)};
  CHECK(sl.FirstInLexRange(all)->member() == "alpha");
  CHECK(sl.LastInLexRange(all)->member() == "hill");
  ZLexRange none{bound(ZLexBound::kPosInf, true), bound(ZLexBound::kNegInf, true)};
  CHECK(sl.FirstInLexRange(none) == nullptr);
  ZLexRange point_ex{bound(ZLexBound::kValue, true, "foo"), bound(ZLexBound::kValue, false, "foo")};
  CHECK(sl.FirstInLexRange(point_ex) == nullptr);
  ZLexRange gap{bound(ZLexBound::kValue, false, "dz"), bound(ZLexBound::kValue, false, "e")};
  CHECK(sl.FirstInLexRange(gap) == nullptr);
  CHECK(sl.LastInLexRange(gap) == nullptr);
}

TEST_CASE("skiplist: range deletions keep every invariant") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 30; ++round) {
    Skiplist sl;
    Model m;
    for (int i = 0; i < 500; ++i) {
      double s = static_cast<double>(rng() % 100);
      std::string mem = Member(i);
      sl.Insert(s, mem);
      m.s.emplace(s, mem);
    }
    size_t removed_cb = 0;
    auto free_node = [&](ZslNode* x) {
      ++removed_cb;
      Skiplist::FreeNode(x);
    };
    size_t removed = 0;
    int kind = round % 3;
    if (kind == 0) {
      ZScoreRange r{static_cast<double>(rng() % 100), 0, rng() % 2 == 0, rng() % 2 == 0};
      r.max = r.min + static_cast<double>(rng() % 30);
      removed = sl.DeleteRangeByScore(r, free_node);
      std::erase_if(
          m.s, [&](const Elem& e) { return ScoreGteMin(e.first, r) && ScoreLteMax(e.first, r); });
    } else if (kind == 1) {
      uint64_t start = 1 + rng() % 500;
      uint64_t end = start + rng() % 100;
      removed = sl.DeleteRangeByRank(start, end, free_node);
      auto v = m.Vec();
      m.s.clear();
      for (size_t i = 0; i < v.size(); ++i)
        if (i + 1 < start || i + 1 > end) m.s.insert(v[i]);
    } else {
      // Lex ranges are meant for equal scores: use one score for everything.
      Skiplist eq;
      Model em;
      for (int i = 0; i < 300; ++i) {
        std::string mem = Member(static_cast<int>(rng() % 1000));
        if (em.s.emplace(0, mem).second) eq.Insert(0, mem);
      }
      std::string lo = Member(static_cast<int>(rng() % 1000));
      std::string hi = Member(static_cast<int>(rng() % 1000));
      if (hi < lo) std::swap(lo, hi);
      ZLexRange r{{ZLexBound::kValue, rng() % 2 == 0, lo}, {ZLexBound::kValue, rng() % 2 == 0, hi}};
      size_t got = eq.DeleteRangeByLex(r, free_node);
      size_t before = em.s.size();
      std::erase_if(
          em.s, [&](const Elem& e) { return LexGteMin(e.second, r) && LexLteMax(e.second, r); });
      CHECK(got == before - em.s.size());
      CHECK(Contents(eq) == em.Vec());
      CHECK(eq.Verify());
      removed_cb = 0;
      continue;
    }
    CHECK(removed == removed_cb);
    CHECK(sl.Verify());
    CHECK(Contents(sl) == m.Vec());
  }
}

TEST_CASE("skiplist: deleting everything leaves a usable empty list") {
  Skiplist sl;
  for (int i = 0; i < 1000; ++i) sl.Insert(i, Member(i));
  size_t n = sl.DeleteRangeByRank(1, 1000, [](ZslNode* x) { Skiplist::FreeNode(x); });
  CHECK(n == 1000);
  CHECK(sl.size() == 0);
  CHECK(sl.level() == 1);
  CHECK(sl.last() == nullptr);
  CHECK(sl.Verify());
  sl.Insert(5, "again");
  CHECK(sl.Verify());
  CHECK(sl.Rank(sl.first()) == 1);
}

TEST_CASE("skiplist: update score moves the same node and keeps spans") {
  std::mt19937_64 rng(3);
  Skiplist sl;
  Model m;
  std::vector<ZslNode*> nodes;
  for (int i = 0; i < 2000; ++i) {
    double s = static_cast<double>(rng() % 1000);
    nodes.push_back(sl.Insert(s, Member(i)));
    m.s.emplace(s, Member(i));
  }
  for (int step = 0; step < 5000; ++step) {
    ZslNode* n = nodes[rng() % nodes.size()];
    double old = n->score();
    double now = step % 2 ? old + 1 : static_cast<double>(rng() % 1000);  // nearby and far
    std::string mem(n->member());
    sl.UpdateScore(n, now);
    CHECK(n->score() == now);
    m.s.erase({old, mem});
    m.s.emplace(now, mem);
  }
  CHECK(sl.Verify());
  CHECK(Contents(sl) == m.Vec());
  for (ZslNode* n : nodes) CHECK(sl.ByRank(sl.Rank(n)) == n);
}

TEST_CASE("skiplist: scores that round to the same float still order exactly") {
  // The cached float scores tie for all of these: the search must fall back to the doubles.
  const double close[] = {1.0,      1.0 + 0x1p-40, 1.0 + 0x1p-30, 1.0 - 0x1p-45, 1e39,
                          2e39,     1e300,         INFINITY,      -1e300,        -INFINITY,
                          0x1p-149, 1e-300,        -1e-300,       0.0,           -0.0};
  std::mt19937_64 rng(5);
  Skiplist sl;
  Model m;
  std::vector<ZslNode*> nodes;
  for (int i = 0; i < 3000; ++i) {
    double s = close[rng() % std::size(close)];
    std::string mem = Member(i);
    nodes.push_back(sl.Insert(s, mem));
    m.s.emplace(s, mem);
  }
  for (int step = 0; step < 3000; ++step) {
    ZslNode* n = nodes[rng() % nodes.size()];
    double now = close[rng() % std::size(close)];
    if (now == n->score()) continue;
    std::string mem(n->member());
    m.s.erase({n->score(), mem});
    sl.UpdateScore(n, now);
    m.s.emplace(now, mem);
  }
  REQUIRE(sl.Verify());
  auto v = m.Vec();
  auto got = Contents(sl);
  REQUIRE(got.size() == v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    // -0.0 and 0.0 compare equal: the model and the list agree on the member order only.
    CHECK(got[i].second == v[i].second);
  }
  for (ZslNode* n : nodes) CHECK(sl.ByRank(sl.Rank(n)) == n);
  ZScoreRange r{1.0, 1.0 + 0x1p-30, true, false};
  uint64_t lo, hi;
  REQUIRE(sl.FirstInRange(r, &lo) != nullptr);
  REQUIRE(sl.LastInRange(r, &hi) != nullptr);
  size_t want = 0;
  for (const auto& e : v)
    if (ScoreGteMin(e.first, r) && ScoreLteMax(e.first, r)) ++want;
  CHECK(hi - lo + 1 == want);
}

TEST_CASE("skiplist: unlink then free") {
  Skiplist sl;
  ZslNode* a = sl.Insert(1, "a");
  sl.Insert(2, "b");
  ZslNode* c = sl.Insert(3, "c");
  sl.Unlink(c);
  Skiplist::FreeNode(c);
  CHECK(sl.last()->member() == "b");
  sl.Unlink(a);
  Skiplist::FreeNode(a);
  CHECK(sl.first()->member() == "b");
  CHECK(sl.size() == 1);
  CHECK(sl.Verify());
}

TEST_CASE("skiplist: random levels follow p = 1/2") {
  Skiplist sl;
  constexpr int kDraws = 400000;
  int counts[kZslMaxLevel + 1] = {};
  for (int i = 0; i < kDraws; ++i) {
    int l = sl.RandomLevel();
    REQUIRE(l >= 1);
    REQUIRE(l <= kZslMaxLevel);
    ++counts[l];
  }
  // P(level = k) = 2^-k: 200000, 100000, 50000, 25000, 12500 expected.
  CHECK(counts[1] > 197000);
  CHECK(counts[1] < 203000);
  CHECK(counts[2] > 98000);
  CHECK(counts[2] < 102000);
  CHECK(counts[3] > 48500);
  CHECK(counts[3] < 51500);
  CHECK(counts[4] > 24000);
  CHECK(counts[4] < 26000);
  CHECK(counts[8] > 1300);  // 1562 expected
  CHECK(counts[8] < 1850);
  CHECK(counts[kZslMaxLevel] < 5);
}

TEST_CASE("skiplist: append builds the same list as inserts") {
  Skiplist a;
  Skiplist::AppendCursor c;
  a.BeginAppend(&c);
  for (int i = 0; i < 3000; ++i) a.Append(&c, i / 3, Member(100000 + i));
  CHECK(a.size() == 3000);
  CHECK(a.Verify());
  for (uint64_t r = 1; r <= 3000; r += 37) CHECK(a.Rank(a.ByRank(r)) == r);
  // Appending after existing elements, then inserting in the middle.
  a.BeginAppend(&c);
  a.Append(&c, 5000, "zz");
  a.Insert(500.5, "mid");
  CHECK(a.Verify());
  CHECK(a.last()->member() == "zz");
}

TEST_CASE("skiplist: reverse walks in chunks") {
  Skiplist sl;
  for (int i = 1; i <= 300; ++i) sl.Insert(i, Member(i));
  std::vector<double> got;
  sl.ForEachReverse(300, 300, [&](ZslNode* x) {
    got.push_back(x->score());
    return true;
  });
  REQUIRE(got.size() == 300);
  for (int i = 0; i < 300; ++i) CHECK(got[i] == 300 - i);
  got.clear();
  sl.ForEachReverse(150, 70, [&](ZslNode* x) {
    got.push_back(x->score());
    return got.size() < 65;
  });
  CHECK(got.size() == 65);
  CHECK(got.front() == 150);
  CHECK(got.back() == 86);
}

TEST_CASE("skiplist: members of every length round-trip") {
  Skiplist sl;
  std::vector<std::string> ms;
  for (size_t len : {0, 1, 24, 127, 128, 300, 2045, 2046, 2047, 2048, 20000})
    ms.push_back(std::string(len, 'x') + "!");
  for (size_t i = 0; i < ms.size(); ++i) sl.Insert(static_cast<double>(i), ms[i]);
  size_t i = 0;
  for (ZslNode* x = sl.first(); x != nullptr; x = x->next(), ++i) {
    CHECK(x->member() == ms[i]);
    CHECK(x->height() >= 1);
  }
  CHECK(sl.Verify());
  // 24 fixed bytes, then the member (a long one after its 8-byte length); 16 per upper level.
  CHECK(ZslNode::AllocBytes(1, 19) == 43);
  CHECK(ZslNode::AllocBytes(1, 24) == 48);
  CHECK(ZslNode::AllocBytes(2, 24) == 64);
  CHECK(ZslNode::AllocBytes(1, 2047) == 24 + 8 + 2047);
}

TEST_CASE("skiplist: tall nodes keep their height and chain link apart") {
  Skiplist sl;
  std::vector<ZslNode*> nodes;
  for (int i = 0; i < 5000; ++i) nodes.push_back(sl.Insert(i, Member(i)));
  int max_h = 0;
  for (ZslNode* n : nodes) {
    int h = n->height();
    n->set_hash_next(nodes[0]);  // the link must not disturb the height or the member
    CHECK(n->height() == h);
    CHECK(n->hash_next() == nodes[0]);
    n->set_hash_next(nullptr);
    max_h = std::max(max_h, h);
  }
  CHECK(max_h >= 8);
  CHECK(sl.Verify());
}

}  // namespace
}  // namespace sable
