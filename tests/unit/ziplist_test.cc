#include "datastructs/ziplist.h"

#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "datastructs/zipmap.h"
#include "tests/unit/ziplist_builder.h"

namespace sable {
namespace {

std::vector<std::string> Decode(const std::string& zl, bool* ok) {
  std::vector<LpValue> items;
  *ok = ZiplistDecode(reinterpret_cast<const uint8_t*>(zl.data()), zl.size(), &items);
  std::vector<std::string> out;
  char buf[kLpIntBufSize];
  for (const LpValue& v : items) out.emplace_back(v.View(buf));
  return out;
}

bool Valid(const std::string& zl) {
  bool ok;
  Decode(zl, &ok);
  return ok;
}

void PutLe32(std::string* s, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i) (*s)[at + i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

TEST_CASE("ziplist: decodes every encoding") {
  ZiplistBuilder zb;
  std::vector<std::string> want;
  for (int64_t v : {int64_t{0}, int64_t{12}, int64_t{13}, int64_t{-1}, int64_t{-128},
                    int64_t{1000}, int64_t{-30000}, int64_t{100000}, int64_t{-8388608},
                    int64_t{8388607}, int64_t{2147483647}, int64_t{-2147483649}, INT64_MAX,
                    INT64_MIN}) {
    zb.Int(v);
    want.push_back(std::to_string(v));
  }
  for (size_t len : {0, 1, 63, 64, 253, 254, 300, 16383, 16384, 20000}) {
    zb.Str(std::string(len, 'z'));  // 254+ byte entries make the next prevlen 5 bytes
    want.emplace_back(len, 'z');
  }
  zb.Str("tail");
  want.push_back("tail");
  std::string zl = zb.Build();
  bool ok;
  CHECK(Decode(zl, &ok) == want);
  CHECK(ok);
  // zllen 65535 means "count by walking".
  std::string unknown = zl;
  unknown[8] = unknown[9] = '\xff';
  CHECK(Valid(unknown));
  CHECK(Valid(ZiplistBuilder().Build()));  // empty: valid (the loader then skips the key)
}

TEST_CASE("ziplist: structural corruption is refused") {
  ZiplistBuilder zb;
  zb.Str("abc");
  zb.Int(7);
  zb.Str(std::string(300, 'q'));
  zb.Int(-5);
  const std::string zl = zb.Build();
  REQUIRE(Valid(zl));

  std::string bad = zl;
  PutLe32(&bad, 0, static_cast<uint32_t>(zl.size() + 1));  // zlbytes
  CHECK_FALSE(Valid(bad));
  bad = zl;
  PutLe32(&bad, 4, 10);  // zltail not at the last entry
  CHECK_FALSE(Valid(bad));
  bad = zl;
  PutLe32(&bad, 4, static_cast<uint32_t>(zl.size()));  // zltail past the end
  CHECK_FALSE(Valid(bad));
  bad = zl;
  bad[8] = 3;  // zllen
  CHECK_FALSE(Valid(bad));
  bad = zl;
  bad[10] = 1;  // the first entry's prevlen must be 0
  CHECK_FALSE(Valid(bad));
  bad = zl;
  bad[11] = 10;  // string length runs into the next entry: prevlens no longer agree
  CHECK_FALSE(Valid(bad));
  bad = zl;
  bad[11 + 1 + 3 + 1] = '\xc5';  // invalid integer encoding of the second entry
  CHECK_FALSE(Valid(bad));
  bad = zl;
  bad[bad.size() - 1] = 0;  // no terminator
  CHECK_FALSE(Valid(bad));
  CHECK_FALSE(Valid(zl.substr(0, 10)));
  // Truncated in the middle of the long string, header fixed up.
  bad = zl.substr(0, 40) + '\xff';
  PutLe32(&bad, 0, static_cast<uint32_t>(bad.size()));
  CHECK_FALSE(Valid(bad));
  // A terminator byte where an entry should start.
  bad = zl.substr(0, 15) + '\xff' + zl.substr(15);
  PutLe32(&bad, 0, static_cast<uint32_t>(bad.size()));
  CHECK_FALSE(Valid(bad));
}

TEST_CASE("ziplist: random corruption never reads out of bounds") {
  ZiplistBuilder zb;
  for (int i = 0; i < 40; ++i) {
    if (i % 3 == 0) zb.Int(i * 1000003);
    else zb.Str(std::string(static_cast<size_t>(i * 9), static_cast<char>('a' + i % 26)));
  }
  const std::string zl = zb.Build();
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    std::string bad = zl;
    for (int k = 0; k < 1 + static_cast<int>(rng() % 3); ++k)
      bad[rng() % bad.size()] = static_cast<char>(rng());
    // Heap copy of the exact size, so ASan sees any overrun.
    std::vector<uint8_t> heap(bad.begin(), bad.end());
    std::vector<LpValue> items;
    ZiplistDecode(heap.data(), heap.size(), &items);
  }
}

// ---- zipmap ----

std::string ZmLen(size_t n) {
  if (n < 254) return std::string(1, static_cast<char>(n));
  std::string s(1, '\xfe');
  for (int i = 0; i < 4; ++i) s += static_cast<char>((n >> (8 * i)) & 0xff);
  return s;
}

std::string ZmEntry(const std::string& f, const std::string& v, size_t free_bytes = 0) {
  return ZmLen(f.size()) + f + ZmLen(v.size()) + static_cast<char>(free_bytes) + v +
         std::string(free_bytes, '#');
}

std::vector<std::string> DecodeZm(const std::string& zm, bool* ok) {
  std::vector<std::string_view> items;
  *ok = ZipmapDecode(zm, &items);
  return {items.begin(), items.end()};
}

TEST_CASE("zipmap: decodes pairs, free space and long lengths") {
  std::string big(300, 'b');
  std::string zm = std::string(1, 3) + ZmEntry("f1", "v1") + ZmEntry("f2", "value", 4) +
                   ZmEntry(big, "") + '\xff';
  bool ok;
  CHECK(DecodeZm(zm, &ok) == std::vector<std::string>{"f1", "v1", "f2", "value", big, ""});
  CHECK(ok);
  zm[0] = '\xfe';  // count unknown
  DecodeZm(zm, &ok);
  CHECK(ok);
  zm[0] = 2;  // wrong count
  DecodeZm(zm, &ok);
  CHECK_FALSE(ok);
}

TEST_CASE("zipmap: corruption is refused") {
  bool ok;
  DecodeZm(std::string("\x00\xff", 2), &ok);  // no pairs
  CHECK_FALSE(ok);
  DecodeZm(std::string("\x01", 1), &ok);
  CHECK_FALSE(ok);
  const std::string good = std::string(1, 1) + ZmEntry("field", "value", 2) + '\xff';
  DecodeZm(good, &ok);
  REQUIRE(ok);
  std::string bad = good;
  bad.back() = 0;  // no terminator
  DecodeZm(bad, &ok);
  CHECK_FALSE(ok);
  bad = good;
  bad[1] = 40;  // field length past the end
  DecodeZm(bad, &ok);
  CHECK_FALSE(ok);
  bad = good;
  bad[1 + 1 + 5 + 1] = 9;  // free space past the end
  DecodeZm(bad, &ok);
  CHECK_FALSE(ok);
  bad = good;
  bad[1 + 1 + 5] = '\xfe';  // 5-byte value length that is not there
  DecodeZm(bad, &ok);
  CHECK_FALSE(ok);
  // Truncation at every point.
  for (size_t n = 2; n < good.size(); ++n) {
    DecodeZm(good.substr(0, n - 1) + '\xff', &ok);
    CHECK_FALSE(ok);
  }
  std::mt19937_64 rng(5);
  for (int i = 0; i < 3000; ++i) {
    std::string b = good;
    b[rng() % b.size()] = static_cast<char>(rng());
    std::vector<std::string_view> items;
    ZipmapDecode(b, &items);
  }
}

}  // namespace
}  // namespace sable
