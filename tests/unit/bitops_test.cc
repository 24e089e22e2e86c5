#include "datastructs/bitops.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sable::bitops {
namespace {

// Bit-at-a-time references.
int BitAt(const std::string& s, uint64_t i) {
  if (i / 8 >= s.size()) return 0;
  return (static_cast<uint8_t>(s[i / 8]) >> (7 - i % 8)) & 1;
}

uint64_t NaiveCount(const std::string& s, uint64_t first, uint64_t last) {
  uint64_t n = 0;
  for (uint64_t i = first; i <= last; ++i) n += BitAt(s, i);
  return n;
}

int64_t NaiveFind(const std::string& s, uint64_t first, uint64_t last, int bit) {
  for (uint64_t i = first; i <= last; ++i)
    if (BitAt(s, i) == bit) return static_cast<int64_t>(i);
  return -1;
}

uint64_t NaiveGet(const std::string& s, uint64_t offset, int bits) {
  uint64_t v = 0;
  for (int i = 0; i < bits; ++i) v = (v << 1) | static_cast<uint64_t>(BitAt(s, offset + i));
  return v;
}

const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }

std::string RandomBytes(std::mt19937_64& rng, size_t n, int style) {
  std::string s(n, '\0');
  // style 0: random bytes; 1: mostly zero bytes (sparse ones); 2: mostly 0xff (sparse zeros)
  for (auto& c : s) {
    char fill = style == 1 ? '\0' : '\xff';
    c = (style == 0 || rng() % 16 == 0) ? static_cast<char>(rng()) : fill;
  }
  return s;
}

TEST_CASE("Popcount matches a per-bit count at every length and alignment") {
  std::mt19937_64 rng(1);
  std::string buf = RandomBytes(rng, 300, 0);
  for (size_t off = 0; off < 9; ++off)
    for (size_t n = 0; n + off <= buf.size(); n += (n < 80 ? 1 : 37))
      CHECK(Popcount(U8(buf) + off, n) == (n ? NaiveCount(buf, off * 8, (off + n) * 8 - 1) : 0));
  std::string ones(1000, '\xff');
  CHECK(Popcount(U8(ones), ones.size()) == 8000);
}

TEST_CASE("CountRange counts partial first and last bytes") {
  std::string s("\xff\xf0\x00\x0f", 4);
  CHECK(CountRange(U8(s), 0, 7) == 8);
  CHECK(CountRange(U8(s), 3, 5) == 3);
  CHECK(CountRange(U8(s), 4, 11) == 8);
  CHECK(CountRange(U8(s), 12, 27) == 0);
  CHECK(CountRange(U8(s), 12, 31) == 4);
  CHECK(CountRange(U8(s), 31, 31) == 1);
  std::mt19937_64 rng(2);
  for (int t = 0; t < 2000; ++t) {
    std::string r = RandomBytes(rng, 1 + rng() % 64, t % 3);
    uint64_t bits = r.size() * 8;
    uint64_t a = rng() % bits, b = rng() % bits;
    if (a > b) std::swap(a, b);
    CHECK(CountRange(U8(r), a, b) == NaiveCount(r, a, b));
  }
}

TEST_CASE("FindBit locates the first 0 or 1 inside a bit range") {
  std::string s("\x00\x00\x01", 3);
  CHECK(FindBit(U8(s), 0, 23, 1) == 23);
  CHECK(FindBit(U8(s), 0, 22, 1) == -1);
  CHECK(FindBit(U8(s), 0, 23, 0) == 0);
  std::string f = "\xff\xff\xff";
  CHECK(FindBit(U8(f), 0, 23, 0) == -1);
  CHECK(FindBit(U8(f), 5, 5, 1) == 5);
  std::mt19937_64 rng(3);
  for (int t = 0; t < 5000; ++t) {
    std::string r = RandomBytes(rng, 1 + rng() % 80, t % 3);
    uint64_t bits = r.size() * 8;
    uint64_t a = rng() % bits, b = rng() % bits;
    if (a > b) std::swap(a, b);
    int bit = static_cast<int>(rng() & 1);
    CHECK(FindBit(U8(r), a, b, bit) == NaiveFind(r, a, b, bit));
  }
  // Long runs are skipped a word at a time; the hit is exact.
  std::string zeros(4096, '\0');
  zeros[3001] = '\x10';
  CHECK(FindBit(U8(zeros), 0, 4096 * 8 - 1, 1) == 3001 * 8 + 3);
  CHECK(FindBit(U8(zeros), 3001 * 8 + 4, 4096 * 8 - 1, 1) == -1);
}

