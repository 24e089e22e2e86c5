// Bit algorithms over byte strings, numbered as Redis's bitmap commands see them: bit 0 is the
// most significant bit of byte 0. Pure functions, no allocation; the commands in
// server/commands/bitmaps.cc do the parsing, range clamping and storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace sable::bitops {

// Set bits in p[0, n). 64-bit popcount over words (the CPU's POPCNT when it has one).
uint64_t Popcount(const uint8_t* p, size_t n);

// Set bits in the inclusive bit range [first, last]. REQUIRES: first <= last < 8 * size of p.
uint64_t CountRange(const uint8_t* p, uint64_t first, uint64_t last);

// Position of the first bit equal to `bit` (0 or 1) in the inclusive bit range [first, last],
// or -1 if there is none. REQUIRES: first <= last < 8 * size of p.
int64_t FindBit(const uint8_t* p, uint64_t first, uint64_t last, int bit);

// Bitfields: `bits`-wide integers (1..64) at any bit offset, most significant bit first.
// The Get functions read `s` as if it were zero-padded on the right without limit.
uint64_t GetUnsigned(std::string_view s, uint64_t offset, int bits);
int64_t GetSigned(std::string_view s, uint64_t offset, int bits);
// Writes the low `bits` bits of `value`. REQUIRES: p holds at least (offset + bits + 7) / 8 bytes.
void SetBits(uint8_t* p, uint64_t offset, int bits, uint64_t value);

enum class Overflow { kWrap, kSat, kFail };

// Checks `value + incr` against the range of a `bits`-wide unsigned (bits <= 63) or signed
// (bits <= 64) integer, with Redis 7.0's exact arithmetic (including its quirks for SET values
// far outside the range, which count as an overflow upwards). Returns 0 if it fits, 1 on
// overflow, -1 on underflow; on a non-zero result with kWrap or kSat, *limit receives the
// value to store (wrapped around, or saturated at the bound). kFail leaves *limit alone.
int CheckUnsigned(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t* limit);
int CheckSigned(int64_t value, int64_t incr, int bits, Overflow mode, int64_t* limit);

enum class Op { kAnd, kOr, kXor, kNot };

// BITOP: combines `n` sources into out[0, maxlen), where maxlen is the longest source length.
// Shorter sources count as zero-padded. kNot uses only srcs[0]. `out` must not overlap a source.
void Combine(Op op, const std::string_view* srcs, size_t n, uint8_t* out, size_t maxlen);

}  // namespace sable::bitops
