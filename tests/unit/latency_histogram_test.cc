#include "datastructs/latency_histogram.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <random>
#include <vector>

namespace sable {
namespace {

// 24 KiB of counters: kept off the stack.
std::unique_ptr<LatencyHistogram> Make() { return std::make_unique<LatencyHistogram>(); }

// What an HDR histogram reports: the slot of the sample at rank round(p% * n) (at least 1),
// reported as that slot's highest value (lowest for p = 0).
int64_t Reference(std::vector<int64_t> samples, double p) {
  std::sort(samples.begin(), samples.end());
  double q = std::min(p, 100.0);
  auto rank = static_cast<size_t>(q / 100 * static_cast<double>(samples.size()) + 0.5);
  if (rank == 0) rank = 1;
  size_t slot = LatencyHistogram::SlotOf(samples[rank - 1]);
  return p == 0.0 ? LatencyHistogram::LowestInSlot(slot) : LatencyHistogram::HighestInSlot(slot);
}

TEST_CASE("LatencyHistogram: slots follow HDR's layout for 2 significant figures") {
  // Values up to 255 are exact.
  for (int64_t v : {0, 1, 2, 127, 128, 200, 255}) {
    CHECK(LatencyHistogram::SlotOf(v) == static_cast<size_t>(v));
    CHECK(LatencyHistogram::LowestInSlot(LatencyHistogram::SlotOf(v)) == v);
    CHECK(LatencyHistogram::HighestInSlot(LatencyHistogram::SlotOf(v)) == v);
  }
  // Then 128 slots per power of two.
  CHECK(LatencyHistogram::SlotOf(256) == 256);
  CHECK(LatencyHistogram::SlotOf(257) == 256);
  CHECK(LatencyHistogram::SlotOf(511) == 383);
  CHECK(LatencyHistogram::SlotOf(512) == 384);
  CHECK(LatencyHistogram::HighestInSlot(LatencyHistogram::SlotOf(1000)) == 1003);
  CHECK(LatencyHistogram::LowestInSlot(LatencyHistogram::SlotOf(1000)) == 1000);
  CHECK(LatencyHistogram::HighestInSlot(LatencyHistogram::SlotOf(2000)) == 2007);
  CHECK(LatencyHistogram::HighestInSlot(LatencyHistogram::SlotOf(3000)) == 3007);
  CHECK(LatencyHistogram::LowestInSlot(LatencyHistogram::SlotOf(3000)) == 2992);
  // The top value fits: the last bucket covers [2^29, 2^30).
  size_t top = LatencyHistogram::SlotOf(LatencyHistogram::kHighest);
  CHECK(top < LatencyHistogram::kSlots);
  CHECK(LatencyHistogram::LowestInSlot(top) <= LatencyHistogram::kHighest);
  CHECK(LatencyHistogram::HighestInSlot(top) >= LatencyHistogram::kHighest);
  CHECK(LatencyHistogram::HighestInSlot(top) - LatencyHistogram::LowestInSlot(top) + 1 ==
        (int64_t{1} << 22));
}

TEST_CASE("LatencyHistogram: every value lies in its slot, slots tile the range") {
  int64_t expect_low = 0;
  for (size_t s = 0; s <= LatencyHistogram::SlotOf(LatencyHistogram::kHighest); ++s) {
    CHECK(LatencyHistogram::LowestInSlot(s) == expect_low);
    expect_low = LatencyHistogram::HighestInSlot(s) + 1;
  }
  std::mt19937_64 rng(7);
  for (int i = 0; i < 100000; ++i) {
    int64_t v = static_cast<int64_t>(rng() % (LatencyHistogram::kHighest + 1));
    size_t s = LatencyHistogram::SlotOf(v);
    CHECK(LatencyHistogram::LowestInSlot(s) <= v);
    CHECK(LatencyHistogram::HighestInSlot(s) >= v);
    // Relative error under 1% (2 significant figures).
    CHECK(LatencyHistogram::HighestInSlot(s) - LatencyHistogram::LowestInSlot(s) <= v / 100 + 1);
  }
}

TEST_CASE("LatencyHistogram: exactly 24 KiB, an allocator size class") {
  CHECK(sizeof(LatencyHistogram) == 24 * 1024);
}

TEST_CASE("LatencyHistogram: empty histogram") {
  auto h = Make();
  CHECK(h->total() == 0);
  CHECK(h->ValueAtPercentile(50) == 0);
  CHECK(h->ValueAtPercentile(0) == 0);
}

TEST_CASE("LatencyHistogram: samples are clamped to [1 ns, 1 s]") {
  auto h = Make();
  h->Record(0);
  h->Record(-5);
  CHECK(h->total() == 2);
  CHECK(h->ValueAtPercentile(100) == 1);
  h->Record(int64_t{5} * LatencyHistogram::kHighest);
  int64_t top = h->ValueAtPercentile(100);
  CHECK(top ==
        LatencyHistogram::HighestInSlot(LatencyHistogram::SlotOf(LatencyHistogram::kHighest)));
}

TEST_CASE("LatencyHistogram: percentiles as Redis reports them") {
  auto h = Make();
  h->Record(1000);
  h->Record(2000);
  h->Record(3000);
  CHECK(h->ValueAtPercentile(0) == 1000);  // lowest of the first slot
  CHECK(h->ValueAtPercentile(33.3) == 1003);
  CHECK(h->ValueAtPercentile(50) == 2007);  // rank round(1.5) = 2
  CHECK(h->ValueAtPercentile(99) == 3007);
  CHECK(h->ValueAtPercentile(99.9) == 3007);
  CHECK(h->ValueAtPercentile(100) == 3007);
  CHECK(h->ValueAtPercentile(150) == 3007);  // above 100 counts as 100
  // A single sample answers every percentile.
  auto one = Make();
  one->Record(50000000);
  CHECK(one->ValueAtPercentile(50) == one->ValueAtPercentile(99.9));
  CHECK(one->ValueAtPercentile(50) >= 50000000);
  CHECK(one->ValueAtPercentile(50) < int64_t{50000000} * 101 / 100);
}

TEST_CASE("LatencyHistogram: matches the rank-based reference on random samples") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; ++round) {
    auto h = Make();
    std::vector<int64_t> samples;
    size_t n = 1 + rng() % 2000;
    for (size_t i = 0; i < n; ++i) {
      // Log-uniform over the whole range, in whole microseconds as the server records them.
      int64_t us = static_cast<int64_t>(std::exp2(static_cast<double>(rng() % 2000) / 100.0)) - 1;
      int64_t ns = std::max<int64_t>(1, us * 1000);
      ns = std::min(ns, LatencyHistogram::kHighest);
      samples.push_back(ns);
      h->Record(ns);
    }
    CHECK(h->total() == n);
    for (double p : {0.0, 0.1, 1.0, 25.0, 50.0, 75.0, 90.0, 99.0, 99.9, 99.99, 100.0})
      CHECK(h->ValueAtPercentile(p) == Reference(samples, p));
  }
}

