#include "datastructs/string_set.h"

#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>
#include <unordered_set>
#include <vector>

namespace sable {
namespace {

const HashSeed kSeed{0x1122334455667788ULL, 0x99aabbccddeeff00ULL};

std::string Member(int i) { return "member:" + std::to_string(i); }

std::set<std::string> Contents(StringSet& s) {
  std::set<std::string> out;
  s.ForEach([&](std::string_view m) { CHECK(out.emplace(m).second); });
  return out;
}

TEST_CASE("string_set: member layout and lengths") {
  for (size_t n : {size_t{0}, size_t{1}, size_t{23}, size_t{253}, size_t{254}, size_t{255},
                   size_t{1000}, size_t{70000}}) {
    std::string s(n, 'x');
    for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7);
    SetMember* m = SetMember::New(s);
    CHECK(m->view() == s);
    CHECK(m->next() == nullptr);
    SetMember::Free(m);
  }
  CHECK(SetMember::AllocBytes(23) == 32);  // "member:0000001"-sized members fit a 32-byte class
  CHECK(SetMember::AllocBytes(253) == 8 + 1 + 253);
  CHECK(SetMember::AllocBytes(254) == 8 + 5 + 254);
}

TEST_CASE("string_set: add, contains, remove") {
  StringSet s(&kSeed);
  CHECK(s.empty());
  CHECK(s.Add("a"));
  CHECK(s.Add(""));
  CHECK(s.Add(std::string_view("\0b", 2)));
  CHECK_FALSE(s.Add("a"));
  CHECK(s.size() == 3);
  CHECK(s.Contains(""));
  CHECK(s.Contains(std::string_view("\0b", 2)));
  CHECK_FALSE(s.Contains("b"));
  CHECK(s.Remove("a"));
  CHECK_FALSE(s.Remove("a"));
  CHECK(s.size() == 2);
  CHECK(Contents(s) == std::set<std::string>{"", std::string("\0b", 2)});
}

TEST_CASE("string_set: many members, growth and shrink") {
  StringSet s(&kSeed);
  for (int i = 0; i < 100000; ++i) REQUIRE(s.Add(Member(i)));
  CHECK(s.size() == 100000);
  for (int i = 0; i < 100000; i += 7) CHECK(s.Contains(Member(i)));
  CHECK_FALSE(s.Contains(Member(100000)));
  size_t big = s.BucketCount();
  for (int i = 0; i < 99989; ++i) REQUIRE(s.Remove(Member(i)));
  // A shrink is not started while one is in progress (as Redis): finish it, then the next
  // removal shrinks again.
  while (s.RehashMicroseconds(1000)) {
  }
  REQUIRE(s.Remove(Member(99989)));
  while (s.RehashMicroseconds(1000)) {
  }
  CHECK(s.size() == 10);
  CHECK(s.BucketCount() < big / 100);  // shrunk back to a small table
  CHECK(Contents(s).size() == 10);
}

TEST_CASE("string_set: detach and attach move nodes without copying") {
  StringSet a(&kSeed), b(&kSeed);
  a.Add("x");
  a.Add("y");
  SetMember* m = a.Detach("x");
  REQUIRE(m != nullptr);
  CHECK(a.Detach("x") == nullptr);
  b.Attach(m);
  CHECK(b.Contains("x"));
  CHECK_FALSE(a.Contains("x"));
  CHECK(a.size() == 1);
  CHECK(b.size() == 1);
}

TEST_CASE("string_set: clone and memory usage") {
  StringSet s(&kSeed);
  for (int i = 0; i < 1000; ++i) s.Add(Member(i));
  StringSet* c = s.Clone();
  CHECK(Contents(*c) == Contents(s));
  c->Remove(Member(1));
  CHECK(s.Contains(Member(1)));
  delete c;
  size_t mem = s.MemoryUsage();
  // 1000 members of 10-11 bytes: 20-byte nodes (32 with jemalloc's size classes, 24 with
  // glibc's) plus 8..16 bytes of buckets each.
  CHECK(mem >= 1000 * (SetMember::AllocBytes(10) + 8));
  CHECK(mem <= 1000 * 56 + 1024);
}

// Chi-square of counts against a uniform expectation.
double ChiSquare(const std::map<std::string, int>& counts, int total) {
  double expected = static_cast<double>(total) / counts.size();
  double chi = 0;
  for (auto& [k, n] : counts) chi += (n - expected) * (n - expected) / expected;
  return chi;
}

TEST_CASE("string_set: random is close to uniform") {
  SetRng rng(12345);
  SUBCASE("small set (suite's histogram test shape)") {
    StringSet s(&kSeed);
    for (const char* m :
         {"1", "5", "10", "50", "125", "MARY", "PATRICIA", "LINDA", "BARBARA", "ELIZABETH"})
      s.Add(m);
    for (int trial = 0; trial < 5; ++trial) {
      std::map<std::string, int> counts;
      for (int i = 0; i < 1000; ++i) ++counts[std::string(s.Random(rng))];
      CHECK(counts.size() == 10);
      CHECK(ChiSquare(counts, 1000) < 40);  // df = 9: p ~ 1e-5
    }
  }
  SUBCASE("large set, every member reachable, no gross bias") {
    StringSet s(&kSeed);
    for (int i = 0; i < 2000; ++i) s.Add(Member(i));
    std::map<std::string, int> counts;
    const int draws = 200000;
    for (int i = 0; i < draws; ++i) ++counts[std::string(s.Random(rng))];
    CHECK(counts.size() == 2000);
    // df = 1999: mean 1999, sd ~63; allow the mild long-chain bias but catch real skew.
    CHECK(ChiSquare(counts, draws) < 2600);
  }
  SUBCASE("while rehashing and when sparse") {
    StringSet s(&kSeed);
    for (int i = 0; i < 4096; ++i) s.Add(Member(i));
    for (int i = 0; i < 4000; ++i) s.Remove(Member(i));  // sparse, maybe mid-shrink
    std::set<std::string> seen;
    for (int i = 0; i < 20000; ++i) {
      std::string_view m = s.Random(rng);
      CHECK(s.Contains(m));
      seen.emplace(m);
    }
    CHECK(seen.size() == 96);
  }
  SUBCASE("single member") {
    StringSet s(&kSeed);
    s.Add("only");
    for (int i = 0; i < 10; ++i) CHECK(s.Random(rng) == "only");
  }
}

TEST_CASE("string_set: scan returns every member present throughout, across resizes") {
  std::mt19937_64 rng(7);
  for (int round = 0; round < 10; ++round) {
    StringSet s(&kSeed);
    std::set<std::string> stable;
    int next = 0;
    int initial = 1 + static_cast<int>(rng() % 3000);
    for (; next < initial; ++next) {
      s.Add(Member(next));
      stable.insert(Member(next));
    }
    std::set<std::string> removed_ever;
    std::set<std::string> seen;
    uint64_t cursor = 0;
    int calls = 0;
    do {
      cursor = s.Scan(cursor, [&](std::string_view m) { seen.emplace(m); });
      ++calls;
      // Between calls: grow (even rounds, up to 4x so the scan can finish) or shrink (odd
      // rounds) the set.
      for (int k = 0; k < 20; ++k) {
        if (round % 2 == 0) {
          if (next >= 4 * initial + 100) break;
          s.Add(Member(next++));
        } else if (!stable.empty() && rng() % 2 == 0) {
          auto it = stable.begin();
          std::advance(it, static_cast<long>(rng() % stable.size()));
          removed_ever.insert(*it);
          s.Remove(*it);
          stable.erase(it);
        }
      }
    } while (cursor != 0);
    for (const std::string& m : stable) CHECK(seen.count(m) == 1);
    for (const std::string& m : seen) {
      bool known = s.Contains(m) || removed_ever.count(m) == 1;
      CHECK(known);
    }
    CHECK(calls > 0);
  }
}

}  // namespace
}  // namespace sable

namespace sable {
namespace {

TEST_CASE("string_set: ForEachWhile visits each member once and stops early") {
  StringSet s(&kSeed);
  for (int i = 0; i < 5000; ++i) s.Add(Member(i));
  std::set<std::string> all;
  s.ForEachWhile([&](std::string_view m) {
    CHECK(all.emplace(m).second);
    return true;
  });
  CHECK(all.size() == 5000);
  int seen = 0;
  s.ForEachWhile([&](std::string_view) { return ++seen < 7; });
  CHECK(seen == 7);
}

TEST_CASE("string_set: random member of an empty set is null") {
  StringSet s(&kSeed);
  SetRng rng(1);
  CHECK(s.RandomMember(rng) == nullptr);
  s.Add("a");
  s.Remove("a");
  CHECK(s.RandomMember(rng) == nullptr);
}

}  // namespace
}  // namespace sable
