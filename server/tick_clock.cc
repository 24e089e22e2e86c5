#include "server/tick_clock.h"

#include <chrono>
#include <thread>

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

namespace sable {

namespace {
double g_ticks_per_us = 1.0;  // process-wide constants after Calibrate()
double g_us_per_tick = 1.0;

uint64_t SteadyNs() {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}
}  // namespace

uint64_t TickClock::Now() {
#if defined(__x86_64__)
  return __rdtsc();
#else
  return SteadyNs();
#endif
}

void TickClock::Calibrate() {
#if defined(__x86_64__)
  uint64_t t0 = Now(), n0 = SteadyNs();
  std::this_thread::sleep_for(std::chrono::milliseconds(10));
  uint64_t t1 = Now(), n1 = SteadyNs();
  double us = static_cast<double>(n1 - n0) / 1000.0;
  g_ticks_per_us = us > 0 ? static_cast<double>(t1 - t0) / us : 1.0;
  if (g_ticks_per_us <= 0) g_ticks_per_us = 1.0;
#else
  g_ticks_per_us = 1000.0;
#endif
  g_us_per_tick = 1.0 / g_ticks_per_us;
}

int64_t TickClock::ToMicros(uint64_t ticks) {
  return static_cast<int64_t>(static_cast<double>(ticks) * g_us_per_tick);
}

}  // namespace sable
