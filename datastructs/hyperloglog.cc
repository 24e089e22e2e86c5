#include "datastructs/hyperloglog.h"

#include <fmt/format.h>

#include <cmath>
#include <cstring>
#include <random>
#include <vector>

namespace sable::hll {

namespace {

constexpr uint32_t kIndexMask = kRegisters - 1;
constexpr uint8_t kRegisterMax = (1 << kBits) - 1;
constexpr int kZeroMaxLen = 64;
constexpr int kValMaxLen = 4;
constexpr uint32_t kXZeroMaxLen = 16384;
constexpr double kAlphaInf = 0.721347520444481703680;  // 0.5 / ln(2)

// Sparse opcodes.
constexpr bool IsZero(uint8_t b) { return (b & 0xc0) == 0; }
constexpr bool IsXZero(uint8_t b) { return (b & 0xc0) == 0x40; }
constexpr bool IsVal(uint8_t b) { return (b & 0x80) != 0; }
constexpr int ZeroLen(uint8_t b) { return (b & 0x3f) + 1; }
constexpr int XZeroLen(uint8_t b0, uint8_t b1) { return (((b0 & 0x3f) << 8) | b1) + 1; }
constexpr int ValValue(uint8_t b) { return ((b >> 2) & 0x1f) + 1; }
constexpr int ValLen(uint8_t b) { return (b & 0x3) + 1; }
inline uint8_t MakeVal(int value, int len) {
  return static_cast<uint8_t>(0x80 | ((value - 1) << 2) | (len - 1));
}
inline uint8_t MakeZero(int len) { return static_cast<uint8_t>(len - 1); }
inline void PutXZero(uint8_t* p, int len) {
  p[0] = static_cast<uint8_t>(0x40 | ((len - 1) >> 8));
  p[1] = static_cast<uint8_t>((len - 1) & 0xff);
}
// Writes the shortest zero-run opcode for `len` registers; returns its size.
inline int PutZeros(uint8_t* p, int len) {
  if (len > kZeroMaxLen) {
    PutXZero(p, len);
    return 2;
  }
  p[0] = MakeZero(len);
  return 1;
}

// Walks the opcodes of a read-only sparse body, calling zero(run) / val(value, run) while the
// registers covered stay within kRegisters. Returns false unless exactly kRegisters are covered.
// A two-byte XZERO cut by the end of the string reads `after` as its second byte.
template <typename OnZero, typename OnVal>
bool WalkSparse(std::string_view hll, uint8_t after, OnZero zero, OnVal val) {
  const auto* p = reinterpret_cast<const uint8_t*>(hll.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(hll.data()) + hll.size();
  uint32_t idx = 0;
  while (p < end) {
    uint8_t b = *p;
    uint32_t run;
    if (IsZero(b)) {
      run = static_cast<uint32_t>(ZeroLen(b));
      ++p;
    } else if (IsXZero(b)) {
      run = static_cast<uint32_t>(XZeroLen(b, p + 1 < end ? p[1] : after));
      p += 2;
    } else {
      run = static_cast<uint32_t>(ValLen(b));
      if (idx + run > kRegisters) return false;
      val(idx, ValValue(b), run);
      idx += run;
      ++p;
      continue;
    }
    if (idx + run > kRegisters) return false;
    zero(run);
    idx += run;
  }
  return idx == kRegisters;
}

// Registers covered by each one-byte opcode (ZERO, VAL); 0 marks the first byte of an XZERO.
struct SpanTable {
  uint8_t v[256];
  constexpr SpanTable() : v() {
    for (int i = 0; i < 256; ++i) {
      auto b = static_cast<uint8_t>(i);
      v[i] = static_cast<uint8_t>(IsZero(b) ? ZeroLen(b) : IsVal(b) ? ValLen(b) : 0);
    }
  }
};
constexpr SpanTable kOneByteSpan;

}  // namespace

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed) {
  constexpr uint64_t m = 0xc6a4a7935bd1e995ULL;
  constexpr int r = 47;
  uint64_t h = seed ^ (static_cast<uint64_t>(len) * m);
  const auto* data = static_cast<const uint8_t*>(key);
  const uint8_t* end = data + (len - (len & 7));
  for (; data != end; data += 8) {
    uint64_t k = 0;
    for (int i = 7; i >= 0; --i) k = (k << 8) | data[i];  // little-endian on every host
    k *= m;
    k ^= k >> r;
    k *= m;
    h ^= k;
    h *= m;
  }
  size_t tail = len & 7;
  if (tail != 0) {
    for (size_t i = tail; i-- > 0;) h ^= static_cast<uint64_t>(data[i]) << (8 * i);
    h *= m;
  }
  h ^= h >> r;
  h *= m;
  h ^= h >> r;
  return h;
}

uint8_t PatLen(std::string_view element, uint32_t* index) {
  uint64_t hash = MurmurHash64A(element.data(), element.size(), kHashSeed);
  *index = static_cast<uint32_t>(hash & kIndexMask);
  hash >>= kP;
  hash |= uint64_t{1} << kQ;  // the run ends by bit kQ at the latest
  return static_cast<uint8_t>(__builtin_ctzll(hash) + 1);
}

bool IsHll(std::string_view s) {
  if (s.size() < kHeaderSize || s.substr(0, 4) != "HYLL") return false;
  auto enc = static_cast<uint8_t>(s[4]);
  if (enc > kSparse) return false;
  return enc != kDense || s.size() == kDenseSize;
}

uint64_t CachedCard(const uint8_t* hll) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | hll[8 + i];
  return v;
}

