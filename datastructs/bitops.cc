#include "datastructs/bitops.h"

#include <bit>
#include <cstring>

namespace sable::bitops {

namespace {

static_assert(std::endian::native == std::endian::little, "word loads assume little endian");

inline uint64_t Load64(const uint8_t* p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;
}

inline void Store64(uint8_t* p, uint64_t v) { memcpy(p, &v, 8); }

// Eight bytes as a big-endian number: byte 0 holds bits 0..7 in the bitmap's numbering.
inline uint64_t LoadBE64(const uint8_t* p) { return __builtin_bswap64(Load64(p)); }

// The counting loop, inlined into a plain and a POPCNT-enabled copy. Four independent sums
// let the CPU overlap the popcounts.
[[gnu::always_inline]] inline uint64_t PopcountLoop(const uint8_t* p, size_t n) {
  uint64_t c0 = 0, c1 = 0, c2 = 0, c3 = 0;
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    c0 += static_cast<uint64_t>(__builtin_popcountll(Load64(p + i)));
    c1 += static_cast<uint64_t>(__builtin_popcountll(Load64(p + i + 8)));
    c2 += static_cast<uint64_t>(__builtin_popcountll(Load64(p + i + 16)));
    c3 += static_cast<uint64_t>(__builtin_popcountll(Load64(p + i + 24)));
  }
  for (; i + 8 <= n; i += 8) c0 += static_cast<uint64_t>(__builtin_popcountll(Load64(p + i)));
  for (; i < n; ++i) c1 += static_cast<uint64_t>(__builtin_popcount(p[i]));
  return c0 + c1 + c2 + c3;
}

uint64_t PopcountGeneric(const uint8_t* p, size_t n) { return PopcountLoop(p, n); }

#if defined(__x86_64__)
[[gnu::target("popcnt")]] uint64_t PopcountHw(const uint8_t* p, size_t n) {
  return PopcountLoop(p, n);
}
bool HasPopcnt() {
  static const bool has = __builtin_cpu_supports("popcnt");
  return has;
}
#endif

inline int Pop8(uint8_t b) { return __builtin_popcount(b); }

// Mask of the bits of a byte at or after bit position `k` (0 = most significant).
inline uint8_t FromBit(uint64_t k) { return static_cast<uint8_t>(0xffu >> (k & 7)); }
// Mask of the bits of a byte at or before bit position `k`.
inline uint8_t UpToBit(uint64_t k) { return static_cast<uint8_t>(0xff00u >> ((k & 7) + 1)); }

// Index of the most significant set bit of a non-zero byte (0 = MSB).
inline int FirstSet8(uint8_t b) { return __builtin_clz(b) - 24; }

}  // namespace

uint64_t Popcount(const uint8_t* p, size_t n) {
#if defined(__x86_64__)
  if (HasPopcnt()) return PopcountHw(p, n);
#endif
  return PopcountGeneric(p, n);
}

uint64_t CountRange(const uint8_t* p, uint64_t first, uint64_t last) {
  uint64_t fb = first >> 3, lb = last >> 3;
  if (fb == lb) return static_cast<uint64_t>(Pop8(p[fb] & FromBit(first) & UpToBit(last)));
  auto edges = static_cast<uint64_t>(Pop8(p[fb] & FromBit(first))) +
               static_cast<uint64_t>(Pop8(p[lb] & UpToBit(last)));
  return edges + Popcount(p + fb + 1, lb - fb - 1);
}

int64_t FindBit(const uint8_t* p, uint64_t first, uint64_t last, int bit) {
  // Looking for zeros is looking for ones in the complement.
  const uint8_t flip8 = bit ? 0 : 0xff;
  const uint64_t flip64 = bit ? 0 : ~uint64_t{0};
  uint64_t fb = first >> 3, lb = last >> 3;
  auto hit = [](uint64_t byte, uint8_t v) { return static_cast<int64_t>(byte * 8 + FirstSet8(v)); };

  uint8_t v = static_cast<uint8_t>((p[fb] ^ flip8) & FromBit(first));
  if (fb == lb) {
    v &= UpToBit(last);
    return v ? hit(fb, v) : -1;
  }
  if (v) return hit(fb, v);
  uint64_t i = fb + 1;
  for (; i + 8 <= lb; i += 8) {
    uint64_t w = LoadBE64(p + i) ^ flip64;
    if (w) return static_cast<int64_t>(i * 8 + static_cast<uint64_t>(__builtin_clzll(w)));
  }
  for (; i < lb; ++i) {
    v = static_cast<uint8_t>(p[i] ^ flip8);
    if (v) return hit(i, v);
  }
  v = static_cast<uint8_t>((p[lb] ^ flip8) & UpToBit(last));
  return v ? hit(lb, v) : -1;
}

uint64_t GetUnsigned(std::string_view s, uint64_t offset, int bits) {
  // The field lies within the 9 bytes from offset/8 (7 bits of lead + up to 64 bits).
  uint8_t buf[9] = {};
  uint64_t byte = offset >> 3;
  if (byte < s.size()) {
    uint64_t avail = s.size() - byte;
    memcpy(buf, s.data() + byte, avail < 9 ? avail : 9);
  }
  unsigned shift = offset & 7;
  uint64_t v = LoadBE64(buf) << shift;
  if (shift) v |= buf[8] >> (8 - shift);
  return v >> (64 - bits);
}

int64_t GetSigned(std::string_view s, uint64_t offset, int bits) {
  uint64_t u = GetUnsigned(s, offset, bits);
  if (bits < 64 && (u >> (bits - 1)) & 1) u |= ~uint64_t{0} << bits;  // sign-extend
  return static_cast<int64_t>(u);
}