TEST_CASE("Bitfield get/set round-trips at any offset and width") {
  std::mt19937_64 rng(4);
  for (int t = 0; t < 5000; ++t) {
    std::string s = RandomBytes(rng, 20, 0);
    int bits = 1 + static_cast<int>(rng() % 64);
    uint64_t offset = rng() % (20 * 8 - static_cast<uint64_t>(bits) + 1);
    CHECK(GetUnsigned(s, offset, bits) == NaiveGet(s, offset, bits));
    uint64_t v = rng();
    std::string before = s;
    SetBits(reinterpret_cast<uint8_t*>(s.data()), offset, bits, v);
    uint64_t mask = bits == 64 ? ~uint64_t{0} : (uint64_t{1} << bits) - 1;
    CHECK(GetUnsigned(s, offset, bits) == (v & mask));
    for (uint64_t i = 0; i < s.size() * 8; ++i)  // bits outside the field are untouched
      if (i < offset || i >= offset + static_cast<uint64_t>(bits))
        REQUIRE(BitAt(s, i) == BitAt(before, i));
  }
}

TEST_CASE("Bitfield reads past the end as zeros and sign-extends") {
  std::string s = "\xff";
  CHECK(GetUnsigned(s, 0, 8) == 255);
  CHECK(GetUnsigned(s, 4, 8) == 0xf0);
  CHECK(GetUnsigned(s, 100, 64) == 0);
  CHECK(GetUnsigned("", 0, 63) == 0);
  CHECK(GetSigned(s, 0, 8) == -1);
  CHECK(GetSigned(s, 4, 8) == -16);
  CHECK(GetSigned(s, 0, 1) == -1);
  CHECK(GetSigned(s, 0, 64) == static_cast<int64_t>(0xff00000000000000ull));
  std::string big(9, '\xff');
  CHECK(GetSigned(big, 7, 64) == -1);
  CHECK(GetUnsigned(big, 7, 63) == (uint64_t{1} << 63) - 1);
}

TEST_CASE("Unsigned overflow: wrap, saturate, fail") {
  uint64_t lim = 12345;
  CHECK(CheckUnsigned(250, 5, 8, Overflow::kWrap, &lim) == 0);
  CHECK(CheckUnsigned(250, 6, 8, Overflow::kWrap, &lim) == 1);
  CHECK(lim == 0);
  CHECK(CheckUnsigned(250, 6, 8, Overflow::kSat, &lim) == 1);
  CHECK(lim == 255);
  CHECK(CheckUnsigned(3, -4, 8, Overflow::kWrap, &lim) == -1);
  CHECK(lim == 255);
  CHECK(CheckUnsigned(3, -4, 8, Overflow::kSat, &lim) == -1);
  CHECK(lim == 0);
  lim = 7;
  CHECK(CheckUnsigned(3, -4, 8, Overflow::kFail, &lim) == -1);
  CHECK(lim == 7);
  // A negative SET value is a huge unsigned number: an overflow upwards, as in Redis.
  CHECK(CheckUnsigned(static_cast<uint64_t>(-1), 0, 8, Overflow::kSat, &lim) == 1);
  CHECK(lim == 255);
  CHECK(CheckUnsigned(static_cast<uint64_t>(-1), 0, 8, Overflow::kWrap, &lim) == 1);
  CHECK(lim == 255);
  CHECK(CheckUnsigned(0, INT64_MAX, 63, Overflow::kSat, &lim) == 0);
  CHECK(CheckUnsigned(1, INT64_MAX, 63, Overflow::kWrap, &lim) == 1);
  CHECK(lim == 0);
}

TEST_CASE("Signed overflow: wrap, saturate, fail") {
  int64_t lim = 0;
  CHECK(CheckSigned(120, 7, 8, Overflow::kWrap, &lim) == 0);
  CHECK(CheckSigned(120, 8, 8, Overflow::kWrap, &lim) == 1);
  CHECK(lim == -128);
  CHECK(CheckSigned(120, 8, 8, Overflow::kSat, &lim) == 1);
  CHECK(lim == 127);
  CHECK(CheckSigned(-120, -9, 8, Overflow::kWrap, &lim) == -1);
  CHECK(lim == 127);
  CHECK(CheckSigned(-120, -9, 8, Overflow::kSat, &lim) == -1);
  CHECK(lim == -128);
  CHECK(CheckSigned(-200, 0, 8, Overflow::kSat, &lim) == -1);
  CHECK(lim == -128);
  // Redis 7.0 quirk: a SET value so negative that max - value wraps counts as overflow up.
  CHECK(CheckSigned(INT64_MIN, 0, 8, Overflow::kSat, &lim) == 1);
  CHECK(lim == 127);
  CHECK(CheckSigned(INT64_MIN, 0, 8, Overflow::kWrap, &lim) == 1);
  CHECK(lim == 0);
  // 64 bits: only same-sign sums can overflow.
  CHECK(CheckSigned(INT64_MAX, -1, 64, Overflow::kSat, &lim) == 0);
  CHECK(CheckSigned(INT64_MAX, 1, 64, Overflow::kSat, &lim) == 1);
  CHECK(lim == INT64_MAX);
  CHECK(CheckSigned(INT64_MAX, 1, 64, Overflow::kWrap, &lim) == 1);
  CHECK(lim == INT64_MIN);
  CHECK(CheckSigned(INT64_MIN, -1, 64, Overflow::kSat, &lim) == -1);
  CHECK(lim == INT64_MIN);
  CHECK(CheckSigned(INT64_MIN, INT64_MAX, 64, Overflow::kSat, &lim) == 0);
  // 1-bit signed holds -1..0.
  CHECK(CheckSigned(0, 1, 1, Overflow::kWrap, &lim) == 1);
  CHECK(lim == -1);
  CHECK(CheckSigned(-1, -1, 1, Overflow::kSat, &lim) == -1);
  CHECK(lim == -1);
}

