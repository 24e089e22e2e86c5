#include "datastructs/quicklist.h"

#include <doctest/doctest.h>

#include <deque>
#include <random>
#include <string>
#include <vector>

namespace sable {
namespace {

std::string Str(const LpValue& v) {
  char buf[kLpIntBufSize];
  return std::string(v.View(buf));
}

// Checks contents both ways plus the structural invariants of the header.
void Check(const Quicklist& ql, const std::deque<std::string>& model, int fill) {
  REQUIRE(ql.count() == model.size());
  std::vector<std::string> fwd, back;
  QuicklistPos pos = ql.At(0);
  while (pos) {
    fwd.push_back(Str(Quicklist::Get(pos)));
    if (!ql.Next(&pos)) break;
  }
  pos = ql.At(-1);
  while (pos) {
    back.push_back(Str(Quicklist::Get(pos)));
    if (!ql.Prev(&pos)) break;
  }
  std::vector<std::string> want(model.begin(), model.end());
  REQUIRE(fwd == want);
  REQUIRE(std::vector<std::string>(back.rbegin(), back.rend()) == want);
  size_t total = 0, nodes = 0;
  const QuicklistNode* prev = nullptr;
  for (const QuicklistNode* n = ql.head(); n != nullptr; n = n->next) {
    REQUIRE(n->prev == prev);
    REQUIRE(n->count > 0);
    if (n->plain) {
      REQUIRE(n->count == 1);
    } else {
      REQUIRE(LpLength(n->data) == n->count);
      REQUIRE(LpValidate(n->data, LpBytes(n->data), true));
      if (n->count > 1) {
        // A multi-element node respects the fill limit (inserts estimate generously).
        size_t bytes, count;
        Quicklist::NodeLimit(fill, &bytes, &count);
        if (count != SIZE_MAX) REQUIRE(n->count <= count);
        if (bytes != SIZE_MAX) REQUIRE(LpBytes(n->data) <= bytes);
      }
    }
    total += n->count;
    ++nodes;
    prev = n;
  }
  REQUIRE(prev == ql.tail());
  REQUIRE(total == ql.count());
  REQUIRE(nodes == ql.node_count());
}

TEST_CASE("quicklist: node limits") {
  size_t b, c;
  Quicklist::NodeLimit(-2, &b, &c);
  CHECK(b == 8192);
  CHECK(c == SIZE_MAX);
  Quicklist::NodeLimit(-9, &b, &c);  // clamped to -5
  CHECK(b == 65536);
  Quicklist::NodeLimit(0, &b, &c);
  CHECK(c == 1);
  Quicklist::NodeLimit(128, &b, &c);
  CHECK(c == 128);
  CHECK(!Quicklist::ExceedsLimit(-2, 8192, 100000));
  CHECK(Quicklist::ExceedsLimit(-2, 8193, 1));
  CHECK(Quicklist::ExceedsLimit(4, 100, 5));
  CHECK(Quicklist::ExceedsLimit(4, 8193, 2));  // the size safety limit
  CHECK(!Quicklist::ExceedsLimit(4, 8000, 4));
}

TEST_CASE("quicklist: pushes fill nodes up to the limit") {
  Quicklist ql(4);
  std::deque<std::string> model;
  for (int i = 0; i < 10; ++i) {
    ql.PushBack(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  Check(ql, model, 4);
  CHECK(ql.node_count() == 3);
  for (int i = 0; i < 10; ++i) {
    ql.PushFront("f" + std::to_string(i));
    model.push_front("f" + std::to_string(i));
  }
  Check(ql, model, 4);
  CHECK(Str(ql.Front()) == "f9");
  CHECK(Str(ql.Back()) == "9");
  ql.PopFront();
  ql.PopBack();
  model.pop_front();
  model.pop_back();
  Check(ql, model, 4);
}

TEST_CASE("quicklist: large elements live in plain nodes") {
  Quicklist ql(-2);
  std::deque<std::string> model;
  std::string big(10000, 'B');
  ql.PushBack("a");
  ql.PushBack(big);
  ql.PushBack("b");
  ql.PushFront(big + "x");
  model = {big + "x", "a", big, "b"};
  Check(ql, model, -2);
  CHECK(ql.head()->plain);
  CHECK(ql.node_count() == 4);
  // insert around a plain node, replace plain <-> packed
  ql.Insert(ql.At(2), "before-big", false);
  model.insert(model.begin() + 2, "before-big");
  ql.Insert(ql.At(3), "after-big", true);
  model.insert(model.begin() + 4, "after-big");
  Check(ql, model, -2);
  CHECK(ql.ReplaceAt(3, "small"));
  model[3] = "small";
  Check(ql, model, -2);
  CHECK(ql.ReplaceAt(1, big));
  model[1] = big;
  Check(ql, model, -2);
  CHECK(ql.ReplaceAt(0, big + "y"));
  model[0] = big + "y";
  Check(ql, model, -2);
  CHECK(!ql.ReplaceAt(100, "x"));
}

TEST_CASE("quicklist: packed threshold makes every element plain") {
  Quicklist ql(-2, 1);
  ql.PushBack("xxxxxxxxxx");
  ql.PushBack("9");
  ql.PushBack("");  // empty stays packed (0 < threshold)
  CHECK(ql.node_count() == 3);
  CHECK(ql.head()->plain);
  CHECK(!ql.tail()->plain);
  Check(ql, {"xxxxxxxxxx", "9", ""}, -2);
}

TEST_CASE("quicklist: insert into the middle of full nodes splits them") {
  Quicklist ql(3);
  std::deque<std::string> model;
  for (int i = 0; i < 9; ++i) {
    ql.PushBack(std::to_string(i));
    model.push_back(std::to_string(i));
  }
  ql.Insert(ql.At(4), "mid", true);
  model.insert(model.begin() + 5, "mid");
  Check(ql, model, 3);
  ql.Insert(ql.At(1), "m2", false);
  model.insert(model.begin() + 1, "m2");
  Check(ql, model, 3);
}

TEST_CASE("quicklist: erase while iterating both ways") {
  Quicklist ql(3);
  std::deque<std::string> model;
  for (int i = 0; i < 20; ++i) {
    std::string v = i % 3 == 0 ? "x" : std::to_string(i);
    ql.PushBack(v);
    model.push_back(v);
  }
  QuicklistPos pos = ql.At(0);
  while (pos) {
    if (Str(Quicklist::Get(pos)) == "x") {
      ql.Erase(&pos, true);
    } else if (!ql.Next(&pos)) {
      break;
    }
  }
  std::erase(model, "x");
  Check(ql, model, 3);
  pos = ql.At(-1);
  while (pos) {
    int v = std::stoi(Str(Quicklist::Get(pos)));
    if (v % 2 == 0) {
      ql.Erase(&pos, false);
    } else if (!ql.Prev(&pos)) {
      break;
    }
  }
  std::erase_if(model, [](const std::string& s) { return std::stoi(s) % 2 == 0; });
  Check(ql, model, 3);
}

TEST_CASE("quicklist: listpack hand-over and clone") {
  uint8_t* lp = LpNew();
  for (const char* s : {"a", "b", "c"}) lp = LpAppend(lp, s);
  Quicklist ql(-2);
  ql.AppendListpack(lp);
  ql.PushBack("d");
  Check(ql, {"a", "b", "c", "d"}, -2);
  Quicklist* copy = ql.Clone();
  Check(*copy, {"a", "b", "c", "d"}, -2);
  uint8_t* back = ql.TakeSingleListpack();
  REQUIRE(back != nullptr);
  CHECK(ql.count() == 0);
  CHECK(LpLength(back) == 4);
  LpFree(back);
  delete copy;

  void* v = ListValueOf(new Quicklist(-2));
  CHECK(ListIsQuicklist(v));
  ListAsQuicklist(v)->PushBack("z");
  void* dup = ListValueDup(v);
  CHECK(ListValueLength(dup) == 1);
  CHECK(std::string(ListValueEncoding(dup)) == "quicklist");
  ListValueFree(v);
  ListValueFree(dup);
  void* small = ListValueOf(LpAppend(LpNew(), "q"));
  CHECK(!ListIsQuicklist(small));
  CHECK(std::string(ListValueEncoding(small)) == "quicklist");  // Redis 7.0's name
  std::vector<std::string> seen;
  ListValueForEach(small, [&](const LpValue& e) { seen.push_back(Str(e)); });
  CHECK(seen == std::vector<std::string>{"q"});
  ListValueFree(small);
}

TEST_CASE("quicklist: list values built from elements pick their encoding") {
  std::vector<std::string_view> few = {"a", "12", "b"};
  void* v = ListValueFromElements(few, -2);
  CHECK(!ListIsQuicklist(v));
  CHECK(ListValueLength(v) == 3);
  ListValueFree(v);
  v = ListValueFromElements(few, 2);  // over a count limit of 2
  CHECK(ListIsQuicklist(v));
  CHECK(ListAsQuicklist(v)->node_count() == 2);
  std::vector<std::string> seen;
  ListValueForEach(v, [&](const LpValue& e) { seen.push_back(Str(e)); });
  CHECK(seen == std::vector<std::string>{"a", "12", "b"});
  ListValueFree(v);
  std::string big(9000, 'b');
  std::vector<std::string_view> one_big = {big};
  v = ListValueFromElements(one_big, -2);
  CHECK(ListIsQuicklist(v));
  CHECK(ListAsQuicklist(v)->head()->plain);
  ListValueFree(v);
}

TEST_CASE("quicklist: random operations against a deque model") {
  std::mt19937_64 rng(777);
  const int fills[] = {-2, -1, 1, 2, 5, 16, 128};
  const size_t thresholds[] = {Quicklist::kDefaultPackedThreshold, 10};
  for (int fill : fills) {
    for (size_t thr : thresholds) {
      Quicklist ql(fill, thr);
      std::deque<std::string> model;
      auto value = [&]() -> std::string {
        switch (rng() % 5) {
          case 0:
            return std::to_string(rng() % 1000);
          case 1:
            return std::string(rng() % 3000, 'a' + rng() % 26);
          case 2:
            return std::string(5000 + rng() % 6000, 'L');  // beyond -1's 4 KB
          case 3:
            return std::to_string(static_cast<int64_t>(rng()));
          default:
            return "v" + std::to_string(rng() % 50);
        }
      };
      for (int op = 0; op < 1500; ++op) {
        long n = static_cast<long>(model.size());
        switch (rng() % 9) {
          case 0: {
            std::string v = value();
            ql.PushBack(v);
            model.push_back(v);
            break;
          }
          case 1: {
            std::string v = value();
            ql.PushFront(v);
            model.push_front(v);
            break;
          }
          case 2:
            if (n > 0) {
              ql.PopFront();
              model.pop_front();
            }
            break;
          case 3:
            if (n > 0) {
              ql.PopBack();
              model.pop_back();
            }
            break;
          case 4:
            if (n > 0) {
              long i = static_cast<long>(rng() % n);
              bool after = rng() % 2;
              std::string v = value();
              ql.Insert(ql.At(i), v, after);
              model.insert(model.begin() + i + (after ? 1 : 0), v);
            }
            break;
          case 5:
            if (n > 0) {
              long i = static_cast<long>(rng() % n) - (rng() % 2 ? n : 0);
              std::string v = value();
              REQUIRE(ql.ReplaceAt(i, v));
              model[i < 0 ? i + n : i] = v;
            }
            break;
          case 6:
            if (n > 0) {
              long i = static_cast<long>(rng() % n);
              size_t cnt = rng() % 12;
              size_t removed = ql.DelRange(i, cnt);
              size_t want = std::min<size_t>(cnt, n - i);
              CHECK(removed == want);
              model.erase(model.begin() + i, model.begin() + i + want);
            }
            break;
          case 7:
            if (n > 0) {
              long i = static_cast<long>(rng() % n);
              QuicklistPos pos = ql.At(i);
              bool fwd = rng() % 2;
              ql.Erase(&pos, fwd);
              model.erase(model.begin() + i);
              long want = fwd ? i : i - 1;
              if (want >= 0 && want < static_cast<long>(model.size())) {
                REQUIRE(pos);
                CHECK(Str(Quicklist::Get(pos)) == model[want]);
              } else {
                CHECK(!pos);
              }
            }
            break;
          default:
            if (n > 0) {
              long i = static_cast<long>(rng() % n);
              CHECK(Str(Quicklist::Get(ql.At(i))) == model[i]);
              CHECK(Str(Quicklist::Get(ql.At(i - n))) == model[i]);
            }
            break;
        }
        if (op % 100 == 0) Check(ql, model, fill);
      }
      Check(ql, model, fill);
    }
  }
}

}  // namespace
}  // namespace sable
