#include "datastructs/latency_histogram.h"

namespace sable {

namespace {

// The bucket of a slot (slots below 2*kHalf are all bucket 0, one value each).
int BucketOfSlot(size_t slot) {
  int b = static_cast<int>(slot >> LatencyHistogram::kSubBucketBits) - 1;
  return b < 0 ? 0 : b;
}

}  // namespace

int64_t LatencyHistogram::LowestInSlot(size_t slot) {
  int b = BucketOfSlot(slot);
  int64_t sub = b == 0 ? static_cast<int64_t>(slot) : static_cast<int64_t>(slot) - b * kHalf;
  return sub << b;
}

int64_t LatencyHistogram::HighestInSlot(size_t slot) {
  return LowestInSlot(slot) + (int64_t{1} << BucketOfSlot(slot)) - 1;
}

uint64_t LatencyHistogram::total() const {
  uint64_t n = 0;
  for (uint64_t c : counts_) n += c;
  return n;
}

int64_t LatencyHistogram::ValueAtPercentile(double percentile) const {
  uint64_t total_count = total();
  if (total_count == 0) return 0;
  double p = percentile < 100.0 ? percentile : 100.0;
  auto wanted = static_cast<uint64_t>(p / 100 * static_cast<double>(total_count) + 0.5);
  if (wanted == 0) wanted = 1;
  uint64_t seen = 0;
  size_t slot = 0;
  for (; slot < kSlots; ++slot) {
    seen += counts_[slot];
    if (seen >= wanted) break;
  }
  if (slot == kSlots) return 0;  // unreachable: the counts add up to total_count
  return percentile == 0.0 ? LowestInSlot(slot) : HighestInSlot(slot);
}

std::vector<LatencyHistogram::CdfPoint> LatencyHistogram::LogCdf(int64_t first) const {
  std::vector<CdfPoint> out;
  const uint64_t total_count = total();
  uint64_t cumulative = 0;
  size_t next = 0;  // the first slot not yet added
  for (int64_t level = first; cumulative < total_count && level > 0; level *= 2) {
    size_t upto = SlotOf(level);
    if (upto >= kSlots) upto = kSlots - 1;
    uint64_t before = cumulative;
    for (; next <= upto; ++next) cumulative += counts_[next];
    if (cumulative > before) out.push_back({HighestInSlot(upto), cumulative});
    if (upto == kSlots - 1) break;
  }
  return out;
}

}  // namespace sable
