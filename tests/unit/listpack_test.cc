#include "datastructs/listpack.h"
#include "tests/unit/ziplist_builder.h"

#include <doctest/doctest.h>

#include <cstring>
#include <deque>
#include <random>
#include <string>
#include <vector>

namespace sable {
namespace {

std::string Str(const LpValue& v) {
  char buf[kLpIntBufSize];
  return std::string(v.View(buf));
}

std::vector<std::string> Elements(uint8_t* lp) {
  std::vector<std::string> out;
  for (uint8_t* p = LpFirst(lp); p != nullptr; p = LpNext(lp, p)) out.push_back(Str(LpGet(p)));
  return out;
}

std::vector<std::string> ElementsBackward(uint8_t* lp) {
  std::vector<std::string> out;
  for (uint8_t* p = LpLast(lp); p != nullptr; p = LpPrev(lp, p)) out.push_back(Str(LpGet(p)));
  return {out.rbegin(), out.rend()};
}

void CheckAgainst(uint8_t* lp, const std::deque<std::string>& model) {
  std::vector<std::string> want(model.begin(), model.end());
  REQUIRE(LpLength(lp) == model.size());
  REQUIRE(Elements(lp) == want);
  REQUIRE(ElementsBackward(lp) == want);
  REQUIRE(LpValidate(lp, LpBytes(lp), true));
}

TEST_CASE("listpack: empty layout matches Redis") {
  uint8_t* lp = LpNew();
  CHECK(LpBytes(lp) == 7);
  CHECK(LpLength(lp) == 0);
  const uint8_t want[] = {7, 0, 0, 0, 0, 0, 0xFF};
  CHECK(memcmp(lp, want, 7) == 0);
  CHECK(LpFirst(lp) == nullptr);
  CHECK(LpLast(lp) == nullptr);
  CHECK(LpSeek(lp, 0) == nullptr);
  CHECK(LpValidate(lp, 7, true));
  LpFree(lp);
}

TEST_CASE("listpack: byte layout of small entries") {
  uint8_t* lp = LpNew();
  lp = LpAppend(lp, "a");    // 6-bit string: 0x81 'a' backlen 2
  lp = LpAppend(lp, "127");  // 7-bit uint: 0x7f backlen 1
  lp = LpAppend(lp, "-1");   // 13-bit int: 0xDF 0xFF backlen 2
  const uint8_t want[] = {15, 0, 0, 0, 3, 0, 0x81, 'a', 2, 0x7f, 1, 0xDF, 0xFF, 2, 0xFF};
  REQUIRE(LpBytes(lp) == sizeof(want));
  CHECK(memcmp(lp, want, sizeof(want)) == 0);
  LpFree(lp);
}

TEST_CASE("listpack: integers of every width round-trip") {
  const int64_t values[] = {0,
                            1,
                            127,
                            128,
                            -1,
                            -4096,
                            4095,
                            4096,
                            -4097,
                            32767,
                            -32768,
                            32768,
                            -32769,
                            8388607,
                            -8388608,
                            8388608,
                            -8388609,
                            INT32_MAX,
                            INT32_MIN,
                            int64_t{INT32_MAX} + 1,
                            int64_t{INT32_MIN} - 1,
                            INT64_MAX,
                            INT64_MIN};
  const size_t sizes[] = {2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 6, 6, 6, 6, 10, 10, 10, 10};
  uint8_t* lp = LpNew();
  std::deque<std::string> model;
  size_t i = 0;
  for (int64_t v : values) {
    std::string s = std::to_string(v);
    CHECK_MESSAGE(LpEntrySize(s) == sizes[i], s);
    CHECK(LpEntrySizeInt(v) == sizes[i]);
    ++i;
    lp = LpAppend(lp, s);
    model.push_back(s);
    LpValue got = LpGet(LpLast(lp));
    CHECK(got.is_int());
    CHECK(got.ival == v);
  }
  CheckAgainst(lp, model);
  // The same values appended as integers give identical bytes.
  uint8_t* lp2 = LpNew();
  for (int64_t v : values) lp2 = LpAppendInt(lp2, v);
  REQUIRE(LpBytes(lp2) == LpBytes(lp));
  CHECK(memcmp(lp, lp2, LpBytes(lp)) == 0);
  LpFree(lp);
  LpFree(lp2);
}

TEST_CASE("listpack: non-canonical numbers stay strings") {
  const char* texts[] = {
      "007", "-0",   "+1", " 1", "1 ", "1.5", "9223372036854775808", "-9223372036854775809",
      "",    "0x10", "1e3"};
  uint8_t* lp = LpNew();
  for (const char* t : texts) {
    lp = LpAppend(lp, t);
    LpValue v = LpGet(LpLast(lp));
    CHECK_MESSAGE(!v.is_int(), t);
    CHECK(Str(v) == t);
  }
  LpFree(lp);
}

TEST_CASE("listpack: string length encodings and backlen widths") {
  const size_t lens[] = {0,    1,    63,    64,    126,   127,     128,
                         4095, 4096, 16383, 16384, 70000, 2097151, 2097152};
  uint8_t* lp = LpNew();
  std::deque<std::string> model;
  for (size_t len : lens) {
    std::string s(len, static_cast<char>('a' + len % 26));
    if (len > 2) s[len / 2] = '\0';  // binary safe
    size_t hdr = len < 64 ? 1 : (len < 4096 ? 2 : 5);
    size_t enc = hdr + len;
    size_t bl = enc <= 127 ? 1 : enc < 16383 ? 2 : enc < 2097151 ? 3 : enc < 268435455 ? 4 : 5;
    CHECK_MESSAGE(LpEntrySize(s) == enc + bl, len);
    lp = LpPrepend(lp, s);
    model.push_front(s);
  }
  CheckAgainst(lp, model);
  for (size_t i = 0; i < model.size(); ++i) {
    CHECK(Str(LpGet(LpSeek(lp, static_cast<long>(i)))) == model[i]);
    CHECK(Str(LpGet(LpSeek(lp, -static_cast<long>(i) - 1))) == model[model.size() - 1 - i]);
  }
  LpFree(lp);
}

TEST_CASE("listpack: insert, replace, delete, find") {
  uint8_t* lp = LpNew();
  for (const char* s : {"a", "b", "c", "d"}) lp = LpAppend(lp, s);
  uint8_t* p = LpSeek(lp, 1);
  uint8_t* np = nullptr;
  lp = LpInsert(lp, p, LpWhere::kAfter, "x", &np);
  CHECK(Str(LpGet(np)) == "x");
  CHECK(Elements(lp) == std::vector<std::string>{"a", "b", "x", "c", "d"});
  lp = LpInsert(lp, LpFirst(lp), LpWhere::kBefore, "12");
  CHECK(Elements(lp) == std::vector<std::string>{"12", "a", "b", "x", "c", "d"});
  lp = LpInsert(lp, LpEnd(lp), LpWhere::kBefore, "end");
  CHECK(Elements(lp).back() == "end");
  lp = LpInsertAt(lp, 2, "at2");
  CHECK(Str(LpGet(LpSeek(lp, 2))) == "at2");

  p = LpSeek(lp, 3);  // "b"
  lp = LpReplace(lp, &p, std::string(300, 'L'));
  CHECK(Str(LpGet(p)) == std::string(300, 'L'));
  lp = LpReplace(lp, &p, "s");
  CHECK(Str(LpGet(p)) == "s");
  lp = LpReplaceInt(lp, &p, -77777);
  CHECK(Str(LpGet(p)) == "-77777");
  CHECK(Elements(lp) == std::vector<std::string>{"12", "a", "at2", "-77777", "x", "c", "d", "end"});

  CHECK(LpFind(lp, LpFirst(lp), "12") == LpFirst(lp));
  CHECK(LpFind(lp, LpFirst(lp), "-77777") == LpSeek(lp, 3));
  CHECK(LpFind(lp, LpFirst(lp), "zz") == nullptr);
  // skip = 1 looks at even positions only (keys of pairs)
  CHECK(LpFind(lp, LpFirst(lp), "a", 1) == nullptr);
  CHECK(LpFind(lp, LpFirst(lp), "at2", 1) == LpSeek(lp, 2));
  CHECK(LpEqual(LpFirst(lp), "12"));
  CHECK(!LpEqual(LpFirst(lp), "012"));

  uint8_t* next = nullptr;
  lp = LpDelete(lp, LpSeek(lp, 0), &next);
  CHECK(Str(LpGet(next)) == "a");
  lp = LpDeleteRange(lp, 1, 3);
  CHECK(Elements(lp) == std::vector<std::string>{"a", "c", "d", "end"});
  lp = LpDeleteRange(lp, -2, 10);
  CHECK(Elements(lp) == std::vector<std::string>{"a", "c"});
  lp = LpDelete(lp, LpLast(lp), &next);
  CHECK(next == nullptr);
  CHECK(LpValidate(lp, LpBytes(lp), true));
  LpFree(lp);
}

TEST_CASE("listpack: many-element append/prepend, merge, slice") {
  std::vector<std::string> items = {"1", "two", "300", std::string(100, 'x'), "-5"};
  std::vector<std::string_view> views(items.begin(), items.end());
  uint8_t* a = LpAppendMany(LpNew(), views);
  CHECK(Elements(a) == items);
  uint8_t* b = LpPrependMany(LpNew(), views);
  CHECK(Elements(b) == std::vector<std::string>(items.rbegin(), items.rend()));
  a = LpMerge(a, b);
  CHECK(LpLength(a) == 10);
  CHECK(LpValidate(a, LpBytes(a), true));
  uint8_t* s = LpSlice(a, LpSeek(a, 3), 4);
  CHECK(Elements(s) ==
        std::vector<std::string>{std::string(100, 'x'), "-5", "-5", std::string(100, 'x')});
  CHECK(LpValidate(s, LpBytes(s), true));
  LpFree(a);
  LpFree(b);
  LpFree(s);
}

TEST_CASE("listpack: count header beyond 65535 elements") {
  uint8_t* lp = LpNew();
  for (int i = 0; i < 70000; ++i) lp = LpAppendInt(lp, i % 100);
  CHECK(LpLength(lp) == 70000);
  CHECK(LpValidate(lp, LpBytes(lp), true));
  lp = LpDeleteRange(lp, 0, 10000);
  CHECK(LpLength(lp) == 60000);  // recounted and cached again
  CHECK(lp[4] == (60000 & 0xff));
  CHECK(LpGet(LpSeek(lp, -1)).ival == 69999 % 100);
  LpFree(lp);
}

TEST_CASE("listpack: validation rejects corruption") {
  uint8_t* lp = LpNew();
  lp = LpAppend(lp, "hello");
  lp = LpAppend(lp, "12345");
  size_t n = LpBytes(lp);
  CHECK(LpValidate(lp, n, true));
  CHECK(!LpValidate(lp, n - 1, true));
  std::vector<uint8_t> bad(lp, lp + n);
  bad[6] = 0x85 + 20;  // string length runs past the end
  CHECK(!LpValidate(bad.data(), n, true));
  bad.assign(lp, lp + n);
  bad[6 + 6] = 9;  // wrong backlen
  CHECK(!LpValidate(bad.data(), n, true));
  bad.assign(lp, lp + n);
  bad[4] = 3;  // wrong count
  CHECK(!LpValidate(bad.data(), n, true));
  CHECK(LpValidate(bad.data(), n, false));  // shallow check looks at the header only
  bad.assign(lp, lp + n);
  bad[n - 1] = 0;
  CHECK(!LpValidate(bad.data(), n, false));
  LpFree(lp);
}

TEST_CASE("listpack: conversion from ziplist") {
  ZiplistBuilder zb;
  std::vector<std::string> want;
  for (int64_t v : {int64_t{0}, int64_t{12}, int64_t{13}, int64_t{-1}, int64_t{-128}, int64_t{1000},
                    int64_t{-30000}, int64_t{100000}, int64_t{-8388608}, int64_t{2147483647},
                    int64_t{-2147483649}, INT64_MAX, INT64_MIN}) {
    zb.Int(v);
    want.push_back(std::to_string(v));
  }
  for (size_t len : {0, 1, 63, 64, 300, 16383, 16384, 20000}) {
    std::string s(len, 'z');
    zb.Str(s);
    want.push_back(s);
  }
  std::string zl = zb.Build();
  uint8_t* lp = LpFromZiplist(reinterpret_cast<const uint8_t*>(zl.data()), zl.size());
  REQUIRE(lp != nullptr);
  CHECK(Elements(lp) == want);
  CHECK(LpValidate(lp, LpBytes(lp), true));
  LpFree(lp);
  // Truncations and a bad encoding byte are rejected.
  std::string bad = zl.substr(0, zl.size() - 5) + '\xff';
  bad[0] = static_cast<char>(bad.size());
  bad[1] = static_cast<char>(bad.size() >> 8);
  bad[2] = static_cast<char>(bad.size() >> 16);
  CHECK(LpFromZiplist(reinterpret_cast<const uint8_t*>(bad.data()), bad.size()) == nullptr);
  CHECK(LpFromZiplist(reinterpret_cast<const uint8_t*>(zl.data()), zl.size() - 1) == nullptr);
  std::string empty = ZiplistBuilder().Build();
  uint8_t* e = LpFromZiplist(reinterpret_cast<const uint8_t*>(empty.data()), empty.size());
  REQUIRE(e != nullptr);
  CHECK(LpLength(e) == 0);
  LpFree(e);
}

TEST_CASE("listpack: random operations against a deque model") {
  std::mt19937_64 rng(12345);
  auto random_value = [&]() -> std::string {
    switch (rng() % 6) {
      case 0:
        return std::to_string(static_cast<int64_t>(rng()));
      case 1:
        return std::to_string(static_cast<int64_t>(rng() % 20000) - 10000);
      case 2:
        return std::to_string(rng() % 128);
      case 3:
        return std::string(rng() % 70, 'a' + rng() % 26);
      case 4:
        return std::string(rng() % 5000, 'b');
      default:
        return "0" + std::to_string(rng() % 100);  // leading zero: a string
    }
  };
  for (int round = 0; round < 20; ++round) {
    uint8_t* lp = LpNew();
    std::deque<std::string> model;
    for (int op = 0; op < 400; ++op) {
      long n = static_cast<long>(model.size());
      switch (rng() % 8) {
        case 0: {
          std::string v = random_value();
          lp = LpAppend(lp, v);
          model.push_back(v);
          break;
        }
        case 1: {
          std::string v = random_value();
          lp = LpPrepend(lp, v);
          model.push_front(v);
          break;
        }
        case 2: {
          long i = static_cast<long>(rng() % (n + 1));
          std::string v = random_value();
          lp = LpInsertAt(lp, i, v);
          model.insert(model.begin() + i, v);
          break;
        }
        case 3:
          if (n > 0) {
            long i = static_cast<long>(rng() % n);
            uint8_t* p = LpSeek(lp, i);
            std::string v = random_value();
            lp = LpReplace(lp, &p, v);
            model[i] = v;
          }
          break;
        case 4:
          if (n > 0) {
            long i = static_cast<long>(rng() % n);
            size_t cnt = rng() % 4;
            lp = LpDeleteRange(lp, i, cnt);
            model.erase(model.begin() + i,
                        model.begin() + std::min<long>(n, i + static_cast<long>(cnt)));
          }
          break;
        case 5:
          if (n > 0) {
            long i = -1 - static_cast<long>(rng() % n);
            CHECK(Str(LpGet(LpSeek(lp, i))) == model[n + i]);
          }
          break;
        case 6:
          if (n > 0) {
            std::string needle = model[rng() % n];
            uint8_t* p = LpFind(lp, LpFirst(lp), needle);
            REQUIRE(p != nullptr);
            CHECK(Str(LpGet(p)) == needle);
            LpMatcher m(needle);
            CHECK(m.Matches(p));
          }
          break;
        default:
          if (n > 0) {
            uint8_t* next = nullptr;
            long i = static_cast<long>(rng() % n);
            lp = LpDelete(lp, LpSeek(lp, i), &next);
            model.erase(model.begin() + i);
            if (i < n - 1) {
              REQUIRE(next != nullptr);
              CHECK(Str(LpGet(next)) == model[i]);
            } else {
              CHECK(next == nullptr);
            }
          }
          break;
      }
    }
    CheckAgainst(lp, model);
    uint8_t* copy = LpDup(lp);
    CheckAgainst(copy, model);
    LpFree(copy);
    LpFree(lp);
  }
}

}  // namespace
}  // namespace sable