void SetCachedCard(uint8_t* hll, uint64_t card) {
  for (int i = 0; i < 8; ++i) hll[8 + i] = static_cast<uint8_t>(card >> (8 * i));
}

std::string NewSparse() {
  std::string s(kHeaderSize, '\0');
  memcpy(s.data(), "HYLL", 4);
  s[4] = static_cast<char>(kSparse);
  for (uint32_t left = kRegisters; left > 0;) {
    uint32_t run = left < kXZeroMaxLen ? left : kXZeroMaxLen;
    uint8_t op[2];
    PutXZero(op, static_cast<int>(run));
    s.append(reinterpret_cast<const char*>(op), 2);
    left -= run;
  }
  return s;
}

// Register i occupies bits [6i, 6i+6) counting from the LSB of byte 0; it spans two bytes
// when it starts at bit 4 or 6 of a byte. The last register (start bit 2) never does.
uint8_t DenseGet(const uint8_t* regs, uint32_t index) {
  uint32_t bit = index * kBits;
  uint32_t byte = bit / 8, shift = bit & 7;
  unsigned v = regs[byte] >> shift;
  if (shift > 8 - kBits) v |= static_cast<unsigned>(regs[byte + 1]) << (8 - shift);
  return static_cast<uint8_t>(v & kRegisterMax);
}

void DenseSetRaw(uint8_t* regs, uint32_t index, uint8_t value) {
  uint32_t bit = index * kBits;
  uint32_t byte = bit / 8, shift = bit & 7;
  unsigned v = value & kRegisterMax;
  regs[byte] = static_cast<uint8_t>((regs[byte] & ~(kRegisterMax << shift)) | (v << shift));
  if (shift > 8 - kBits) {
    unsigned hi = 8 - shift;  // bits already stored in the first byte
    regs[byte + 1] = static_cast<uint8_t>((regs[byte + 1] & ~(kRegisterMax >> hi)) | (v >> hi));
  }
}

bool DenseSet(uint8_t* regs, uint32_t index, uint8_t count) {
  if (count <= DenseGet(regs, index)) return false;
  DenseSetRaw(regs, index, count);
  return true;
}