void SetBits(uint8_t* p, uint64_t offset, int bits, uint64_t value) {
  // Place the field in a 72-bit window covering the 9 bytes from offset/8, then merge the
  // bytes it touches.
  using U128 = unsigned __int128;
  unsigned shift = offset & 7;
  unsigned low = 72 - shift - static_cast<unsigned>(bits);  // bit index of the field's LSB
  U128 field_mask = ((U128{1} << bits) - 1) << low;
  U128 window = (U128{value} << low) & field_mask;
  uint8_t* b = p + (offset >> 3);
  unsigned nbytes = (shift + static_cast<unsigned>(bits) + 7) / 8;
  for (unsigned i = 0; i < nbytes; ++i) {
    unsigned sh = 64 - 8 * i;
    auto m = static_cast<uint8_t>(field_mask >> sh);
    auto v = static_cast<uint8_t>(window >> sh);
    b[i] = static_cast<uint8_t>((b[i] & ~m) | v);
  }
}

int CheckUnsigned(uint64_t value, int64_t incr, int bits, Overflow mode, uint64_t* limit) {
  const uint64_t max = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
  // Room left towards each bound, as Redis computes it (in int64, wrapping through uint64).
  const auto room_up = static_cast<int64_t>(max - value);
  const auto room_down = static_cast<int64_t>(uint64_t{0} - value);
  int dir = 0;
  if (value > max || (incr > 0 && incr > room_up)) {
    dir = 1;
  } else if (incr < 0 && incr < room_down) {
    dir = -1;
  } else {
    return 0;
  }
  if (mode == Overflow::kWrap) {
    uint64_t sum = value + static_cast<uint64_t>(incr);
    *limit = bits == 64 ? sum : sum & max;
  } else if (mode == Overflow::kSat) {
    *limit = dir > 0 ? max : 0;
  }
  return dir;
}

int CheckSigned(int64_t value, int64_t incr, int bits, Overflow mode, int64_t* limit) {
  const int64_t max = bits == 64 ? INT64_MAX : (int64_t{1} << (bits - 1)) - 1;
  const int64_t min = -max - 1;
  const auto uvalue = static_cast<uint64_t>(value);
  const auto room_up = static_cast<int64_t>(static_cast<uint64_t>(max) - uvalue);
  const auto room_down = static_cast<int64_t>(static_cast<uint64_t>(min) - uvalue);
  // Below 64 bits the room is exact for in-range values; at 64 bits it only means something
  // when value and incr have the same sign (otherwise the sum cannot leave int64).
  bool up =
      bits < 64 ? (value > max || incr > room_up) : (value >= 0 && incr > 0 && incr > room_up);
  bool down = !up && (bits < 64 ? (value < min || incr < room_down)
                                : (value < 0 && incr < 0 && incr < room_down));
  if (!up && !down) return 0;
  if (mode == Overflow::kWrap) {
    uint64_t sum = uvalue + static_cast<uint64_t>(incr);
    if (bits < 64) {
      uint64_t high = ~uint64_t{0} << bits;
      sum = ((sum >> (bits - 1)) & 1) ? (sum | high) : (sum & ~high);
    }
    *limit = static_cast<int64_t>(sum);
  } else if (mode == Overflow::kSat) {
    *limit = up ? max : min;
  }
  return up ? 1 : -1;
}

namespace {

// out[i] = f(out[i], in[i]) for i < len, eight bytes at a time.
template <typename F>
void Apply(uint8_t* out, const uint8_t* in, size_t len, F f) {
  size_t i = 0;
  for (; i + 8 <= len; i += 8) Store64(out + i, f(Load64(out + i), Load64(in + i)));
  for (; i < len; ++i) out[i] = static_cast<uint8_t>(f(out[i], in[i]));
}

}  // namespace

void Combine(Op op, const std::string_view* srcs, size_t n, uint8_t* out, size_t maxlen) {
  if (maxlen == 0) return;
  const size_t len0 = srcs[0].size();
  if (len0) memcpy(out, srcs[0].data(), len0);
  memset(out + len0, 0, maxlen - len0);
  if (op == Op::kNot) {
    size_t i = 0;
    for (; i + 8 <= maxlen; i += 8) Store64(out + i, ~Load64(out + i));
    for (; i < maxlen; ++i) out[i] = static_cast<uint8_t>(~out[i]);
    return;
  }
  // Chunked so the output block stays in L1 while every source is folded into it.
  constexpr size_t kChunk = 4096;
  for (size_t base = 0; base < maxlen; base += kChunk) {
    size_t end = base + kChunk < maxlen ? base + kChunk : maxlen;
    for (size_t k = 1; k < n; ++k) {
      const auto* in = reinterpret_cast<const uint8_t*>(srcs[k].data());
      size_t have = srcs[k].size() > base ? (srcs[k].size() < end ? srcs[k].size() : end) : base;
      size_t len = have - base;  // bytes of this source inside the chunk
      uint8_t* o = out + base;
      if (len == 0 && op != Op::kAnd) continue;
      switch (op) {
        case Op::kAnd:
          if (len) Apply(o, in + base, len, [](auto a, auto b) { return a & b; });
          memset(o + len, 0, end - base - len);  // past its end a source is zero
          break;
        case Op::kOr:
          Apply(o, in + base, len, [](auto a, auto b) { return a | b; });
          break;
        case Op::kXor:
          Apply(o, in + base, len, [](auto a, auto b) { return a ^ b; });
          break;
        case Op::kNot:
          break;
      }
    }
  }
}

}  // namespace sable::bitops
