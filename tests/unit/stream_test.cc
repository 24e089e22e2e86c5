#include "datastructs/stream.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <utility>
#include <vector>

namespace sable {
namespace {

using Entry = std::pair<std::string, std::vector<std::string>>;  // "ms-seq", [f, v, ...]

std::vector<Entry> Range(const Stream& s, StreamId start = {0, 0}, StreamId end = StreamId::Max(),
                         bool rev = false) {
  std::vector<Entry> out;
  Stream::Iterator it(s, start, end, rev);
  StreamId id;
  int64_t n;
  while (it.Next(&id, &n)) {
    Entry e{id.ToString(), {}};
    while (n--) {
      std::string_view f, v;
      it.Field(&f, &v);
      e.second.emplace_back(f);
      e.second.emplace_back(v);
    }
    out.push_back(std::move(e));
  }
  return out;
}

StreamId Add(Stream* s, StreamId id, std::vector<std::string_view> fv,
             StreamNodeLimits lim = StreamNodeLimits()) {
  StreamId added;
  REQUIRE(s->Add(fv, &id, true, 0, lim, &added) == Stream::AddResult::kOk);
  return added;
}

TEST_CASE("stream: ID parsing and formatting") {
  StreamId id;
  bool given;
  CHECK(ParseStreamId("12-34", 0, true, nullptr, &id));
  CHECK(id == StreamId{12, 34});
  CHECK(ParseStreamId("12", 7, true, nullptr, &id));
  CHECK(id == StreamId{12, 7});
  CHECK(ParseStreamId("-", 0, false, nullptr, &id));
  CHECK(id.IsZero());
  CHECK(ParseStreamId("+", 0, false, nullptr, &id));
  CHECK(id == StreamId::Max());
  CHECK_FALSE(ParseStreamId("+", 0, true, nullptr, &id));
  CHECK(ParseStreamId("5-*", 0, true, &given, &id));
  CHECK_FALSE(given);
  CHECK_FALSE(ParseStreamId("5-*", 0, true, nullptr, &id));
  CHECK_FALSE(ParseStreamId("a-1", 0, true, nullptr, &id));
  CHECK_FALSE(ParseStreamId("1-", 0, true, nullptr, &id));
  CHECK_FALSE(ParseStreamId("-1", 0, true, nullptr, &id));
  CHECK(ParseStreamId("18446744073709551615-18446744073709551615", 0, true, nullptr, &id));
  CHECK(id.ToString() == "18446744073709551615-18446744073709551615");
  StreamId m = StreamId::Max();
  CHECK_FALSE(m.Incr());
  CHECK(m.IsZero());
  CHECK_FALSE(m.Decr());
  CHECK(m == StreamId::Max());
}

TEST_CASE("stream: add, iterate both ways, master-field compression") {
  Stream s;
  Add(&s, {1, 0}, {"a", "1", "b", "2"});
  Add(&s, {1, 5}, {"a", "3", "b", "4"});       // same fields as the master entry
  Add(&s, {2, 0}, {"c", "x"});                 // different fields
  Add(&s, {3, 0}, {"a", "-7", "b", "99999"});  // integers stored as integers
  CHECK(s.length() == 4);
  CHECK(s.nodes().size() == 1);
  auto all = Range(s);
  REQUIRE(all.size() == 4);
  CHECK(all[1] == Entry{"1-5", {"a", "3", "b", "4"}});
  CHECK(all[2] == Entry{"2-0", {"c", "x"}});
  CHECK(all[3] == Entry{"3-0", {"a", "-7", "b", "99999"}});
  auto rev = Range(s, {0, 0}, StreamId::Max(), true);
  REQUIRE(rev.size() == 4);
  CHECK(rev[0] == all[3]);
  CHECK(rev[3] == all[0]);
  CHECK(Range(s, {1, 1}, {2, 0}).size() == 2);
  CHECK(Range(s, {1, 1}, {2, 0}, true).front().first == "2-0");
  CHECK(s.last_id() == StreamId{3, 0});
  CHECK(s.first_id() == StreamId{1, 0});
  StreamId bad{3, 0};
  StreamId out;
  std::vector<std::string_view> fv{"f", "v"};
  CHECK(s.Add(fv, &bad, true, 0, {}, &out) == Stream::AddResult::kIdNotGreater);
  CHECK(s.Add(fv, &bad, false, 0, {}, &out) == Stream::AddResult::kOk);  // "3-*"
  CHECK(out == StreamId{3, 1});
  CHECK(s.Add(fv, nullptr, true, 2, {}, &out) == Stream::AddResult::kOk);  // clock behind
  CHECK(out == StreamId{3, 2});
  CHECK(s.Add(fv, nullptr, true, 100, {}, &out) == Stream::AddResult::kOk);
  CHECK(out == StreamId{100, 0});
}

TEST_CASE("stream: nodes split by entries and bytes; delete and trim") {
  StreamNodeLimits lim{4096, 10};
  Stream s;
  for (uint64_t i = 1; i <= 95; ++i) Add(&s, {i, 0}, {"item", std::to_string(i)}, lim);
  CHECK(s.nodes().size() == 10);
  CHECK(s.length() == 95);
  CHECK(s.Delete({50, 0}));
  CHECK_FALSE(s.Delete({50, 0}));
  CHECK(s.length() == 94);
  CHECK(Range(s, {49, 0}, {51, 0}).size() == 2);
  CHECK(Range(s, {49, 0}, {51, 0}, true).size() == 2);

  // Approximate trimming removes whole nodes only.
  StreamTrimArgs t;
  t.strategy = StreamTrimArgs::kMaxLen;
  t.approx = true;
  t.maxlen = 55;
  CHECK(s.Trim(t) == 30);  // nodes 1-10 .. 21-30: dropping 31-40 would leave 54
  CHECK(s.length() == 64);
  CHECK(s.first_id() == StreamId{31, 0});
  t.approx = false;
  t.maxlen = 50;
  CHECK(s.Trim(t) == 14);  // node 31-40, then tombstones in 41-50
  CHECK(s.first_id() == StreamId{45, 0});
  CHECK(Range(s).front().first == "45-0");
  CHECK(s.nodes().begin()->first == StreamId{41, 0});
  t.strategy = StreamTrimArgs::kMinId;
  t.minid = {90, 0};
  CHECK(s.Trim(t) == 44);
  CHECK(s.length() == 6);
  CHECK(Range(s).front().first == "90-0");

  // Delete every entry: nodes go away with their last live entry.
  for (uint64_t i = 90; i <= 95; ++i) CHECK(s.Delete({i, 0}));
  CHECK(s.length() == 0);
  CHECK(s.nodes().empty());

  Stream big;
  std::string v(1000, 'x');
  for (uint64_t i = 1; i <= 10; ++i) Add(&big, {i, 0}, {"f", v}, lim);
  CHECK(big.nodes().size() == 3);  // a 4096-byte node takes four 1000-byte values
}

TEST_CASE("stream: random operations agree with a model") {
  std::mt19937 rng(7);
  StreamNodeLimits lim{256, 5};
  Stream s;
  std::vector<Entry> model;
  uint64_t ms = 1;
  for (int step = 0; step < 2000; ++step) {
    int op = static_cast<int>(rng() % 10);
    if (op < 6) {
      ms += rng() % 3;
      std::vector<std::string> fv;
      int nf = 1 + static_cast<int>(rng() % 3);
      for (int i = 0; i < nf; ++i) {
        fv.push_back(rng() % 4 ? "f" + std::to_string(i) : "g");
        fv.push_back(std::to_string(rng() % 1000 - 500));
      }
      std::vector<std::string_view> views(fv.begin(), fv.end());
      StreamId id{ms, 0}, out;
      if (s.Add(views, &id, false, 0, lim, &out) != Stream::AddResult::kOk) continue;
      model.push_back({out.ToString(), fv});
    } else if (op < 8 && !model.empty()) {
      size_t i = rng() % model.size();
      StreamId id;
      REQUIRE(ParseStreamId(model[i].first, 0, true, nullptr, &id));
      CHECK(s.Delete(id));
      model.erase(model.begin() + static_cast<long>(i));
    } else if (op == 8) {
      StreamTrimArgs t;
      t.strategy = StreamTrimArgs::kMaxLen;
      t.maxlen = static_cast<int64_t>(model.size() * 3 / 4);
      int64_t n = s.Trim(t);
      CHECK(static_cast<size_t>(n) == model.size() - static_cast<size_t>(t.maxlen));
      model.erase(model.begin(), model.end() - t.maxlen);
    } else {
      auto rev = Range(s, {0, 0}, StreamId::Max(), true);
      std::vector<Entry> back(rev.rbegin(), rev.rend());
      CHECK(back == model);
    }
    REQUIRE(s.length() == model.size());
  }
  CHECK(Range(s) == model);
  auto copy = s.Clone();
  CHECK(Range(*copy) == model);
  for (const auto& [id, lp] : s.nodes()) CHECK(Stream::ValidateNode(lp, LpBytes(lp), true));
}

TEST_CASE("stream: consumer groups, PEL and clone") {
  Stream s;
  Add(&s, {1, 0}, {"a", "1"});
  Add(&s, {2, 0}, {"a", "2"});
  StreamGroup* g = s.CreateGroup("g", {0, 0}, 0);
  REQUIRE(g != nullptr);
  CHECK(s.CreateGroup("g", {0, 0}, 0) == nullptr);
  StreamConsumer* alice = g->CreateConsumer("alice", 10);
  StreamConsumer* bob = g->CreateConsumer("bob", 11);
  CHECK(g->CreateConsumer("alice", 12) == nullptr);
  for (uint64_t i = 1; i <= 2; ++i) {
    auto [it, ok] = g->pel.try_emplace({i, 0}, StreamNack{100, 1, alice});
    alice->pel[{i, 0}] = &it->second;
  }
  g->Reassign({2, 0}, &g->pel.find({2, 0})->second, bob);
  CHECK(alice->pel.size() == 1);
  CHECK(bob->pel.size() == 1);

  auto copy = s.Clone();
  StreamGroup* cg = copy->FindGroup("g");
  REQUIRE(cg != nullptr);
  CHECK(cg->pel.size() == 2);
  CHECK(cg->FindConsumer("bob")->pel.begin()->second->consumer == cg->FindConsumer("bob"));
  CHECK(cg->FindConsumer("bob")->seen_time == 11);

  g->Ack(g->pel.find({1, 0}));
  CHECK(alice->pel.empty());
  g->DeleteConsumer(bob);
  CHECK(g->pel.empty());
  CHECK(g->consumers.size() == 1);
  CHECK(cg->pel.size() == 2);  // the copy is independent
  CHECK(s.DestroyGroup("g"));
  CHECK_FALSE(s.DestroyGroup("g"));
}

TEST_CASE("stream: read counters for consumer-group lag") {
  Stream s;
  CHECK(s.EstimateDistanceFromFirstEverEntry({5, 0}) == 0);
  for (uint64_t i = 1; i <= 5; ++i) Add(&s, {i, 0}, {"d", "x"});
  CHECK(s.EstimateDistanceFromFirstEverEntry({5, 0}) == 5);
  CHECK(s.EstimateDistanceFromFirstEverEntry({0, 0}) == 0);
  CHECK(s.EstimateDistanceFromFirstEverEntry({1, 0}) == 1);
  CHECK(s.EstimateDistanceFromFirstEverEntry({3, 0}) == StreamGroup::kInvalidEntriesRead);
  CHECK(s.EstimateDistanceFromFirstEverEntry({6, 0}) == StreamGroup::kInvalidEntriesRead);
  s.Delete({3, 0});
  s.set_max_deleted_id({3, 0});
  CHECK(s.RangeHasTombstones({2, 0}, StreamId::Max()));
  CHECK_FALSE(s.RangeHasTombstones({4, 0}, StreamId::Max()));
}

}  // namespace
}  // namespace sable