SparseResult SparseSet(uint8_t* hll, size_t* len, uint32_t index, uint8_t count, size_t max_bytes) {
  if (count > kSparseValMax) return SparseResult::kPromote;
  uint8_t* const body = hll + kHeaderSize;
  uint8_t* end = hll + *len;

  // 1. Find the opcode covering `index`: p, the registers before it (first), its span.
  uint8_t* p = body;
  uint8_t* prev = nullptr;
  int64_t first = 0, span = 0;
  while (p < end) {
    // The hot loop of sparse updates: one table load for ZERO and VAL, a branch for XZERO.
    int oplen = 1;
    span = kOneByteSpan.v[*p];
    if (span == 0) {
      span = XZeroLen(p[0], p[1]);
      oplen = 2;
    }
    if (index <= first + span - 1) break;
    prev = p;
    p += oplen;
    first += span;
  }
  if (span == 0 || p >= end) return SparseResult::kInvalid;
  const bool xzero = IsXZero(*p), zero = IsZero(*p), val = IsVal(*p);
  uint8_t* next = p + (xzero ? 2 : 1);
  if (next >= end) next = nullptr;
  const int64_t runlen = zero ? ZeroLen(*p) : val ? ValLen(*p) : XZeroLen(p[0], p[1]);

  // 2. Update in place when the opcode is just this register, else split it into up to
  // three opcodes (before, the new VAL, after) and splice them in.
  if (val && ValValue(*p) >= count) return SparseResult::kUnchanged;
  if ((val || zero) && runlen == 1) {
    *p = MakeVal(count, 1);
  } else {
    uint8_t seq[5];
    int n = 0;
    const int64_t last = first + span - 1;
    const int before = static_cast<int>(index - first), after = static_cast<int>(last - index);
    if (val) {
      int cur = ValValue(*p);
      if (before > 0) seq[n++] = MakeVal(cur, before);
      seq[n++] = MakeVal(count, 1);
      if (after > 0) seq[n++] = MakeVal(cur, after);
    } else {
      if (before > 0) n += PutZeros(seq + n, before);
      seq[n++] = MakeVal(count, 1);
      if (after > 0) n += PutZeros(seq + n, after);
    }
    const int delta = n - (xzero ? 2 : 1);
    if (delta > 0 && *len + static_cast<size_t>(delta) > max_bytes) return SparseResult::kPromote;
    if (delta != 0 && next != nullptr) memmove(next + delta, next, static_cast<size_t>(end - next));
    // Redis terminates the string at its new length and then writes the sequence: splitting
    // a cut XZERO at the end thus leaves the sequence's last byte after the string.
    *len += static_cast<size_t>(delta);
    hll[*len] = 0;
    memcpy(p, seq, static_cast<size_t>(n));
    end += delta;
  }

  // 3. Merge equal adjacent VALs, scanning at most five opcodes from the one before ours.
  p = prev != nullptr ? prev : body;
  for (int scan = 5; p < end && scan > 0; --scan) {
    if (IsXZero(*p)) {
      p += 2;
      continue;
    }
    if (IsZero(*p)) {
      ++p;
      continue;
    }
    if (p + 1 < end && IsVal(p[1]) && ValValue(p[0]) == ValValue(p[1])) {
      int merged = ValLen(p[0]) + ValLen(p[1]);
      if (merged <= kValMaxLen) {
        p[1] = MakeVal(ValValue(p[0]), merged);
        memmove(p, p + 1, static_cast<size_t>(end - p));
        --*len;
        hll[*len] = 0;
        --end;
        continue;  // try the merged opcode against its right neighbour too
      }
    }
    ++p;
  }
  InvalidateCache(hll);
  return SparseResult::kChanged;
}

bool SparseToDense(std::string_view sparse, uint8_t* dense, uint8_t after) {
  memset(dense, 0, kDenseSize);
  memcpy(dense, sparse.data(), kHeaderSize);  // magic and cached cardinality carry over
  dense[4] = kDense;
  uint8_t* regs = dense + kHeaderSize;
  return WalkSparse(
      sparse, after, [](uint32_t) {},
      [regs](uint32_t idx, int value, uint32_t run) {
        for (uint32_t i = 0; i < run; ++i) DenseSetRaw(regs, idx + i, static_cast<uint8_t>(value));
      });
}

