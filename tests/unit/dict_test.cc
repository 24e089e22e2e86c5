#include "datastructs/dict.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "datastructs/hash.h"

namespace sable {
namespace {

struct Node {
  Node* next = nullptr;
  std::string key;
  int value = 0;
};

struct NodeTraits {
  static Node* Next(const Node* n) { return n->next; }
  static void SetNext(Node* n, Node* next) { n->next = next; }
  static std::string_view Key(const Node* n) { return n->key; }
};

using TestDict = Dict<Node, NodeTraits>;

const HashSeed kSeed{0x0123456789abcdefULL, 0xfedcba9876543210ULL};

std::string KeyOf(int i) { return "key:" + std::to_string(i); }

// Owns the nodes of one dict so every test frees what it allocates.
class Fixture {
 public:
  Fixture() : dict(&kSeed) {}
  ~Fixture() {
    dict.Clear([](Node* n) { delete n; });
  }

  Node* Add(const std::string& key, int value = 0) {
    auto* n = new Node{nullptr, key, value};
    dict.Insert(n);
    return n;
  }
  bool Remove(const std::string& key) {
    Node* n = dict.Erase(key);
    delete n;
    return n != nullptr;
  }

  TestDict dict;
};

bool IsPowerOfTwo(size_t n) { return n != 0 && (n & (n - 1)) == 0; }

// --- hash -------------------------------------------------------------------------------------

TEST_CASE("SipHash core matches the published SipHash-2-4 vectors") {
  // Key 00..0f, messages 00, 00 01, ... (from the SipHash paper's reference vectors).
  const HashSeed seed{0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL};
  unsigned char msg[64];
  for (int i = 0; i < 64; ++i) msg[i] = static_cast<unsigned char>(i);
  CHECK(SipHash24(msg, 0, seed) == 0x726fdb47dd0e0e31ULL);
  CHECK(SipHash24(msg, 1, seed) == 0x74f839c593dc67fdULL);
  CHECK(SipHash24(msg, 7, seed) == 0xab0200f58b01d137ULL);
  CHECK(SipHash24(msg, 8, seed) == 0x93f5f5799a932462ULL);
  CHECK(SipHash24(msg, 15, seed) == 0xa129ca6149be45e5ULL);
  CHECK(SipHash24(msg, 63, seed) == 0x958a324ceb064572ULL);
}

TEST_CASE("HashBytes is keyed and HashBytesNoCase folds ASCII case") {
  const HashSeed other{kSeed.k0 + 1, kSeed.k1};
  CHECK(HashBytes("hello", 5, kSeed) == HashBytes("hello", 5, kSeed));
  CHECK(HashBytes("hello", 5, kSeed) != HashBytes("hello", 5, other));
  CHECK(HashBytes("hello", 5, kSeed) != HashBytes("hellp", 5, kSeed));
  CHECK(HashBytes("", 0, kSeed) != HashBytes("\0", 1, kSeed));
  CHECK(HashString("abc", kSeed) == HashBytes("abc", 3, kSeed));
  std::mt19937_64 rng(1);
  for (int len = 0; len < 70; ++len) {
    for (int rep = 0; rep < 50; ++rep) {
      std::string s(static_cast<size_t>(len), '\0');
      for (char& c : s) c = static_cast<char>(rng());
      std::string lower = s;
      for (char& c : lower) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      }
      REQUIRE(HashBytesNoCase(s.data(), s.size(), kSeed) ==
              HashBytes(lower.data(), lower.size(), kSeed));
    }
  }
  // Every byte value on its own, so the word-at-a-time folding is checked lane by lane.
  for (int b = 0; b < 256; ++b) {
    for (int pos = 0; pos < 8; ++pos) {
      char buf[8] = {'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'};
      buf[pos] = static_cast<char>(b);
      char low[8];
      std::memcpy(low, buf, 8);
      if (b >= 'A' && b <= 'Z') low[pos] = static_cast<char>(b + 32);
      REQUIRE(HashBytesNoCase(buf, 8, kSeed) == HashBytes(low, 8, kSeed));
    }
  }
}

TEST_CASE("RandomHashSeed returns fresh seeds") {
  HashSeed a = RandomHashSeed();
  HashSeed b = RandomHashSeed();
  CHECK((a.k0 != b.k0 || a.k1 != b.k1));
  CHECK((a.k0 != 0 || a.k1 != 0));
}

// --- basic operations -------------------------------------------------------------------------

TEST_CASE("empty dict owns nothing and first insert allocates 4 slots") {
  Fixture f;
  CHECK(f.dict.size() == 0);
  CHECK(f.dict.empty());
  CHECK(f.dict.BucketCount() == 0);
  CHECK(f.dict.Find("x") == nullptr);
  CHECK(f.dict.FindLink("x") == nullptr);
  CHECK(f.dict.Erase("x") == nullptr);
  CHECK(f.dict.RandomNode() == nullptr);
  CHECK(f.dict.Scan(0, [](Node*) { FAIL("no nodes"); }) == 0);
  Node* n = f.Add("x", 1);
  CHECK(f.dict.BucketCount() == 4);
  CHECK(f.dict.Find("x") == n);
  CHECK(f.dict.Find(std::string_view("x\0", 2)) == nullptr);
  CHECK(f.dict.size() == 1);
}

TEST_CASE("insert, find and erase 100k keys") {
  Fixture f;
  constexpr int kN = 100000;
  for (int i = 0; i < kN; ++i) f.Add(KeyOf(i), i);
  CHECK(f.dict.size() == kN);
  for (int i = 0; i < kN; ++i) {
    Node* n = f.dict.Find(KeyOf(i));
    REQUIRE(n != nullptr);
    REQUIRE(n->value == i);
  }
  CHECK(f.dict.Find("key:-1") == nullptr);
  CHECK(f.dict.Find(KeyOf(kN)) == nullptr);
  for (int i = 0; i < kN; i += 2) REQUIRE(f.Remove(KeyOf(i)));
  CHECK(f.dict.size() == kN / 2);
  for (int i = 0; i < kN; ++i) {
    REQUIRE((f.dict.Find(KeyOf(i)) != nullptr) == (i % 2 == 1));
  }
  CHECK_FALSE(f.Remove(KeyOf(0)));
  // The hash-once overloads agree with the plain ones.
  const std::string k = KeyOf(1);
  const uint64_t h = f.dict.HashKey(k);
  CHECK(f.dict.Find(k, h) == f.dict.Find(k));
  auto* n = new Node{nullptr, "fresh", 7};
  f.dict.Insert(n, f.dict.HashKey("fresh"));
  CHECK(f.dict.Find("fresh") == n);
}

TEST_CASE("incremental rehash: growth policy and invariants") {
  Fixture f;
  for (int i = 0; i < 4; ++i) f.Add(KeyOf(i));
  CHECK(f.dict.BucketCount() == 4);
  CHECK_FALSE(f.dict.IsRehashing());
  f.Add(KeyOf(4));  // size 4 >= 4 slots: grow to 8, incrementally
  CHECK(f.dict.IsRehashing());
  CHECK(f.dict.BucketCount() == 4 + 8);
  // Lookups keep working mid-rehash and each one moves work along.
  int finds = 0;
  while (f.dict.IsRehashing()) {
    for (int i = 0; i < 5; ++i) REQUIRE(f.dict.Find(KeyOf(i)) != nullptr);
    ++finds;
    REQUIRE(finds < 100);
  }
  CHECK(f.dict.BucketCount() == 8);

  std::mt19937 rng(3);
  std::set<int> live;
  for (int i = 0; i < 5; ++i) live.insert(i);
  int next = 5;
  for (int step = 0; step < 60000; ++step) {
    if (rng() % 3 != 0 || live.empty()) {
      f.Add(KeyOf(next));
      live.insert(next++);
    } else {
      auto it = live.lower_bound(static_cast<int>(rng() % static_cast<unsigned>(next)));
      if (it == live.end()) it = live.begin();
      REQUIRE(f.Remove(KeyOf(*it)));
      live.erase(it);
    }
    REQUIRE(f.dict.size() == live.size());
    if (!f.dict.IsRehashing()) {
      // Out of a rehash the single table has load factor at most 1 and a power-of-two size.
      REQUIRE(IsPowerOfTwo(f.dict.BucketCount()));
      REQUIRE(f.dict.size() <= f.dict.BucketCount());
    }
    if (step % 997 == 0) {
      for (int k : live) REQUIRE(f.dict.Find(KeyOf(k)) != nullptr);
    }
  }
}

TEST_CASE("RehashMicroseconds finishes a large rehash") {
  Fixture f;
  constexpr int kN = 1 << 16;
  // Inserting the (kN+1)th key finds kN keys in kN slots and starts kN -> 2*kN.
  for (int i = 0; i <= kN; ++i) f.Add(KeyOf(i));
  REQUIRE(f.dict.IsRehashing());
  int rounds = 0;
  while (f.dict.RehashMicroseconds(1000)) REQUIRE(++rounds < 100000);
  CHECK_FALSE(f.dict.IsRehashing());
  CHECK(f.dict.BucketCount() == 2 * kN);
  for (int i = 0; i <= kN; ++i) REQUIRE(f.dict.Find(KeyOf(i)) != nullptr);
}

TEST_CASE("MaybeShrink shrinks under 1/8 fill and frees an empty table") {
  Fixture f;
  for (int i = 0; i < 1024; ++i) f.Add(KeyOf(i));
  while (f.dict.RehashMicroseconds(1000)) {
  }
  CHECK(f.dict.BucketCount() == 1024);
  for (int i = 0; i < 1024 - 128; ++i) REQUIRE(f.Remove(KeyOf(i)));
  f.dict.MaybeShrink();  // 128 is not under 1024 / 8 yet
  CHECK_FALSE(f.dict.IsRehashing());
  CHECK(f.dict.BucketCount() == 1024);
  REQUIRE(f.Remove(KeyOf(1024 - 128)));
  CHECK(f.dict.size() == 127);
  f.dict.MaybeShrink();  // 127 < 128 -> next power of two >= 127
  CHECK(f.dict.IsRehashing());
  while (f.dict.RehashMicroseconds(1000)) {
  }
  CHECK(f.dict.BucketCount() == 128);
  f.dict.MaybeShrink();  // 127 of 128: no change
  CHECK(f.dict.BucketCount() == 128);
  for (int i = 1024 - 127; i < 1024; ++i) REQUIRE(f.dict.Find(KeyOf(i)) != nullptr);
  for (int i = 1024 - 127; i < 1024 - 3; ++i) REQUIRE(f.Remove(KeyOf(i)));
  f.dict.MaybeShrink();
  while (f.dict.RehashMicroseconds(1000)) {
  }
  CHECK(f.dict.BucketCount() == 4);  // never below the initial size
  for (int i = 1024 - 3; i < 1024; ++i) REQUIRE(f.Remove(KeyOf(i)));
  f.dict.MaybeShrink();
  CHECK(f.dict.BucketCount() == 0);
  f.Add("again");
  CHECK(f.dict.BucketCount() == 4);
}

TEST_CASE("FindLink, ReplaceAt and EraseAt") {
  Fixture f;
  constexpr int kN = 2000;
  for (int i = 0; i < kN; ++i) f.Add(KeyOf(i), i);
  // Replace every other node in place, including mid-rehash and in long chains.
  for (int i = 0; i < kN; i += 2) {
    Node** link = f.dict.FindLink(KeyOf(i));
    REQUIRE(link != nullptr);
    Node* old = *link;
    REQUIRE(old->value == i);
    auto* fresh = new Node{nullptr, KeyOf(i), -i};
    f.dict.ReplaceAt(link, fresh);
    delete old;
    if (i % 10 == 0) f.Add(KeyOf(kN + i), 0);  // keep growing so some replaces hit a rehash
  }
  for (int i = 0; i < kN; ++i) {
    Node* n = f.dict.Find(KeyOf(i));
    REQUIRE(n != nullptr);
    REQUIRE(n->value == (i % 2 == 0 ? -i : i));
  }
  const size_t before = f.dict.size();
  for (int i = 1; i < kN; i += 2) {
    Node** link = f.dict.FindLink(KeyOf(i));
    REQUIRE(link != nullptr);
    Node* n = f.dict.EraseAt(link);
    REQUIRE(n->key == KeyOf(i));
    delete n;
  }
  CHECK(f.dict.size() == before - kN / 2);
  CHECK(f.dict.FindLink(KeyOf(1)) == nullptr);
  size_t seen = 0;
  f.dict.ForEach([&](Node*) { ++seen; });
  CHECK(seen == f.dict.size());
}

TEST_CASE("EraseAt keeps per-table counts right while rehashing") {
  Fixture f;
  for (int i = 0; i < 65; ++i) f.Add(KeyOf(i));  // the 65th starts a rehash 64 -> 128
  REQUIRE(f.dict.IsRehashing());
  for (int i = 0; i < 65; ++i) {
    Node** link = f.dict.FindLink(KeyOf(i));
    REQUIRE(link != nullptr);
    delete f.dict.EraseAt(link);
    REQUIRE(f.dict.size() == static_cast<size_t>(64 - i));
  }
  while (f.dict.RehashMicroseconds(1000)) {
  }
  CHECK(f.dict.size() == 0);
  CHECK(f.dict.RandomNode() == nullptr);
}

TEST_CASE("Clear frees every node and the dict is reusable") {
  Fixture f;
  for (int i = 0; i < 5000; ++i) f.Add(KeyOf(i));
  REQUIRE(f.dict.IsRehashing());
  int freed = 0;
  f.dict.Clear([&](Node* n) {
    ++freed;
    delete n;
  });
  CHECK(freed == 5000);
  CHECK(f.dict.size() == 0);
  CHECK(f.dict.BucketCount() == 0);
  CHECK_FALSE(f.dict.IsRehashing());
  CHECK(f.dict.Find(KeyOf(1)) == nullptr);
  f.Add(KeyOf(1));
  CHECK(f.dict.Find(KeyOf(1)) != nullptr);
}

TEST_CASE("ForEach visits every node once, also mid-rehash") {
  Fixture f;
  for (int i = 0; i < 3000; ++i) f.Add(KeyOf(i));
  REQUIRE(f.dict.IsRehashing());
  std::unordered_map<std::string, int> seen;
  f.dict.ForEach([&](Node* n) { ++seen[n->key]; });
  CHECK(seen.size() == 3000);
  for (auto& [k, c] : seen) REQUIRE(c == 1);
}

TEST_CASE("RandomNode returns live nodes and reaches all of them") {
  Fixture f;
  constexpr int kN = 200;
  for (int i = 0; i < kN; ++i) f.Add(KeyOf(i));
  std::unordered_map<std::string, int> hits;
  for (int i = 0; i < 40000; ++i) {
    Node* n = f.dict.RandomNode();
    REQUIRE(n != nullptr);
    REQUIRE(f.dict.Find(n->key) == n);
    ++hits[n->key];
  }
  CHECK(hits.size() == kN);
  // Mid-rehash too (the draw then spans both tables).
  for (int i = kN; i < 256; ++i) f.Add(KeyOf(i));
  f.Add("trigger");
  REQUIRE(f.dict.IsRehashing());
  Node* n = f.dict.RandomNode();
  REQUIRE(n != nullptr);
  CHECK(f.dict.Find(n->key) == n);
  // A single key is always the answer.
  Fixture one;
  Node* only = one.Add("only");
  for (int i = 0; i < 10; ++i) CHECK(one.dict.RandomNode() == only);
}

// --- SCAN -------------------------------------------------------------------------------------

// Runs a full scan; between calls runs `between(call_index)`. Returns visit counts.
template <class Between>
std::unordered_map<std::string, int> FullScan(TestDict& d, Between&& between) {
  std::unordered_map<std::string, int> seen;
  uint64_t cursor = 0;
  int calls = 0;
  do {
    cursor = d.Scan(cursor, [&](Node* n) { ++seen[n->key]; });
    between(calls++);
    REQUIRE(calls < 10000000);
  } while (cursor != 0);
  return seen;
}

void CheckAllSeen(const std::unordered_map<std::string, int>& seen, int from, int to) {
  for (int i = from; i < to; ++i) {
    auto it = seen.find(KeyOf(i));
    REQUIRE_MESSAGE(it != seen.end(), "missed " << KeyOf(i));
  }
}

TEST_CASE("Scan visits everything on a stable table") {
  Fixture f;
  for (int i = 0; i < 10000; ++i) f.Add(KeyOf(i));
  while (f.dict.RehashMicroseconds(1000)) {
  }
  auto seen = FullScan(f.dict, [](int) {});
  CHECK(seen.size() == 10000);
  for (auto& [k, c] : seen) REQUIRE(c == 1);  // no table change, so no duplicates
}

TEST_CASE("Scan guarantee holds while the table grows between calls") {
  for (int mid_rehash = 0; mid_rehash < 2; ++mid_rehash) {
    Fixture f;
    constexpr int kN = 3000;
    for (int i = 0; i < kN; ++i) f.Add(KeyOf(i));
    if (!mid_rehash) {
      while (f.dict.RehashMicroseconds(1000)) {
      }
    }
    int next = kN;
    // Three doublings while the scan runs; growth must stop at some point or the scan, like
    // Redis's, never catches up.
    auto seen = FullScan(f.dict, [&](int) {
      for (int j = 0; j < 40 && next < 8 * kN; ++j) f.Add(KeyOf(next++));
    });
    CAPTURE(mid_rehash);
    CHECK(f.dict.size() == 8 * kN);
    CheckAllSeen(seen, 0, kN);
  }
}

TEST_CASE("Scan guarantee holds while the table shrinks between calls") {
  Fixture f;
  constexpr int kKeep = 300;
  constexpr int kTotal = 40000;
  for (int i = 0; i < kTotal; ++i) f.Add(KeyOf(i));
  while (f.dict.RehashMicroseconds(1000)) {
  }
  int next_delete = kKeep;
  auto seen = FullScan(f.dict, [&](int) {
    // Delete other keys, shrink whenever allowed, and push rehashing along.
    for (int j = 0; j < 400 && next_delete < kTotal; ++j) REQUIRE(f.Remove(KeyOf(next_delete++)));
    f.dict.MaybeShrink();
    f.dict.Find("nothing");
  });
  CHECK(f.dict.size() == kKeep);
  for (int i = 0; i < 3; ++i) {
    while (f.dict.RehashMicroseconds(1000)) {
    }
    f.dict.MaybeShrink();
  }
  CHECK(f.dict.BucketCount() == 512);
  CheckAllSeen(seen, 0, kKeep);
}

TEST_CASE("Scan guarantee under random growth, shrink, deletes and rehash between calls") {
  std::mt19937 rng(11);
  for (int round = 0; round < 12; ++round) {
    Fixture f;
    const int stable = 50 + static_cast<int>(rng() % 2000);
    for (int i = 0; i < stable; ++i) f.Add(KeyOf(i));
    std::vector<std::string> churn;
    int next = 1000000;
    auto seen = FullScan(f.dict, [&](int) {
      switch (rng() % 5) {
        case 0:
        case 1: {  // grow (bounded, so the scan terminates)
          int n = churn.size() < 5000 ? static_cast<int>(rng() % 300) : 0;
          for (int j = 0; j < n; ++j) {
            churn.push_back(KeyOf(next++));
            f.Add(churn.back());
          }
          break;
        }
        case 2: {  // delete churn keys, then maybe shrink
          size_t n = std::min<size_t>(churn.size(), rng() % 500);
          for (size_t j = 0; j < n; ++j) {
            REQUIRE(f.Remove(churn.back()));
            churn.pop_back();
          }
          f.dict.MaybeShrink();
          break;
        }
        case 3:
          f.dict.RehashMicroseconds(static_cast<int>(rng() % 50));
          break;
        default:
          f.dict.Find(KeyOf(static_cast<int>(rng() % static_cast<unsigned>(stable))));
          break;
      }
    });
    CAPTURE(round);
    CheckAllSeen(seen, 0, stable);
  }
}

TEST_CASE("Scan callback may erase the node it is given") {
  Fixture f;
  for (int i = 0; i < 5000; ++i) f.Add(KeyOf(i), i);
  REQUIRE(f.dict.IsRehashing());
  uint64_t cursor = 0;
  int erased = 0;
  do {
    cursor = f.dict.Scan(cursor, [&](Node* n) {
      if (n->value % 2 == 0) {
        // Lookups inside the callback must not move buckets under the scan.
        REQUIRE(f.dict.Find(n->key) == n);
        Node* gone = f.dict.Erase(n->key);
        REQUIRE(gone == n);
        delete gone;
        ++erased;
      }
    });
  } while (cursor != 0);
  CHECK(erased == 2500);
  CHECK(f.dict.size() == 2500);
  for (int i = 0; i < 5000; ++i) REQUIRE((f.dict.Find(KeyOf(i)) != nullptr) == (i % 2 == 1));
}

// --- traits hooks and moves -------------------------------------------------------------------

struct NoCaseTraits : NodeTraits {
  static uint64_t Hash(std::string_view key, const HashSeed& seed) {
    return HashBytesNoCase(key.data(), key.size(), seed);
  }
  static bool KeyEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
             return std::tolower(static_cast<unsigned char>(x)) ==
                    std::tolower(static_cast<unsigned char>(y));
           });
  }
};

