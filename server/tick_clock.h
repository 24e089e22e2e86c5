// Cheap monotonic ticks for timing every command (commandstats, slowlog, latency monitor):
// the TSC on x86-64 (a few cycles, where clock_gettime costs far more under virtualisation),
// steady_clock elsewhere. Calibrated once against steady_clock at start-up.
#pragma once

#include <cstdint>

namespace sable {

class TickClock {
 public:
  static void Calibrate();  // call once at start-up (takes ~10 ms)
  static uint64_t Now();
  static int64_t ToMicros(uint64_t ticks);
};

}  // namespace sable
