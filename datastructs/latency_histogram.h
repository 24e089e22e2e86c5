// LatencyHistogram: counts of latencies in nanoseconds over [1 ns, 1 s], log-linear, with the
// bucket layout and percentile semantics of an HDR histogram configured as Redis 7.0 configures
// its per-command ones (lowest discernible value 1, highest trackable 1e9, 2 significant
// figures). So INFO latencystats reports the same numbers redis-server would for the same
// samples.
//
// Layout: values 0..255 have a slot each (bucket 0); above that, bucket k >= 1 covers
// [2^(k+7), 2^(k+8)) with 128 slots of width 2^k, i.e. a relative error below 1%. The slot of v
// is k*128 + (v >> k), where k = max(0, bit_width(v) - 8): one count-leading-zeros, a shift and an
// add, so Record is a handful of instructions. Values outside [kLowest, kHighest] are clamped.
//
// One histogram is a flat array of 3,072 counters, exactly 24 KiB (an allocator size class; the
// sample count is summed when asked for): callers allocate it only once there is a first sample
// to record.
#ifndef SABLE_DATASTRUCTS_LATENCY_HISTOGRAM_H_
#define SABLE_DATASTRUCTS_LATENCY_HISTOGRAM_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace sable {

class LatencyHistogram {
 public:
  static constexpr int64_t kLowest = 1;
  static constexpr int64_t kHighest = 1000000000;  // 1 s in ns
  static constexpr int kSubBucketBits = 7;         // 128 slots per bucket above bucket 0
  static constexpr int64_t kHalf = int64_t{1} << kSubBucketBits;
  // Buckets needed for kHighest: bucket 22 covers [2^29, 2^30), which holds 1e9.
  static constexpr int kBuckets = 23;
  static constexpr size_t kSlots = static_cast<size_t>(kBuckets + 1) * kHalf;

  // Counts one sample of `ns` nanoseconds (clamped to [kLowest, kHighest]).
  void Record(int64_t ns) {
    if (ns < kLowest) ns = kLowest;
    if (ns > kHighest) ns = kHighest;
    ++counts_[SlotOf(ns)];
  }

  // The number of samples (a sum over all slots).
  uint64_t total() const;

  // A cumulative distribution at powers of two, as HDR's logarithmic iteration gives it (Redis's
  // LATENCY HISTOGRAM): for the levels first, 2*first, 4*first, ... the highest value of the
  // slot holding the level, with the count of samples up to and including that slot. Levels
  // that add no samples are left out; the last point is the first level reaching the largest
  // sample. A level past the last slot reports the last slot. Empty when there are no samples.
  struct CdfPoint {
    int64_t highest;
    uint64_t cumulative;
  };
  std::vector<CdfPoint> LogCdf(int64_t first) const;

  // HDR's hdr_value_at_percentile: the smallest slot whose cumulative count reaches
  // round(percentile/100 * total) (at least 1), reported as the highest value that slot holds
  // (its lowest for percentile 0). `percentile` above 100 counts as 100. 0 when empty.
  int64_t ValueAtPercentile(double percentile) const;

  // The slot holding v (0 <= v <= kHighest) and the range of values a slot holds.
  static size_t SlotOf(int64_t v) {
    int shift = std::bit_width(static_cast<uint64_t>(v) | (2 * kHalf - 1)) - (kSubBucketBits + 1);
    return (static_cast<size_t>(shift) << kSubBucketBits) + static_cast<size_t>(v >> shift);
  }
  static int64_t LowestInSlot(size_t slot);
  static int64_t HighestInSlot(size_t slot);

 private:
  uint64_t counts_[kSlots] = {};
};

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_LATENCY_HISTOGRAM_H_