bool Histogram(std::string_view hll, int* hist, uint8_t after) {
  const auto* h = reinterpret_cast<const uint8_t*>(hll.data());
  if (Encoding(h) == kDense) {
    const uint8_t* r = h + kHeaderSize;
    // Four registers in every three bytes.
    for (uint32_t i = 0; i < kRegisters / 4; ++i, r += 3) {
      ++hist[r[0] & 63];
      ++hist[((r[0] >> 6) | (r[1] << 2)) & 63];
      ++hist[((r[1] >> 4) | (r[2] << 4)) & 63];
      ++hist[(r[2] >> 2) & 63];
    }
    return true;
  }
  return WalkSparse(
      hll, after, [hist](uint32_t run) { hist[0] += static_cast<int>(run); },
      [hist](uint32_t, int value, uint32_t run) { hist[value] += static_cast<int>(run); });
}

void RawHistogram(const uint8_t* regs, int* hist) {
  for (uint32_t i = 0; i < kRegisters; ++i) ++hist[regs[i]];
}

namespace {

// sigma and tau from Ertl, "New cardinality estimation algorithms for HyperLogLog sketches"
// (arXiv:1702.01284), evaluated as series until the sum stops changing.
double Sigma(double x) {
  if (x == 1.0) return INFINITY;
  double y = 1.0, z = x, prev;
  do {
    x *= x;
    prev = z;
    z += x * y;
    y += y;
  } while (prev != z);
  return z;
}

double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0, z = 1 - x, prev;
  do {
    x = sqrt(x);
    prev = z;
    y *= 0.5;
    z -= pow(1 - x, 2) * y;
  } while (prev != z);
  return z / 3;
}

}  // namespace

uint64_t Estimate(const int* hist) {
  const double m = kRegisters;
  double z = m * Tau((m - hist[kQ + 1]) / m);
  for (int j = kQ; j >= 1; --j) {
    z += hist[j];
    z *= 0.5;
  }
  z += m * Sigma(hist[0] / m);
  double e = kAlphaInf * m * m / z;
  // Redis rounds with llroundl; out of range (degenerate histograms of crafted HLLs, z = 0)
  // that yields INT64_MIN on x86-64, which Redis then reports, so 2^63 stands for it here.
  if (!(e < 9223372036854775808.0)) return uint64_t{1} << 63;
  return static_cast<uint64_t>(llround(e));
}

bool MergeMax(std::string_view hll, uint8_t* max, uint8_t after) {
  const auto* h = reinterpret_cast<const uint8_t*>(hll.data());
  if (Encoding(h) == kDense) {
    for (uint32_t i = 0; i < kRegisters; ++i) {
      uint8_t v = DenseGet(h + kHeaderSize, i);
      if (v > max[i]) max[i] = v;
    }
    return true;
  }
  return WalkSparse(
      hll, after, [](uint32_t) {},
      [max](uint32_t idx, int value, uint32_t run) {
        for (uint32_t i = idx; i < idx + run; ++i)
          if (value > max[i]) max[i] = static_cast<uint8_t>(value);
      });
}

std::string DecodeSparse(std::string_view hll, uint8_t after) {
  std::string out;
  const auto* p = reinterpret_cast<const uint8_t*>(hll.data()) + kHeaderSize;
  const auto* end = reinterpret_cast<const uint8_t*>(hll.data()) + hll.size();
  while (p < end) {
    if (!out.empty()) out += ' ';
    if (IsZero(*p)) {
      out += fmt::format("z:{}", ZeroLen(*p));
      ++p;
    } else if (IsXZero(*p)) {
      out += fmt::format("Z:{}", XZeroLen(p[0], p + 1 < end ? p[1] : after));
      p += 2;
    } else {
      out += fmt::format("v:{},{}", ValValue(*p), ValLen(*p));
      ++p;
    }
  }
  return out;
}