TEST_CASE("LatencyHistogram: LogCdf at powers of two from 1024 ns, as LATENCY HISTOGRAM") {
  auto h = Make();
  CHECK(h->LogCdf(1024).empty());
  for (int64_t v : {1, 1000, 1500, 5000, 2000000}) h->Record(v);
  auto cdf = h->LogCdf(1024);
  REQUIRE(cdf.size() == 4);       // the 4096 level adds nothing and is left out
  CHECK(cdf[0].highest == 1031);  // slot [1024, 1031]: 1 and 1000
  CHECK(cdf[0].cumulative == 2);
  CHECK(cdf[1].highest == 2063);
  CHECK(cdf[1].cumulative == 3);
  CHECK(cdf[2].highest == 8255);
  CHECK(cdf[2].cumulative == 4);
  CHECK(cdf[3].highest == 2097152 + 16383);
  CHECK(cdf[3].cumulative == 5);
  // A sample past the last level's slot: the 2^30 level lies beyond the last slot, which is
  // reported instead.
  h->Record(LatencyHistogram::kHighest);
  cdf = h->LogCdf(1024);
  REQUIRE(cdf.size() == 5);
  CHECK(cdf[4].highest == (int64_t{1} << 30) - 1);
  CHECK(cdf[4].cumulative == 6);
}

}  // namespace
}  // namespace sable
