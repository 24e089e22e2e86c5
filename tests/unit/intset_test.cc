#include "datastructs/intset.h"

#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace sable {
namespace {

// Owns one intset for the duration of a test.
struct Holder {
  Holder() : is(Intset::New()) {}
  ~Holder() { Intset::Free(is); }
  bool Add(int64_t v) {
    bool added;
    is = Intset::Add(is, v, &added);
    return added;
  }
  bool Remove(int64_t v) {
    bool removed;
    is = Intset::Remove(is, v, &removed);
    return removed;
  }
  std::vector<int64_t> Values() const {
    std::vector<int64_t> out;
    for (uint32_t i = 0; i < is->size(); ++i) out.push_back(is->Get(i));
    return out;
  }
  Intset* is;
};

uint32_t Le32(const std::string_view b, size_t off) {
  const auto* p = reinterpret_cast<const uint8_t*>(b.data()) + off;
  return p[0] | (p[1] << 8) | (p[2] << 16) | (uint32_t{p[3]} << 24);
}

TEST_CASE("intset: empty set") {
  Holder h;
  CHECK(h.is->size() == 0);
  CHECK(h.is->empty());
  CHECK(h.is->encoding() == Intset::kEnc16);
  CHECK_FALSE(h.is->Contains(0));
  CHECK(h.is->BlobLen() == 8);
  CHECK_FALSE(h.Remove(5));
  CHECK_FALSE(Intset::Validate(h.is->Blob(), false));  // Redis rejects empty intsets in RDB
}

TEST_CASE("intset: add keeps order and rejects duplicates") {
  Holder h;
  CHECK(h.Add(5));
  CHECK(h.Add(6));
  CHECK(h.Add(4));
  CHECK(h.Add(-3));
  CHECK_FALSE(h.Add(4));
  CHECK(h.Values() == std::vector<int64_t>{-3, 4, 5, 6});
  CHECK(h.is->Contains(5));
  CHECK_FALSE(h.is->Contains(7));
  CHECK(h.is->Min() == -3);
  CHECK(h.is->Max() == 6);
}

TEST_CASE("intset: encodings and upgrades") {
  CHECK(Intset::EncodingFor(32767) == Intset::kEnc16);
  CHECK(Intset::EncodingFor(-32768) == Intset::kEnc16);
  CHECK(Intset::EncodingFor(32768) == Intset::kEnc32);
  CHECK(Intset::EncodingFor(-32769) == Intset::kEnc32);
  CHECK(Intset::EncodingFor(INT32_MAX) == Intset::kEnc32);
  CHECK(Intset::EncodingFor(int64_t{INT32_MAX} + 1) == Intset::kEnc64);
  CHECK(Intset::EncodingFor(INT64_MIN) == Intset::kEnc64);

  SUBCASE("16 -> 32 by appending") {
    Holder h;
    h.Add(1);
    h.Add(-2);
    CHECK(h.Add(65535));
    CHECK(h.is->encoding() == Intset::kEnc32);
    CHECK(h.Values() == std::vector<int64_t>{-2, 1, 65535});
  }
  SUBCASE("16 -> 32 by prepending") {
    Holder h;
    h.Add(1);
    h.Add(2);
    CHECK(h.Add(-65535));
    CHECK(h.is->encoding() == Intset::kEnc32);
    CHECK(h.Values() == std::vector<int64_t>{-65535, 1, 2});
  }
  SUBCASE("16 -> 64 and 32 -> 64") {
    Holder h;
    h.Add(32);
    CHECK(h.Add(4294967295LL));
    CHECK(h.is->encoding() == Intset::kEnc64);
    CHECK(h.Values() == std::vector<int64_t>{32, 4294967295LL});
    Holder g;
    g.Add(65535);
    CHECK(g.Add(INT64_MIN));
    CHECK(g.Add(INT64_MAX));
    CHECK(g.is->encoding() == Intset::kEnc64);
    CHECK(g.Values() == std::vector<int64_t>{INT64_MIN, 65535, INT64_MAX});
  }
  SUBCASE("a value wider than the encoding is never found and never removed") {
    Holder h;
    h.Add(1);
    CHECK_FALSE(h.is->Contains(1LL << 40));
    CHECK_FALSE(h.Remove(1LL << 40));
    CHECK(h.is->encoding() == Intset::kEnc16);
  }
  SUBCASE("no downgrade after removing the wide value") {
    Holder h;
    h.Add(1);
    h.Add(1LL << 40);
    CHECK(h.Remove(1LL << 40));
    CHECK(h.is->encoding() == Intset::kEnc64);
    CHECK(h.Values() == std::vector<int64_t>{1});
  }
}

TEST_CASE("intset: remove") {
  Holder h;
  for (int v : {1, 2, 3, 4, 5}) h.Add(v);
  CHECK(h.Remove(1));
  CHECK(h.Remove(5));
  CHECK(h.Remove(3));
  CHECK_FALSE(h.Remove(3));
  CHECK(h.Values() == std::vector<int64_t>{2, 4});
  CHECK(h.is->BlobLen() == 8 + 2 * 2);
  CHECK(h.Remove(2));
  CHECK(h.Remove(4));
  CHECK(h.is->empty());
}

TEST_CASE("intset: byte layout is Redis's") {
  Holder h;
  h.Add(-1);
  h.Add(0x1234);
  std::string_view b = h.is->Blob();
  REQUIRE(b.size() == 12);
  CHECK(Le32(b, 0) == 2);  // encoding
  CHECK(Le32(b, 4) == 2);  // length
  const auto* c = reinterpret_cast<const uint8_t*>(b.data()) + 8;
  CHECK(c[0] == 0xff);
  CHECK(c[1] == 0xff);
  CHECK(c[2] == 0x34);
  CHECK(c[3] == 0x12);
  h.Add(0x12345678);
  b = h.is->Blob();
  REQUIRE(b.size() == 8 + 3 * 4);
  CHECK(Le32(b, 0) == 4);
  CHECK(Le32(b, 8) == 0xffffffffu);
  CHECK(Le32(b, 12) == 0x1234);
  CHECK(Le32(b, 16) == 0x12345678);
  // The blob Redis 7.0 writes for SADD s 1 2 3 (RDB type 11 payload).
  const char kRedis[] = "\x02\x00\x00\x00\x03\x00\x00\x00\x01\x00\x02\x00\x03\x00";
  Holder r;
  r.Add(3);
  r.Add(1);
  r.Add(2);
  CHECK(r.is->Blob() == std::string_view(kRedis, sizeof(kRedis) - 1));
}

TEST_CASE("intset: validate and adopt blobs") {
  Holder h;
  for (int v : {-7, 3, 9}) h.Add(v);
  std::string blob(h.is->Blob());
  CHECK(Intset::Validate(blob, true));
  Intset* copy = Intset::FromBlob(blob);
  CHECK(copy->size() == 3);
  CHECK(copy->Contains(-7));
  CHECK(copy->Blob() == h.is->Blob());
  Intset::Free(copy);

  CHECK_FALSE(Intset::Validate(blob.substr(0, 7), false));                // header cut
  CHECK_FALSE(Intset::Validate(blob.substr(0, blob.size() - 1), false));  // size mismatch
  std::string bad_enc = blob;
  bad_enc[0] = 3;
  CHECK_FALSE(Intset::Validate(bad_enc, false));
  std::string unsorted = blob;
  std::swap(unsorted[8], unsorted[10]);  // -7 and 3 swap places
  std::swap(unsorted[9], unsorted[11]);
  CHECK(Intset::Validate(unsorted, false));  // shallow check only looks at sizes
  CHECK_FALSE(Intset::Validate(unsorted, true));
  std::string dup = blob;
  dup[10] = dup[8];
  dup[11] = dup[9];
  CHECK_FALSE(Intset::Validate(dup, true));
}

TEST_CASE("intset: clone is byte-identical") {
  Holder h;
  h.Add(1LL << 33);
  h.Add(-5);
  Intset* c = Intset::Clone(h.is);
  CHECK(c->Blob() == h.is->Blob());
  CHECK(c->encoding() == Intset::kEnc64);
  Intset::Free(c);
}

TEST_CASE("intset: random covers every element") {
  Holder h;
  for (int v = 0; v < 10; ++v) h.Add(v * 3);
  std::set<int64_t> seen;
  std::mt19937_64 rng(1);
  for (int i = 0; i < 1000; ++i) {
    int64_t v = h.is->Random(rng());
    CHECK(h.is->Contains(v));
    seen.insert(v);
  }
  CHECK(seen.size() == 10);
}

TEST_CASE("intset: randomized against std::set") {
  std::mt19937_64 rng(42);
  for (int round = 0; round < 20; ++round) {
    Holder h;
    std::set<int64_t> ref;
    for (int i = 0; i < 2000; ++i) {
      int64_t v;
      switch (rng() % 3) {
        case 0:
          v = static_cast<int16_t>(rng());
          break;
        case 1:
          v = static_cast<int32_t>(rng());
          break;
        default:
          v = static_cast<int64_t>(rng());
          break;
      }
      if (round % 2 == 0) v %= 500;  // dense: many duplicates and removals hit
      if (rng() % 3 == 0) {
        CHECK(h.Remove(v) == (ref.erase(v) == 1));
      } else {
        CHECK(h.Add(v) == ref.insert(v).second);
      }
    }
    REQUIRE(h.is->size() == ref.size());
    CHECK(h.Values() == std::vector<int64_t>(ref.begin(), ref.end()));
    for (int64_t v : ref) CHECK(h.is->Contains(v));
    if (!ref.empty()) CHECK(Intset::Validate(h.is->Blob(), true));
    CHECK(h.is->AllocSize() >= h.is->BlobLen());
  }
}

}  // namespace
}  // namespace sable