int SetRegister(std::string* hll, uint32_t index, uint8_t count, size_t max_bytes) {
  auto* h = reinterpret_cast<uint8_t*>(hll->data());
  if (Encoding(h) == kDense) return DenseSet(h + kHeaderSize, index, count) ? 1 : 0;
  size_t len = hll->size();
  hll->resize(len + kSparseSlack);
  SparseResult r =
      SparseSet(reinterpret_cast<uint8_t*>(hll->data()), &len, index, count, max_bytes);
  hll->resize(len);
  switch (r) {
    case SparseResult::kUnchanged:
      return 0;
    case SparseResult::kChanged:
      return 1;
    case SparseResult::kInvalid:
      return -1;
    case SparseResult::kPromote:
      break;
  }
  std::string dense(kDenseSize, '\0');
  if (!SparseToDense(*hll, reinterpret_cast<uint8_t*>(dense.data()))) return -1;
  hll->swap(dense);
  DenseSet(reinterpret_cast<uint8_t*>(hll->data()) + kHeaderSize, index, count);
  return 1;
}

int Add(std::string* hll, std::string_view element, size_t max_bytes) {
  uint32_t index;
  uint8_t count = PatLen(element, &index);
  int r = SetRegister(hll, index, count, max_bytes);
  if (r == 1) InvalidateCache(reinterpret_cast<uint8_t*>(hll->data()));
  return r;
}

bool Count(std::string_view hll, uint64_t* card) {
  int hist[kHistogramSize] = {0};
  if (!Histogram(hll, hist)) return false;
  *card = Estimate(hist);
  return true;
}

std::string SelfTest(size_t sparse_max_bytes, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint8_t> dense(kDenseSize, 0);
  uint8_t* regs = dense.data() + kHeaderSize;
  std::vector<uint8_t> expect(kRegisters);

  // 1. Every register keeps its own 6 bits without touching its neighbours.
  for (int cycle = 0; cycle < 1000; ++cycle) {
    for (uint32_t i = 0; i < kRegisters; ++i) {
      expect[i] = static_cast<uint8_t>(rng() & kRegisterMax);
      DenseSetRaw(regs, i, expect[i]);
    }
    for (uint32_t i = 0; i < kRegisters; ++i) {
      uint8_t v = DenseGet(regs, i);
      if (v != expect[i])
        return fmt::format("TESTFAILED Register {} should be {} but is {}", i, expect[i], v);
    }
  }

  // 2. Estimates stay within six standard errors, and sparse and dense agree.
  memset(regs, 0, kDenseSize - kHeaderSize);
  memcpy(dense.data(), "HYLL", 4);
  std::string sparse = NewSparse();
  const double relerr = 1.04 / std::sqrt(static_cast<double>(kRegisters));
  uint64_t checkpoint = 1;
  uint64_t salt = rng();
  const std::string_view dense_view(reinterpret_cast<const char*>(dense.data()), dense.size());
  for (uint64_t j = 1; j <= 10000000; ++j) {
    uint64_t ele = j ^ salt;
    char bytes[8];
    for (int b = 0; b < 8; ++b) bytes[b] = static_cast<char>(ele >> (8 * b));
    uint32_t index;
    uint8_t count = PatLen({bytes, 8}, &index);
    DenseSet(regs, index, count);
    if (SetRegister(&sparse, index, count, sparse_max_bytes) < 0) return "TESTFAILED sparse add";
    if (j != checkpoint) continue;
    if (j < sparse_max_bytes / 2 && static_cast<uint8_t>(sparse[4]) != kSparse)
      return "TESTFAILED sparse encoding not used";
    uint64_t card_dense = 0, card_sparse = 0;
    Count(dense_view, &card_dense);
    Count(sparse, &card_sparse);
    if (card_dense != card_sparse) return "TESTFAILED dense/sparse disagree";
    int64_t abserr = static_cast<int64_t>(checkpoint) - static_cast<int64_t>(card_dense);
    if (abserr < 0) abserr = -abserr;
    auto maxerr = static_cast<int64_t>(std::ceil(relerr * 6 * static_cast<double>(checkpoint)));
    if (j == 10) maxerr = 1;  // collisions at 10 are likely enough to flake otherwise
    if (abserr > maxerr)
      return fmt::format("TESTFAILED Too big error. card:{} abserr:{}", checkpoint, abserr);
    checkpoint *= 10;
  }
  return "";
}

}  // namespace sable::hll