TEST_CASE("Traits can supply their own hash and equality") {
  Dict<Node, NoCaseTraits> d(&kSeed);
  std::vector<std::unique_ptr<Node>> nodes;
  for (const char* k : {"GET", "Set", "hgetall", "ZADD", "subscribe", "Config"}) {
    nodes.push_back(std::make_unique<Node>(Node{nullptr, k, 0}));
    d.Insert(nodes.back().get());
  }
  CHECK(d.Find("get") == nodes[0].get());
  CHECK(d.Find("SET") == nodes[1].get());
  CHECK(d.Find("HGetAll") == nodes[2].get());
  CHECK(d.Find("config") == nodes[5].get());
  CHECK(d.Find("gets") == nullptr);
}

TEST_CASE("Dict is movable") {
  Fixture f;
  for (int i = 0; i < 100; ++i) f.Add(KeyOf(i));
  TestDict moved(std::move(f.dict));
  CHECK(f.dict.size() == 0);
  CHECK(f.dict.BucketCount() == 0);
  CHECK(moved.size() == 100);
  for (int i = 0; i < 100; ++i) REQUIRE(moved.Find(KeyOf(i)) != nullptr);
  f.dict = std::move(moved);
  CHECK(f.dict.size() == 100);
  CHECK(moved.size() == 0);  // NOLINT(bugprone-use-after-move): moved-from state is specified
  CHECK(f.dict.Find(KeyOf(42)) != nullptr);
}

}  // namespace
}  // namespace sable
