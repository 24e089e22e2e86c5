#include "datastructs/hash.h"

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstring>

namespace sable {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

// Little-endian load independent of host byte order and alignment.
inline uint64_t Load64(const unsigned char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof(v));
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#endif
  return v;
}

inline unsigned char AsciiLower(unsigned char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<unsigned char>(c + ('a' - 'A')) : c;
}

// Lowercases the eight bytes of a little-endian word at once: a byte b is in 'A'..'Z' iff
// (b + 0x3f) has its high bit set and (b + 0x25) does not, computed per byte with the high bits
// masked off first so no carry crosses lanes.
inline uint64_t LowerWord(uint64_t w) {
  constexpr uint64_t kHigh = 0x8080808080808080ULL;
  constexpr uint64_t kLow7 = 0x7f7f7f7f7f7f7f7fULL;
  uint64_t low = w & kLow7;
  uint64_t ge_a = low + 0x3f3f3f3f3f3f3f3fULL;    // high bit set iff low7 >= 'A' (0x41)
  uint64_t gt_z = low + 0x2525252525252525ULL;    // high bit set iff low7 > 'Z' (0x5a)
  uint64_t is_upper = ge_a & ~gt_z & ~w & kHigh;  // and the byte itself is < 0x80
  return w | (is_upper >> 2);                     // 0x80 >> 2 == 0x20, the case bit
}

struct SipState {
  uint64_t v0, v1, v2, v3;

  explicit SipState(const HashSeed& seed)
      : v0(seed.k0 ^ 0x736f6d6570736575ULL),
        v1(seed.k1 ^ 0x646f72616e646f6dULL),
        v2(seed.k0 ^ 0x6c7967656e657261ULL),
        v3(seed.k1 ^ 0x7465646279746573ULL) {}

  inline void Round() {
    v0 += v1;
    v1 = Rotl(v1, 13);
    v1 ^= v0;
    v0 = Rotl(v0, 32);
    v2 += v3;
    v3 = Rotl(v3, 16);
    v3 ^= v2;
    v0 += v3;
    v3 = Rotl(v3, 21);
    v3 ^= v0;
    v2 += v1;
    v1 = Rotl(v1, 17);
    v1 ^= v2;
    v2 = Rotl(v2, 32);
  }
};

template <int kCRounds, int kDRounds, bool kNoCase>
uint64_t Sip(const void* data, size_t n, const HashSeed& seed) {
  const auto* p = static_cast<const unsigned char*>(data);
  SipState s(seed);
  const size_t whole = n & ~static_cast<size_t>(7);
  for (size_t i = 0; i < whole; i += 8) {
    uint64_t m = Load64(p + i);
    if constexpr (kNoCase) m = LowerWord(m);
    s.v3 ^= m;
    for (int r = 0; r < kCRounds; ++r) s.Round();
    s.v0 ^= m;
  }
  // Final block: remaining bytes in the low lanes, total length (mod 256) in the top byte.
  uint64_t b = static_cast<uint64_t>(n) << 56;
  for (size_t i = whole; i < n; ++i) {
    unsigned char c = p[i];
    if constexpr (kNoCase) c = AsciiLower(c);
    b |= static_cast<uint64_t>(c) << (8 * (i - whole));
  }
  s.v3 ^= b;
  for (int r = 0; r < kCRounds; ++r) s.Round();
  s.v0 ^= b;
  s.v2 ^= 0xff;
  for (int r = 0; r < kDRounds; ++r) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

// splitmix64 finaliser: spreads weak entropy (clock, pid) over all bits.
uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

bool ReadUrandom(void* buf, size_t n) {
  int fd = ::open("/dev/urandom", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  auto* out = static_cast<unsigned char*>(buf);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::read(fd, out + got, n - got);
    if (r <= 0) break;  // EINTR is unlikely on urandom; a short read just falls back.
    got += static_cast<size_t>(r);
  }
  ::close(fd);
  return got == n;
}

}  // namespace

uint64_t HashBytes(const void* p, size_t n, const HashSeed& seed) {
  return Sip<1, 2, false>(p, n, seed);
}

uint64_t HashBytesNoCase(const void* p, size_t n, const HashSeed& seed) {
  return Sip<1, 2, true>(p, n, seed);
}

uint64_t SipHash24(const void* p, size_t n, const HashSeed& seed) {
  return Sip<2, 4, false>(p, n, seed);
}

HashSeed RandomHashSeed() {
  HashSeed seed{0, 0};
  if (ReadUrandom(&seed, sizeof(seed))) return seed;
  uint64_t wall =
      static_cast<uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
  uint64_t mono =
      static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
  uint64_t pid = static_cast<uint64_t>(::getpid());
  uint64_t addr = reinterpret_cast<uintptr_t>(&seed);  // ASLR adds a few bits
  seed.k0 = Mix64(wall ^ Mix64(pid));
  seed.k1 = Mix64(mono ^ Mix64(addr) ^ (pid << 32));
  return seed;
}

}  // namespace sable
