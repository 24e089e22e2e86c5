#include <doctest/doctest.h>

#include <map>
#include <random>
#include <set>
#include <string>

#include "datastructs/hash_table_map.h"

namespace sable {
namespace {

const HashSeed kSeed{0x0123456789abcdefULL, 0xfedcba9876543210ULL};

std::string Field(int i) { return "field:" + std::to_string(i); }

std::map<std::string, std::string> Contents(HashTableMap& m) {
  std::map<std::string, std::string> out;
  m.ForEach([&](const HashNode* n) {
    CHECK(out.emplace(std::string(n->field()), std::string(n->value())).second);
  });
  return out;
}

std::string Bytes(size_t n, int salt) {
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(i * 7 + salt);
  return s;
}

TEST_CASE("hash_map: node layout and length encodings") {
  for (size_t fl : {size_t{0}, size_t{1}, size_t{253}, size_t{254}, size_t{70000}}) {
    for (size_t vl : {size_t{0}, size_t{5}, size_t{253}, size_t{254}, size_t{100000}}) {
      std::string f = Bytes(fl, 1), v = Bytes(vl, 2);
      HashNode* n = HashNode::New(f, v);
      CHECK(n->field() == f);
      CHECK(n->value() == v);
      CHECK(n->next() == nullptr);
      HashNode::Free(n);
    }
  }
  CHECK(HashNode::AllocBytes(10, 10) == 30);  // a 32-byte jemalloc class
  CHECK(HashNode::AllocBytes(253, 0) == 8 + 1 + 253 + 1);
  CHECK(HashNode::AllocBytes(254, 254) == 8 + 5 + 254 + 5 + 254);
}

TEST_CASE("hash_map: WithValue keeps the field and the chain link, growing and shrinking") {
  HashNode* n = HashNode::New("f", "v");
  auto* sentinel = reinterpret_cast<HashNode*>(uintptr_t{0x1000});
  n->set_next(sentinel);
  for (size_t len : {size_t{1}, size_t{0}, size_t{300}, size_t{253}, size_t{254}, size_t{7},
                     size_t{70000}, size_t{3}}) {
    std::string v = Bytes(len, 3);
    n = HashNode::WithValue(n, v);
    CHECK(n->field() == "f");
    CHECK(n->value() == v);
    CHECK(n->next() == sentinel);
  }
  HashNode::Free(n);
}

TEST_CASE("hash_map: set, add, find, remove") {
  HashTableMap m(&kSeed);
  CHECK(m.empty());
  CHECK(m.Set("a", "1"));
  CHECK_FALSE(m.Set("a", "2"));
  CHECK(m.Set("", "empty field"));
  CHECK(m.Set(std::string_view("\0b", 2), ""));
  CHECK(m.size() == 3);
  CHECK_FALSE(m.Add("a", "3"));  // Add never overwrites
  CHECK(m.Find("a")->value() == "2");
  CHECK(m.Find("")->value() == "empty field");
  CHECK(m.Find(std::string_view("\0b", 2))->value().empty());
  CHECK(m.Find("b") == nullptr);
  CHECK(m.Add("b", "x"));
  CHECK(m.Remove("a"));
  CHECK_FALSE(m.Remove("a"));
  CHECK(m.size() == 3);
  CHECK(Contents(m) == std::map<std::string, std::string>{
                           {"", "empty field"}, {std::string("\0b", 2), ""}, {"b", "x"}});
}

TEST_CASE("hash_map: agrees with std::map under random operations") {
  HashTableMap m(&kSeed);
  std::map<std::string, std::string> model;
  std::mt19937_64 rng(42);
  for (int step = 0; step < 200000; ++step) {
    std::string f = Field(static_cast<int>(rng() % 5000));
    int op = static_cast<int>(rng() % 10);
    if (op < 5) {
      // values of varied sizes so updates both stay in place and move
      std::string v(rng() % 40, static_cast<char>('a' + rng() % 26));
      bool is_new = model.find(f) == model.end();
      CHECK(m.Set(f, v) == is_new);
      model[f] = v;
    } else if (op < 8) {
      CHECK(m.Remove(f) == (model.erase(f) == 1));
    } else {
      const HashNode* n = m.Find(f);
      auto it = model.find(f);
      REQUIRE((n != nullptr) == (it != model.end()));
      if (n) CHECK(n->value() == it->second);
    }
  }
  CHECK(m.size() == model.size());
  CHECK(Contents(m) == model);
}

TEST_CASE("hash_map: growth and shrink keep every pair") {
  HashTableMap m(&kSeed);
  for (int i = 0; i < 100000; ++i) REQUIRE(m.Set(Field(i), std::to_string(i)));
  CHECK(m.size() == 100000);
  CHECK(m.BucketCount() >= 100000);
  for (int i = 0; i < 100000; ++i) REQUIRE(m.Find(Field(i))->value() == std::to_string(i));
  // A shrink starts at a removal that finds the table under 1/8 full and not resizing (the
  // cron finishes resizes between commands; here the test does).
  for (int i = 0; i < 99990; ++i) {
    REQUIRE(m.Remove(Field(i)));
    if (i % 1000 == 0) m.RehashMicroseconds(1000);
  }
  while (m.RehashMicroseconds(1000)) {
  }
  CHECK(m.size() == 10);
  CHECK(m.BucketCount() <= 128);  // shrunk
  for (int i = 99990; i < 100000; ++i) CHECK(m.Find(Field(i)) != nullptr);
  for (int i = 99990; i < 100000; ++i) {
    REQUIRE(m.Remove(Field(i)));
    m.RehashMicroseconds(1000);
  }
  CHECK(m.empty());
  CHECK(m.BucketCount() == 0);  // an empty table gives its array back
}

TEST_CASE("hash_map: a full scan returns every pair present throughout, across resizes") {
  HashTableMap m(&kSeed);
  for (int i = 0; i < 2000; ++i) m.Set(Field(i), "v");
  std::set<std::string> seen;
  uint64_t cursor = 0;
  int calls = 0, next = 2000;
  do {
    cursor = m.Scan(cursor, [&](const HashNode* n) { seen.emplace(n->field()); });
    // grow while scanning, then shrink: fields 0..999 stay all along
    if (calls < 40) {
      for (int k = 0; k < 200; ++k) m.Set(Field(next++), "w");
    } else {
      for (int k = 0; k < 300 && next > 1000; ++k) m.Remove(Field(--next));
    }
    ++calls;
  } while (cursor != 0);
  for (int i = 0; i < 1000; ++i) CHECK(seen.count(Field(i)) == 1);
}

TEST_CASE("hash_map: random picks cover every pair roughly uniformly") {
  HashTableMap m(&kSeed);
  constexpr int kN = 50;
  for (int i = 0; i < kN; ++i) m.Set(Field(i), std::to_string(i));
  SetRng rng(7);
  std::map<std::string, int> hits;
  constexpr int kDraws = 50000;
  for (int i = 0; i < kDraws; ++i) {
    const HashNode* n = m.Random(rng);
    REQUIRE(n != nullptr);
    CHECK(n->value() == m.Find(n->field())->value());
    ++hits[std::string(n->field())];
  }
  CHECK(hits.size() == kN);
  for (const auto& [f, h] : hits) {
    CHECK(h > kDraws / kN / 2);
    CHECK(h < kDraws / kN * 2);
  }
  HashTableMap empty(&kSeed);
  CHECK(empty.Random(rng) == nullptr);
}

TEST_CASE("hash_map: clone is deep and memory usage counts the pairs") {
  HashTableMap m(&kSeed);
  for (int i = 0; i < 1000; ++i) m.Set(Field(i), std::string(20, 'x'));
  HashTableMap* c = m.Clone();
  CHECK(Contents(*c) == Contents(m));
  m.Set(Field(0), "changed");
  m.Remove(Field(1));
  CHECK(c->Find(Field(0))->value() == std::string(20, 'x'));
  CHECK(c->Find(Field(1)) != nullptr);
  size_t mem = c->MemoryUsage();
  CHECK(mem >= 1000 * HashNode::AllocBytes(9, 20));
  CHECK(mem < 1000 * 128);
  delete c;
}

}  // namespace
}  // namespace sable
