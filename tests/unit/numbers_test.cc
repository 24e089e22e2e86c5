// Expected strings below were checked against redis-server 7.0.15 (Debian) replies: INCRBY /
// INCRBYFLOAT / HINCRBYFLOAT for integers and long doubles, ZADD + ZSCORE / ZRANGE WITHSCORES
// for doubles, XADD ids for unsigned parsing.

#include "datastructs/numbers.h"

#include <doctest/doctest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <random>
#include <string>

namespace sable {
namespace {

bool ParsesInt(std::string_view s, int64_t expect) {
  int64_t v = 12345;
  return StringToInt64(s, &v) && v == expect;
}

bool RejectsInt(std::string_view s) {
  int64_t v = 12345;
  return !StringToInt64(s, &v) && v == 12345;
}

TEST_CASE("StringToInt64 accepts canonical integers") {
  CHECK(ParsesInt("0", 0));
  CHECK(ParsesInt("1", 1));
  CHECK(ParsesInt("-1", -1));
  CHECK(ParsesInt("10", 10));
  CHECK(ParsesInt("9223372036854775807", INT64_MAX));
  CHECK(ParsesInt("-9223372036854775808", INT64_MIN));
  CHECK(ParsesInt("-9223372036854775807", -INT64_MAX));
  CHECK(ParsesInt("1234567890123", 1234567890123));
}

TEST_CASE("StringToInt64 is strict like string2ll") {
  const char* const kBad[] = {"",
                              "-",
                              "-0",
                              "00",
                              "007",
                              "+1",
                              " 1",
                              "1 ",
                              "1a",
                              "a1",
                              "1.0",
                              "0x10",
                              "1e3",
                              "--1",
                              "9223372036854775808",
                              "-9223372036854775809",
                              "18446744073709551615",
                              "18446744073709551616",
                              "99999999999999999999",
                              "-99999999999999999999",
                              "000000000000000000001",
                              "0 "};
  for (const char* s : kBad) {
    CAPTURE(s);
    CHECK(RejectsInt(s));
  }
  CHECK(RejectsInt(std::string_view("1\0", 2)));
  CHECK(RejectsInt(std::string(1, '\0') + "1"));
  // 21 bytes is over the length limit even though the value would fit.
  CHECK(RejectsInt("-0000000000000000001"));
}

TEST_CASE("Int64ToChars and Int64ToString") {
  char buf[kInt64StrSize];
  CHECK(Int64ToChars(0, buf) == 1);
  CHECK(std::string(buf) == "0");
  CHECK(Int64ToChars(INT64_MIN, buf) == 20);
  CHECK(std::string(buf) == "-9223372036854775808");
  CHECK(Int64ToChars(INT64_MAX, buf) == 19);
  CHECK(std::string(buf) == "9223372036854775807");
  CHECK(Uint64ToChars(UINT64_MAX, buf) == 20);
  CHECK(std::string(buf) == "18446744073709551615");
  CHECK(Int64ToString(-1) == "-1");
  CHECK(Int64ToString(9) == "9");
  CHECK(Int64ToString(10) == "10");
  CHECK(Int64ToString(99) == "99");
  CHECK(Int64ToString(100) == "100");
  CHECK(Int64ToString(-1000000) == "-1000000");
  std::mt19937_64 rng(42);
  for (int i = 0; i < 100000; ++i) {
    const auto v = static_cast<int64_t>(rng()) >> (rng() % 64);
    char expect[32];
    std::snprintf(expect, sizeof(expect), "%lld", static_cast<long long>(v));
    REQUIRE(Int64ToString(v) == expect);
    int64_t back = 0;
    REQUIRE(StringToInt64(Int64ToString(v), &back));
    REQUIRE(back == v);
  }
}

TEST_CASE("StringToUint64 follows string2ull, leniency included") {
  uint64_t v = 0;
  CHECK(StringToUint64("0", &v));
  CHECK(v == 0);
  CHECK(StringToUint64("18446744073709551615", &v));
  CHECK(v == UINT64_MAX);
  CHECK(StringToUint64("9223372036854775808", &v));
  CHECK(v == 9223372036854775808ULL);
  CHECK_FALSE(StringToUint64("18446744073709551616", &v));
  CHECK_FALSE(StringToUint64("-1", &v));
  CHECK_FALSE(StringToUint64("", &v));
  CHECK_FALSE(StringToUint64("1 ", &v));
  CHECK_FALSE(StringToUint64("1x", &v));
  // strtoull fallback: leading zeros, spaces and '+' pass, as in XADD ids on Redis.
  CHECK(StringToUint64("007", &v));
  CHECK(v == 7);
  CHECK(StringToUint64(" 1", &v));
  CHECK(v == 1);
  CHECK(StringToUint64("+5", &v));
  CHECK(v == 5);
  CHECK(StringToUint64("-0", &v));
  CHECK(v == 0);
  CHECK(StringToUint64(" -1", &v));
  CHECK(v == UINT64_MAX);
  // C-string view: stops at the first NUL.
  CHECK(StringToUint64(std::string("12") + '\0' + "x", &v));
  CHECK(v == 12);
}

bool ParsesLd(std::string_view s, long double expect) {
  long double v = 12345;
  return StringToLongDouble(s, &v) && v == expect;
}

TEST_CASE("StringToLongDouble follows string2ld") {
  CHECK(ParsesLd("0", 0));
  CHECK(ParsesLd("1.5", 1.5L));
  CHECK(ParsesLd("-0", 0));
  CHECK(ParsesLd("+1", 1));
  CHECK(ParsesLd("0x10", 16));
  CHECK(ParsesLd("1e-5", 1e-5L));
  CHECK(ParsesLd("1e400", 1e400L));  // fine in 80-bit long double
  CHECK(ParsesLd(".5", 0.5L));
  CHECK(ParsesLd("5.", 5));
  long double v = 0;
  CHECK(StringToLongDouble("inf", &v));
  CHECK(std::isinf(v));
  CHECK(StringToLongDouble("-Infinity", &v));
  CHECK((std::isinf(v) && v < 0));
  for (const char* s : {"", " 1", "1 ", "\t1", "nan", "-nan", "NaN", "abc", "1e", "1..2", "e5",
                        "1e99999", "-1e99999", "1e-99999", "1,5"}) {
    CAPTURE(s);
    long double w = 7;
    CHECK_FALSE(StringToLongDouble(s, &w));
    CHECK(w == 7);
  }
  CHECK_FALSE(StringToLongDouble(std::string_view("1\0", 2), &v));
  // Length limit: 5119 bytes pass, 5120 do not.
  std::string long_ok = "1." + std::string(kMaxLongDoubleChars - 3, '0');
  CHECK(long_ok.size() == kMaxLongDoubleChars - 1);
  CHECK(StringToLongDouble(long_ok, &v));
  CHECK_FALSE(StringToLongDouble(long_ok + "0", &v));
}

TEST_CASE("LongDoubleToString human-friendly matches INCRBYFLOAT replies") {
  auto h = [](long double v) { return LongDoubleToString(v, true); };
  CHECK(h(0.1L) == "0.1");
  CHECK(h(3) == "3");
  CHECK(h(0) == "0");
  CHECK(h(-0.0L) == "0");
  CHECK(h(-1e-20L) == "0");  // prints "-0.000..." then trims to "-0" -> "0"
  CHECK(h(1e-5L) == "0.00001");
  CHECK(h(16) == "16");
  CHECK(h(1e20L) == "100000000000000000000");
  CHECK(h(-2.5L) == "-2.5");
  CHECK(h(0.1L + 0.2L) == "0.3");
  CHECK(h(10.5L + 0.1L) == "10.6");
  CHECK(h(0.30000000000000004L) == "0.30000000000000004");
  CHECK(h(1.5e300L).substr(0, 40) == "1500000000000000000049800109861472166362");
  CHECK(h(1.5e300L).size() == 301);
  CHECK(h(std::numeric_limits<long double>::infinity()) == "inf");
  CHECK(h(-std::numeric_limits<long double>::infinity()) == "-inf");
  // Largest long double: ~4933 integer digits, past any small stack buffer.
  CHECK(h(std::numeric_limits<long double>::max()).size() == 4933);
}

TEST_CASE("LongDoubleToString non-human uses %.17Lg") {
  auto g = [](long double v) { return LongDoubleToString(v, false); };
  CHECK(g(0.1L) == "0.1");
  CHECK(g(static_cast<long double>(0.1)) == "0.10000000000000001");
  CHECK(g(3) == "3");
  CHECK(g(1e20L) == "1e+20");
  CHECK(g(-0.0L) == "-0");
  CHECK(g(std::numeric_limits<long double>::infinity()) == "inf");
  CHECK(g(-std::numeric_limits<long double>::infinity()) == "-inf");
}

bool ParsesD(std::string_view s, double expect) {
  double v = 12345;
  return StringToDouble(s, &v) && v == expect;
}

TEST_CASE("StringToDouble follows string2d (ZADD scores)") {
  CHECK(ParsesD("3.0", 3.0));
  CHECK(ParsesD("0.1", 0.1));
  CHECK(ParsesD("-0", 0.0));
  CHECK(ParsesD("+1", 1.0));
  CHECK(ParsesD("0x10", 16.0));
  CHECK(ParsesD("1.5e300", 1.5e300));
  CHECK(ParsesD("5e-324", 5e-324));  // subnormal: ERANGE but not zero, so accepted
  CHECK(ParsesD("1.7976931348623157e308", 1.7976931348623157e308));
  double v = 0;
  for (const char* s : {"inf", "+inf", "Infinity", "INF"}) {
    CAPTURE(s);
    CHECK(StringToDouble(s, &v));
    CHECK((std::isinf(v) && v > 0));
  }
  CHECK(StringToDouble("-inf", &v));
  CHECK((std::isinf(v) && v < 0));
  for (const char* s : {"", " 1", "1 ", "\n1", "nan", "NAN", "-nan", "1e400", "-1e400", "1e-400",
                        "abc", "1x", "--1", "(1"}) {
    CAPTURE(s);
    double w = 7;
    CHECK_FALSE(StringToDouble(s, &w));
    CHECK(w == 7);
  }
  CHECK_FALSE(StringToDouble(std::string_view("1\0", 2), &v));
  CHECK(StringToDouble("1" + std::string(300, '0'), &v));  // longer than the stack copy
  CHECK(v == 1e300);
}

TEST_CASE("DoubleToString matches ZSCORE replies") {
  CHECK(DoubleToString(3.0) == "3");
  CHECK(DoubleToString(2.5) == "2.5");
  CHECK(DoubleToString(0.1) == "0.10000000000000001");
  CHECK(DoubleToString(0.1 + 0.2) == "0.30000000000000004");
  CHECK(DoubleToString(1.5e300) == "1.5000000000000001e+300");
  CHECK(DoubleToString(1e17) == "1e+17");
  CHECK(DoubleToString(99999999999999984.0) == "99999999999999984");
  CHECK(DoubleToString(4611686018427387904.0) == "4.6116860184273879e+18");
  CHECK(DoubleToString(123456789.123456789) == "123456789.12345679");
  CHECK(DoubleToString(5e-324) == "4.9406564584124654e-324");
  CHECK(DoubleToString(0.0) == "0");
  CHECK(DoubleToString(-0.0) == "-0");
  CHECK(DoubleToString(-3.0) == "-3");
  CHECK(DoubleToString(1e-5) == "1.0000000000000001e-05");
  CHECK(DoubleToString(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(DoubleToString(-std::numeric_limits<double>::infinity()) == "-inf");
  CHECK(DoubleToString(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(DoubleToString(-std::numeric_limits<double>::quiet_NaN()) == "-nan");
  // Against the C library's "%.17g" on awkward values, incl. the integer fast path's edges.
  std::mt19937_64 rng(7);
  for (int i = 0; i < 200000; ++i) {
    double d;
    switch (i % 4) {
      case 0: {
        uint64_t bits = rng();
        std::memcpy(&d, &bits, sizeof(d));
        break;
      }
      case 1:
        d = static_cast<double>(static_cast<int64_t>(rng() >> (rng() % 64)));
        break;
      case 2:
        d = std::ldexp(static_cast<double>(rng() % 1000000), static_cast<int>(rng() % 140) - 70);
        break;
      default:
        d = std::nextafter(1e17, (i & 8) ? 0.0 : 1e18) * ((i & 16) ? -1 : 1);
        break;
    }
    if (std::isinf(d)) continue;
    char expect[64];
    std::snprintf(expect, sizeof(expect), "%.17g", d);
    REQUIRE(DoubleToString(d) == expect);
  }
}

TEST_CASE("DoubleToCompactString follows d2string") {
  CHECK(DoubleToCompactString(3.0) == "3");
  CHECK(DoubleToCompactString(0.0) == "0");
  CHECK(DoubleToCompactString(-0.0) == "-0");
  CHECK(DoubleToCompactString(1e17) == "100000000000000000");
  CHECK(DoubleToCompactString(4611686018427387904.0) == "4611686018427387904");  // 2^62
  CHECK(DoubleToCompactString(-4611686018427387904.0) == "-4611686018427387904");
  CHECK(DoubleToCompactString(9223372036854775808.0) == "9.2233720368547758e+18");
  CHECK(DoubleToCompactString(0.1) == "0.10000000000000001");
  CHECK(DoubleToCompactString(std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(DoubleToCompactString(-std::numeric_limits<double>::quiet_NaN()) == "nan");
  CHECK(DoubleToCompactString(std::numeric_limits<double>::infinity()) == "inf");
  CHECK(DoubleToCompactString(-std::numeric_limits<double>::infinity()) == "-inf");
}

TEST_CASE("formatted doubles parse back to the same value") {
  std::mt19937_64 rng(9);
  for (int i = 0; i < 50000; ++i) {
    double d;
    uint64_t bits = rng();
    std::memcpy(&d, &bits, sizeof(d));
    if (std::isnan(d) || std::isinf(d)) continue;
    double back = 0;
    REQUIRE(StringToDouble(DoubleToString(d), &back));
    REQUIRE(back == d);
    REQUIRE(StringToDouble(DoubleToCompactString(d), &back));
    REQUIRE(back == d);
  }
}

}  // namespace
}  // namespace sable
