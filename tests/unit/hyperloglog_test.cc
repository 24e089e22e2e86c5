#include "datastructs/hyperloglog.h"

#include <doctest/doctest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

namespace sable::hll {
namespace {

// Expected values below were read from Debian's redis-server 7.0.15 (PFCOUNT, PFDEBUG GETREG,
// GET of the HLL string) for the same inputs.

std::string FromHex(std::string_view hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2)
    out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
  return out;
}

const uint8_t* U8(const std::string& s) { return reinterpret_cast<const uint8_t*>(s.data()); }
uint8_t* U8(std::string* s) { return reinterpret_cast<uint8_t*>(s->data()); }

std::string Elements(std::string* hll, int from, int to, size_t max_bytes = 3000) {
  for (int i = from; i < to; ++i) REQUIRE(Add(hll, "e" + std::to_string(i), max_bytes) >= 0);
  return *hll;
}

uint64_t CountOf(const std::string& hll) {
  uint64_t card = 0;
  REQUIRE(Count(hll, &card));
  return card;
}

std::string DenseFilled(uint8_t value) {
  std::string d(kDenseSize, '\0');
  memcpy(d.data(), "HYLL", 4);
  for (uint32_t i = 0; i < kRegisters; ++i) DenseSetRaw(U8(&d) + kHeaderSize, i, value);
  return d;
}

TEST_CASE("hll: element hashing picks Redis's register and run length") {
  struct Case {
    const char* element;
    uint32_t index;
    uint8_t count;
  } cases[] = {{"a", 12711, 2},
               {"", 5938, 2},
               {"hello", 9216, 1},
               {"foobar", 1910, 4},
               {"xxxxxxxxxxxxxxxxxxxx", 3584, 1}};
  for (const Case& c : cases) {
    uint32_t index;
    CHECK(PatLen(c.element, &index) == c.count);
    CHECK(index == c.index);
  }
}

TEST_CASE("hll: empty HLL bytes and header checks") {
  std::string h = NewSparse();
  CHECK(h == std::string("HYLL\x01\0\0\0\0\0\0\0\0\0\0\0\x7f\xff", 18));
  CHECK(IsHll(h));
  CHECK(CountOf(h) == 0);
  CHECK(DecodeSparse(h) == "Z:16384");

  CHECK_FALSE(IsHll("HYLL"));
  std::string bad = h;
  bad[0] = 'X';
  CHECK_FALSE(IsHll(bad));
  bad = h;
  bad[4] = 2;
  CHECK_FALSE(IsHll(bad));
  bad = h;
  bad[4] = 0;  // dense must be exactly kDenseSize bytes
  CHECK_FALSE(IsHll(bad));
  CHECK(IsHll(DenseFilled(0)));
  CHECK_FALSE(IsHll(DenseFilled(0) + "x"));
}

TEST_CASE("hll: sparse bytes equal Redis's") {
  std::string h = NewSparse();
  for (const char* e : {"a", "b", "c", "d", "e", "f", "g"}) Add(&h, e, 3000);
  CHECK(h ==
        FromHex("48594c4c010000000000000000000080466d80560c80443c84388050b184498c80426d80425a"));
  CHECK(DecodeSparse(h) ==
        "Z:1646 v:1,1 Z:5645 v:1,1 Z:1085 v:2,1 z:57 v:1,1 Z:4274 v:2,1 Z:2445 v:1,1 Z:622 "
        "v:1,1 Z:603");
  CHECK(CountOf(h) == 7);

  std::string h100 = NewSparse();
  Elements(&h100, 0, 100);
  CHECK(h100 ==
        FromHex("48594c4c01000000000000000000008036843c8040a9a40e88409084406c9c048840e28041358840"
                "d380411d8840898041168c419080098040e08040948041578440a280408384405d8440e184419984"
                "4081803c844047840780404e80408f840984405184268441258440d38042638040a280404b8c406f"
                "80420b8c41798041478041638040668440f98c0184218811804182844062803088407984228040de"
                "8440d3884045800a88420090118440c184018041138440848c1684228040a88440e180422a844103"
                "84168041178441658c414e802680058040598040ec882e88413c880380405b841b803f80409b8021"
                "84412e88408f90407e80408480415f8033844079844193844058902e80406a840d8039801380409a"
                "882880408c"));
}

TEST_CASE("hll: counts equal Redis's, sparse and dense") {
  struct Case {
    uint64_t n;
    uint64_t card;
    size_t len;
    uint8_t encoding;
  } cases[] = {{1, 1, 21, kSparse},
               {2, 2, 24, kSparse},
               {3, 3, 27, kSparse},
               {10, 10, 48, kSparse},
               {100, 100, 285, kSparse},
               {500, 506, 1068, kSparse},
               {1000, 1008, 1906, kSparse},
               {2000, 2000, kDenseSize, kDense},
               {5000, 4968, kDenseSize, kDense},
               {20000, 19901, kDenseSize, kDense},
               {100000, 100853, kDenseSize, kDense}};
  std::string h = NewSparse();
  int done = 0;
  for (const Case& c : cases) {
    Elements(&h, done, static_cast<int>(c.n));
    done = static_cast<int>(c.n);
    CAPTURE(c.n);
    CHECK(CountOf(h) == c.card);
    CHECK(Encoding(U8(h)) == c.encoding);
    CHECK(h.size() == c.len);
  }
}

TEST_CASE("hll: a million elements") {
  std::string h = NewSparse();
  Elements(&h, 0, 1000000);
  CHECK(CountOf(h) == 991657);
}

TEST_CASE("hll: degenerate dense histograms count as Redis reports them") {
  CHECK(CountOf(DenseFilled(0)) == 0);
  CHECK(CountOf(DenseFilled(1)) == 23637);
  CHECK(CountOf(DenseFilled(32)) == 50760319129350ULL);
  CHECK(CountOf(DenseFilled(40)) == 12994641697113596ULL);
  CHECK(CountOf(DenseFilled(49)) == 6653256548922161152ULL);
  // Out of llroundl's range: Redis replies INT64_MIN.
  for (uint8_t v : {50, 51, 52, 63}) CHECK(CountOf(DenseFilled(v)) == uint64_t{1} << 63);
}

TEST_CASE("hll: dense registers pack six bits without touching neighbours") {
  std::mt19937 rng(7);
  std::vector<uint8_t> regs((kDenseSize - kHeaderSize) + 1, 0);
  std::vector<uint8_t> expect(kRegisters);
  for (int round = 0; round < 20; ++round) {
    for (uint32_t i = 0; i < kRegisters; ++i) {
      expect[i] = static_cast<uint8_t>(rng() & 63);
      DenseSetRaw(regs.data(), i, expect[i]);
    }
    for (uint32_t i = 0; i < kRegisters; ++i) REQUIRE(DenseGet(regs.data(), i) == expect[i]);
    REQUIRE(regs.back() == 0);  // the last register stays inside the 12288 bytes
  }
  std::fill(regs.begin(), regs.end(), 0);
  CHECK(DenseSet(regs.data(), 5, 3));
  CHECK_FALSE(DenseSet(regs.data(), 5, 2));
  CHECK_FALSE(DenseSet(regs.data(), 5, 3));
  CHECK(DenseSet(regs.data(), 5, 4));
  CHECK(DenseGet(regs.data(), 4) == 0);
  CHECK(DenseGet(regs.data(), 6) == 0);
}

TEST_CASE("hll: sparse and dense agree; promotion at hll-sparse-max-bytes") {
  std::mt19937_64 rng(11);
  for (int round = 0; round < 200; ++round) {
    std::string sparse = NewSparse();
    std::string dense(kDenseSize, '\0');
    REQUIRE(SparseToDense(sparse, U8(&dense)));
    int n = static_cast<int>(rng() % 300);
    for (int i = 0; i < n; ++i) {
      std::string e = std::to_string(rng());
      int a = Add(&sparse, e, 100000);
      int b = Add(&dense, e, 100000);
      REQUIRE(a == b);
    }
    REQUIRE(Encoding(U8(sparse)) == kSparse);
    REQUIRE(CountOf(sparse) == CountOf(dense));
    std::string converted(kDenseSize, '\0');
    REQUIRE(SparseToDense(sparse, U8(&converted)));
    // Same registers (headers differ only in the encoding byte and cache).
    REQUIRE(converted.substr(kHeaderSize) == dense.substr(kHeaderSize));
  }

  // A small limit promotes early; the count does not depend on the representation.
  std::string small = NewSparse(), big = NewSparse();
  bool promoted_at_limit = false;
  for (int i = 0; i < 300; ++i) {
    std::string e = "e" + std::to_string(i);
    Add(&small, e, 200);
    Add(&big, e, 100000);
    if (Encoding(U8(small)) == kDense && !promoted_at_limit) {
      promoted_at_limit = true;
      CHECK(i > 10);
    }
    if (Encoding(U8(small)) == kSparse) REQUIRE(small.size() <= 200);
    REQUIRE(CountOf(small) == CountOf(big));
  }
  CHECK(promoted_at_limit);
  CHECK(Encoding(U8(big)) == kSparse);

  // A register above 32 cannot be sparse.
  std::string h = NewSparse();
  CHECK(SetRegister(&h, 100, 32, 3000) == 1);
  CHECK(Encoding(U8(h)) == kSparse);
  CHECK(SetRegister(&h, 100, 33, 3000) == 1);
  CHECK(Encoding(U8(h)) == kDense);
  CHECK(DenseGet(U8(h) + kHeaderSize, 100) == 33);
}

TEST_CASE("hll: sparse split and merge of opcodes") {
  std::string h = NewSparse();
  REQUIRE(SetRegister(&h, 1000, 2, 3000) == 1);
  CHECK(DecodeSparse(h) == "Z:1000 v:2,1 Z:15383");
  REQUIRE(SetRegister(&h, 1020, 3, 3000) == 1);
  REQUIRE(SetRegister(&h, 1021, 3, 3000) == 1);
  CHECK(DecodeSparse(h) == "Z:1000 v:2,1 z:19 v:3,2 Z:15362");
  CHECK(SetRegister(&h, 1021, 2, 3000) == 0);
  REQUIRE(SetRegister(&h, 1001, 2, 3000) == 1);
  CHECK(DecodeSparse(h) == "Z:1000 v:2,2 z:18 v:3,2 Z:15362");
  REQUIRE(SetRegister(&h, 0, 1, 3000) == 1);
  CHECK(DecodeSparse(h) == "v:1,1 Z:999 v:2,2 z:18 v:3,2 Z:15362");
  REQUIRE(SetRegister(&h, 16383, 5, 3000) == 1);
  CHECK(DecodeSparse(h) == "v:1,1 Z:999 v:2,2 z:18 v:3,2 Z:15361 v:5,1");
  // Splitting a VAL run in the middle.
  for (uint32_t i = 2000; i < 2004; ++i) REQUIRE(SetRegister(&h, i, 4, 3000) == 1);
  CHECK(DecodeSparse(h).find("v:4,4") != std::string::npos);
  REQUIRE(SetRegister(&h, 2001, 6, 3000) == 1);
  CHECK(DecodeSparse(h).find("v:4,1 v:6,1 v:4,2") != std::string::npos);
  CHECK(CacheValid(U8(h)) == false);
}

TEST_CASE("hll: merge and union equal Redis's") {
  std::string m1 = NewSparse(), m2 = NewSparse();
  Elements(&m1, 0, 3000);
  Elements(&m2, 2000, 6000);
  std::vector<uint8_t> max(kRegisters, 0);
  REQUIRE(MergeMax(m1, max.data()));
  REQUIRE(MergeMax(m2, max.data()));
  int hist[kHistogramSize] = {0};
  RawHistogram(max.data(), hist);
  CHECK(Estimate(hist) == 5953);

  // PFMERGE into a new (sparse) key writes the registers in order, giving Redis's bytes.
  std::string s1 = NewSparse(), s2 = NewSparse();
  Elements(&s1, 0, 30);
  Elements(&s2, 20, 60);
  std::fill(max.begin(), max.end(), 0);
  REQUIRE(MergeMax(s1, max.data()));
  REQUIRE(MergeMax(s2, max.data()));
  std::string dest = NewSparse();
  for (uint32_t i = 0; i < kRegisters; ++i)
    if (max[i]) SetRegister(&dest, i, max[i], 3000);
  uint64_t card = CountOf(dest);
  CHECK(card == 60);
  SetCachedCard(U8(&dest), card);
  CHECK(dest ==
        FromHex("48594c4c010000003c0000000000000040748041b99c048840e28041358840d380411d884089804"
                "2a88042da8441868440e184421c804085840780404e80423c8440d38042638040a280404b8c406f"
                "8043868041478041638041618c018421881180418284409488409d80420688420090118440c1844"
                "19c8c40e48440e180422a8441038442968c41d880411c88413c8803804078803f80409b80415188"
                "42f6803384407984419384408880406a840d8039801380409a8840b6"));
}

TEST_CASE("hll: cached cardinality bytes") {
  std::string h = NewSparse();
  CHECK(CacheValid(U8(h)));
  SetCachedCard(U8(&h), 0x0102030405060708ULL);
  CHECK(h.substr(8, 8) == std::string("\x08\x07\x06\x05\x04\x03\x02\x01", 8));
  CHECK(CachedCard(U8(h)) == 0x0102030405060708ULL);
  InvalidateCache(U8(&h));
  CHECK_FALSE(CacheValid(U8(h)));
  CHECK(Add(&h, "x", 3000) == 1);
  CHECK_FALSE(CacheValid(U8(h)));
}

TEST_CASE("hll: corrupted sparse HLLs are detected") {
  std::string h = NewSparse();
  Elements(&h, 0, 20);
  std::vector<uint8_t> max(kRegisters, 0);
  int hist[kHistogramSize] = {0};
  std::string dense(kDenseSize, '\0');
  uint64_t card = 0;

  std::string tail = h + "hello";  // registers past 16384
  CHECK_FALSE(Histogram(tail, hist));
  CHECK_FALSE(MergeMax(tail, max.data()));
  CHECK_FALSE(SparseToDense(tail, U8(&dense)));

  std::string shortened = h.substr(0, h.size() - 1);  // registers missing
  CHECK_FALSE(Histogram(shortened, hist));
  CHECK(Add(&shortened, "e5", 3000) >= 0);  // an update before the cut still works, as in Redis
  std::string empty_body = h.substr(0, kHeaderSize);
  CHECK(SetRegister(&empty_body, 5, 1, 3000) == -1);

  // A two-byte XZERO cut by the end reads a NUL as its second byte, as Redis's strings do.
  std::string base = NewSparse().substr(0, kHeaderSize);
  std::string cut = base + std::string("\x7e\xff\x41", 3);  // XZERO:16128, 0x41 NUL = 257
  CHECK(DecodeSparse(cut) == "Z:16128 Z:257");
  CHECK_FALSE(Histogram(cut, hist));
  std::string covered = base + std::string("\x7f\xfe\x40", 3);  // 16383 + (0x40 NUL = 1)
  CHECK(DecodeSparse(covered) == "Z:16383 Z:1");
  CHECK(Histogram(covered, hist));
  CHECK(SparseToDense(covered, U8(&dense)));
  std::string covered2 = covered;
  CHECK(Add(&covered, "a", 3000) == 1);  // register 12711 lies in the first XZERO
  CHECK(covered == FromHex("48594c4c01000000000000000000008071a6844e5640"));
  CHECK(Count(covered, &card));
  CHECK(card == 1);
  CHECK(Add(&covered2, "zz", 3000) == 1);
  CHECK(covered2 == FromHex("48594c4c0100000000000000000000804ad980752340"));
}

TEST_CASE("hll: the byte after the string behaves as Redis's NUL terminator") {
  // XZERO:12031, then an XZERO cut after its first byte that reads the terminator (0):
  // 0x51 0x00 = 4353 registers, 16384 in all.
  std::vector<uint8_t> buf(64, 0xee);
  const std::string start = NewSparse().substr(0, kHeaderSize) + std::string("\x6e\xfe\x51", 3);
  memcpy(buf.data(), start.data(), start.size());
  size_t len = start.size();
  buf[len] = 0;
  std::string_view view(reinterpret_cast<const char*>(buf.data()), len);
  int hist[kHistogramSize] = {0};
  CHECK(Histogram(view, hist, buf[len]));
  CHECK_FALSE(Histogram(view, hist, 0x01));

  // Register 12711 splits the cut XZERO into XZERO:680 VAL:2 XZERO:3672; the last byte of that
  // sequence (0x57) is written where the terminator was, as Redis's sdsIncrLen + memcpy do.
  uint32_t index;
  uint8_t count = PatLen("a", &index);
  REQUIRE(SparseSet(buf.data(), &len, index, count, 3000) == SparseResult::kChanged);
  view = std::string_view(reinterpret_cast<const char*>(buf.data()), len);
  CHECK(view == FromHex("48594c4c0100000000000000000000806efe42a7844e"));
  CHECK(buf[len] == 0x57);
  CHECK(DecodeSparse(view, buf[len]) == "Z:12031 Z:680 v:2,1 Z:3672");
  CHECK(DecodeSparse(view) == "Z:12031 Z:680 v:2,1 Z:3585");
  uint64_t card = 0;
  int hist2[kHistogramSize] = {0};
  CHECK(Histogram(view, hist2, buf[len]));
  CHECK(Estimate(hist2) == 1);
  CHECK_FALSE(Count(view, &card));  // a copy of the bytes alone is corrupted

  for (const char* e : {"b", "c"}) {
    count = PatLen(e, &index);
    REQUIRE(SparseSet(buf.data(), &len, index, count, 3000) == SparseResult::kChanged);
  }
  view = std::string_view(reinterpret_cast<const char*>(buf.data()), len);
  SetCachedCard(buf.data(), 1);  // Redis cached PFCOUNT's 1 before these adds
  InvalidateCache(buf.data());
  CHECK(view == FromHex("48594c4c01000000010000000000008060f3804e0942a7844bfb8042"));
}

TEST_CASE("hll: self test passes") { CHECK(SelfTest(3000, 42) == ""); }

TEST_CASE("hll: MurmurHash64A is byte-order independent and covers every tail length") {
  // Same bytes, same hash, whatever the alignment.
  std::string buf(64, '\0');
  for (size_t i = 0; i < buf.size(); ++i) buf[i] = static_cast<char>(i * 37 + 11);
  for (size_t len = 0; len < 24; ++len) {
    uint64_t a = MurmurHash64A(buf.data(), len, kHashSeed);
    uint64_t b = MurmurHash64A(buf.data() + 1 + 16, len, kHashSeed);
    std::string copy = buf.substr(1 + 16, len);
    CHECK(MurmurHash64A(copy.data(), len, kHashSeed) == b);
    if (len > 0) CHECK(a != b);
  }
}

}  // namespace
}  // namespace sable::hll