TEST_CASE("Wrapped results equal arithmetic modulo 2^bits") {
  std::mt19937_64 rng(5);
  for (int t = 0; t < 20000; ++t) {
    int bits = 1 + static_cast<int>(rng() % 63);
    uint64_t mask = (uint64_t{1} << bits) - 1;
    uint64_t v = rng() & mask;
    auto incr = static_cast<int64_t>(rng()) >> (rng() % 64);
    uint64_t u = 0;
    if (CheckUnsigned(v, incr, bits, Overflow::kWrap, &u)) {
      CHECK(u == ((v + static_cast<uint64_t>(incr)) & mask));
    } else {
      CHECK(v + static_cast<uint64_t>(incr) <= mask);
    }
    int sbits = bits + 1;
    int64_t smax = sbits == 64 ? INT64_MAX : (int64_t{1} << (sbits - 1)) - 1;
    int64_t sv = static_cast<int64_t>(v) - (static_cast<int64_t>(rng() & 1) * (smax / 2));
    int64_t s = 0;
    int r = CheckSigned(sv, incr, sbits, Overflow::kWrap, &s);
    __int128 exact = static_cast<__int128>(sv) + incr;
    if (r == 0) {
      CHECK(exact <= smax);
      CHECK(exact >= -smax - 1);
    } else {
      CHECK((exact > smax) == (r == 1));
      uint64_t smask = sbits == 64 ? ~uint64_t{0} : (uint64_t{1} << sbits) - 1;
      CHECK((static_cast<uint64_t>(s) & smask) == (static_cast<uint64_t>(exact) & smask));
      CHECK(s <= smax);
      CHECK(s >= -smax - 1);
    }
  }
}

TEST_CASE("Combine: AND OR XOR NOT with zero padding") {
  std::string a = "\xf0\x0f\xff", b = "\x3c", c;
  std::string_view srcs[] = {a, b, c};
  std::vector<uint8_t> out(3);
  Combine(Op::kAnd, srcs, 2, out.data(), 3);
  CHECK(out == std::vector<uint8_t>{0x30, 0x00, 0x00});
  Combine(Op::kOr, srcs, 2, out.data(), 3);
  CHECK(out == std::vector<uint8_t>{0xfc, 0x0f, 0xff});
  Combine(Op::kXor, srcs, 2, out.data(), 3);
  CHECK(out == std::vector<uint8_t>{0xcc, 0x0f, 0xff});
  Combine(Op::kAnd, srcs, 3, out.data(), 3);  // an empty source zeroes everything
  CHECK(out == std::vector<uint8_t>{0, 0, 0});
  Combine(Op::kNot, srcs, 1, out.data(), 3);
  CHECK(out == std::vector<uint8_t>{0x0f, 0xf0, 0x00});

  std::mt19937_64 rng(6);
  for (int t = 0; t < 300; ++t) {
    size_t n = 1 + rng() % 5;
    std::vector<std::string> keep;
    size_t maxlen = 0;
    for (size_t i = 0; i < n; ++i) {
      size_t len = rng() % 4 == 0 ? rng() % 10000 : rng() % 40;
      keep.push_back(RandomBytes(rng, len, 0));
      maxlen = std::max(maxlen, len);
    }
    if (maxlen == 0) continue;
    std::vector<std::string_view> views(keep.begin(), keep.end());
    auto op = static_cast<Op>(rng() % 3);
    std::vector<uint8_t> got(maxlen);
    Combine(op, views.data(), n, got.data(), maxlen);
    for (size_t j = 0; j < maxlen; ++j) {
      auto byte = [&](size_t k) -> uint8_t {
        return j < keep[k].size() ? static_cast<uint8_t>(keep[k][j]) : 0;
      };
      uint8_t want = byte(0);
      for (size_t k = 1; k < n; ++k) {
        if (op == Op::kAnd) want &= byte(k);
        if (op == Op::kOr) want |= byte(k);
        if (op == Op::kXor) want ^= byte(k);
      }
      REQUIRE(got[j] == want);
    }
  }
}

}  // namespace
}  // namespace sable::bitops
