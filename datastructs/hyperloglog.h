// HyperLogLog in Redis's own byte format, so an HLL is a plain string value that GET/SET move
// between Sable and redis-server unchanged and that counts exactly as Redis 7.0 counts it.
//
// Format (all of it is observable through GET):
//   header   "HYLL", encoding byte (0 dense, 1 sparse), 3 zero bytes, 8-byte little-endian
//            cached cardinality whose top bit set means "stale, recompute".
//   dense    16384 registers of 6 bits packed LSB first: 12288 bytes, 12304 with the header.
//   sparse   run-length opcodes over the registers in order:
//              ZERO  00xxxxxx            1..64 zero registers
//              XZERO 01xxxxxx yyyyyyyy   1..16384 zero registers (14-bit length - 1)
//              VAL   1vvvvvxx            1..4 registers of value 1..32
//            A sparse HLL turns dense when a register needs a value above 32 or an update
//            would make the string longer than hll-sparse-max-bytes.
// Elements hash with MurmurHash64A (seed 0xadc83b19): the low 14 bits pick the register, the
// position of the first 1 bit above them (1..51) is the candidate value. The estimate is
// Ertl's improved raw estimator over the register histogram (Redis >= 5), rounded.
//
// Sparse updates reproduce Redis's split-and-merge steps exactly, so the bytes of an HLL built
// by the same commands are identical to Redis's. Corrupted input is read as Redis reads it: a
// sparse HLL is invalid when its opcodes do not cover exactly 16384 registers, and a two-byte
// XZERO cut by the end of the string takes its low byte from the byte after the string
// (`after` below). Redis strings keep a NUL there, but Redis's sparse update can leave another
// byte in that place when it splits such a cut XZERO; callers that store HLLs keep that byte
// with the string (HeapStr has room for it) to stay exact even then.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sable::hll {

inline constexpr size_t kHeaderSize = 16;
inline constexpr int kP = 14;                     // register index bits
inline constexpr int kQ = 64 - kP;                // hash bits left for the run length
inline constexpr uint32_t kRegisters = 1u << kP;  // 16384
inline constexpr int kBits = 6;
inline constexpr size_t kDenseSize = kHeaderSize + (kRegisters * kBits + 7) / 8;  // 12304
inline constexpr uint8_t kDense = 0;
inline constexpr uint8_t kSparse = 1;
inline constexpr uint8_t kSparseValMax = 32;
inline constexpr int kHistogramSize = 64;  // any 6-bit register value indexes it safely
// Room a sparse update needs past the current length: an XZERO split into five bytes, plus
// the byte after the string.
inline constexpr size_t kSparseSlack = 4;
inline constexpr uint64_t kHashSeed = 0xadc83b19ULL;

uint64_t MurmurHash64A(const void* key, size_t len, uint64_t seed);

// The register an element maps to and its run length "000..1" (1..kQ+1).
uint8_t PatLen(std::string_view element, uint32_t* index);

// Redis's isHLLObject checks: at least a header, "HYLL", a known encoding, and exactly
// kDenseSize bytes when dense. The sparse opcodes are not checked here.
bool IsHll(std::string_view s);

// Header accessors. REQUIRES: at least kHeaderSize bytes.
inline uint8_t Encoding(const uint8_t* hll) { return hll[4]; }
inline bool CacheValid(const uint8_t* hll) { return (hll[15] & 0x80) == 0; }
uint64_t CachedCard(const uint8_t* hll);
void SetCachedCard(uint8_t* hll, uint64_t card);
inline void InvalidateCache(uint8_t* hll) { hll[15] |= 0x80; }

// A new empty HLL: sparse, one XZERO covering every register, cached cardinality 0.
std::string NewSparse();

// Dense registers; `regs` points just past the header.
uint8_t DenseGet(const uint8_t* regs, uint32_t index);
void DenseSetRaw(uint8_t* regs, uint32_t index, uint8_t value);
// Raises register `index` to `count` if lower; returns whether it changed.
bool DenseSet(uint8_t* regs, uint32_t index, uint8_t count);

enum class SparseResult { kUnchanged, kChanged, kPromote, kInvalid };

// Raises register `index` of the sparse HLL hll[0, *len) to `count` in place, updating *len
// and invalidating the cached cardinality on a change. hll[*len] is the byte after the string
// (0 for a fresh one); it is read and rewritten as Redis treats its NUL terminator.
// kPromote: the change needs the dense encoding (value > 32, or the string would pass
// `max_bytes`); nothing was modified. kInvalid: the opcodes do not reach `index`.
// REQUIRES: hll has room for *len + kSparseSlack bytes; index < kRegisters.
SparseResult SparseSet(uint8_t* hll, size_t* len, uint32_t index, uint8_t count, size_t max_bytes);

// Writes the dense form (header copied, encoding set to dense) of a sparse HLL into `dense`
// (kDenseSize bytes). Returns false if the sparse opcodes are invalid. REQUIRES: IsHll(sparse).
bool SparseToDense(std::string_view sparse, uint8_t* dense, uint8_t after = 0);

// Register-value histogram of a valid-looking HLL; false if its sparse opcodes are invalid.
bool Histogram(std::string_view hll, int* hist /* kHistogramSize, zeroed */, uint8_t after = 0);
// Histogram of kRegisters one-byte registers (PFCOUNT of several keys).
void RawHistogram(const uint8_t* regs, int* hist /* kHistogramSize, zeroed */);
// The cardinality estimate of a register histogram.
uint64_t Estimate(const int* hist);

// max[i] = MAX(max[i], register i) for every register. False if the sparse opcodes are
// invalid (max may be partly updated). REQUIRES: IsHll(hll).
bool MergeMax(std::string_view hll, uint8_t* max /* kRegisters */, uint8_t after = 0);

// PFDEBUG DECODE text of a sparse HLL: "Z:16384", "z:3 v:2,1 ...".
std::string DecodeSparse(std::string_view hll, uint8_t after = 0);

// Conveniences over std::string values (unit tests, PFSELFTEST; the byte after a std::string
// is always its NUL). SetRegister raises one register (promoting to dense as needed) and Add
// adds an element; both return 1 if a register changed, 0 if not, -1 if the HLL is invalid.
// Count returns false if it is invalid.
int SetRegister(std::string* hll, uint32_t index, uint8_t count, size_t max_bytes);
int Add(std::string* hll, std::string_view element, size_t max_bytes);
bool Count(std::string_view hll, uint64_t* card);

// PFSELFTEST: register packing and estimator error checks. Returns "" or the error reply.
std::string SelfTest(size_t sparse_max_bytes, uint64_t seed);

}  // namespace sable::hll
