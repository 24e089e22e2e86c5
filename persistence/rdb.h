// Redis RDB (version 10, as Redis 7.0 writes it) encoding primitives. The encoder appends to a
// string buffer the caller drains to a file or socket; the decoder walks a complete buffer and
// returns one record at a time. Value types beyond what the server stores are reported, not
// guessed at. No server includes: the server maps records to its keyspace (server/snapshot.*).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

namespace rdb {

inline constexpr int kVersion = 10;

// Opcodes and value types (Redis 7.0 rdb.h numbering).
enum Op : uint8_t {
  kFunction2 = 245,
  kFunctionPreGa = 246,  // 7.0-rc1/rc2 function library format
  kModuleAux = 247,
  kIdle = 248,
  kFreq = 249,
  kAux = 250,
  kResizeDb = 251,
  kExpireTimeMs = 252,
  kExpireTime = 253,
  kSelectDb = 254,
  kEof = 255,
};

enum Type : uint8_t {
  kString = 0,
  kList = 1,
  kSet = 2,
  kZSet = 3,
  kHash = 4,
  kZSet2 = 5,
  kModule2 = 7,
  kHashZipmap = 9,
  kListZiplist = 10,
  kSetIntset = 11,
  kZSetZiplist = 12,
  kHashZiplist = 13,
  kListQuicklist = 14,
  kStreamListpacks = 15,
  kHashListpack = 16,
  kZSetListpack = 17,
  kListQuicklist2 = 18,
  kStreamListpacks2 = 19,
};

// Strings longer than this are LZF-compressed on save when compression is on (Redis: "under
// 20 bytes it's unable to compress even aaaaaaaaaaaaaaaaaa").
inline constexpr size_t kLzfMinLength = 20;

// rdb_load's *err for a value with no elements. Redis skips such keys when loading a file
// (old versions could write them) and refuses them in RESTORE.
inline constexpr const char* kEmptyKeyError = "empty key";

// The name of a module type (9 characters) from the 64-bit module id stored in RDB files.
std::string ModuleTypeName(uint64_t module_id);

}  // namespace rdb

// Encoding limits for values built while loading (the server's *-max-listpack-* and
// set-max-intset-entries settings; Redis converts loaded values that exceed them).
struct RdbLoadLimits {
  int64_t list_max_listpack_size = -2;
  size_t hash_max_listpack_entries = 512;
  size_t hash_max_listpack_value = 64;
  size_t set_max_intset_entries = 512;
  size_t zset_max_listpack_entries = 128;
  size_t zset_max_listpack_value = 64;
};

class RdbEncoder {
 public:
  // `compress`: LZF-compress strings over kLzfMinLength bytes when that saves space
  // (rdbcompression yes), as Redis does for RDB files and DUMP payloads.
  explicit RdbEncoder(std::string* out, bool compress = false)
      : out_(out), compress_(compress) {}
  void Header();                                    // "REDIS0010"
  void Aux(std::string_view key, std::string_view value);
  void SelectDb(uint64_t db);
  void ResizeDb(uint64_t keys, uint64_t expires);
  void ExpireMs(int64_t when_ms);
  void Type(uint8_t t) { out_->push_back(static_cast<char>(t)); }
  void Length(uint64_t len);
  // A string (Redis's rdbSaveRawString): an integer encoding when the text is a canonical
  // integer that fits 32 bits, else LZF when compressing pays, else length + bytes.
  void String(std::string_view s);
  void Int(int64_t v);  // as a string object with an integer encoding
  void Raw(std::string_view bytes) { out_->append(bytes); }
  // Appends the EOF opcode and the CRC64 of everything in *out from `start` on, continuing
  // `crc` (the CRC of the part of the image already drained from *out).
  void Eof(size_t start = 0, bool checksum = true, uint64_t crc = 0);

 private:
  bool TryLzf(std::string_view s);
  std::string* out_;
  bool compress_;
};

// One record of an RDB stream.
struct RdbRecord {
  enum Kind { kAux, kSelectDb, kResizeDb, kKey, kEof, kFunction } kind;
  std::string aux_key, aux_value;
  uint64_t db = 0;
  uint64_t db_keys = 0, db_expires = 0;
  int64_t expire_ms = -1;
  int64_t idle = -1;
  int freq = -1;
  uint8_t type = 0;
  std::string key;
  // String values: `str`. Other types: the raw serialized value bytes in `payload` are
  // decoded by the caller with the helpers below (collections arrive with their families).
  std::string str;
  std::vector<std::string> items;  // plain list/set/hash (flattened pairs)/zset (member, score)
  std::string payload;             // encoded blobs (ziplist, listpack, intset, ...); for
                                   // streams, the raw bytes after the nodes
  std::vector<std::string> blobs;  // quicklist nodes; stream (master ID, listpack) pairs
  std::vector<uint64_t> container_flags;  // quicklist2 node containers
  // Set by the caller (not the decoder): the limits values are converted against.
  RdbLoadLimits limits;
};

class RdbDecoder {
 public:
  RdbDecoder(std::string_view data) : data_(data) {}
  // Checks the magic and version. Returns false with *err on mismatch.
  bool Header(std::string* err);
  // Reads the next record. Returns false with *err on corrupt/truncated input.
  bool Next(RdbRecord* rec, std::string* err);
  // After kEof: verifies the CRC64 trailer (a zero trailer means "not computed").
  bool VerifyChecksum(std::string* err) const;
  // After the EOF record: the offset just past the image (its checksum included), where an
  // AOF with an RDB preamble continues with RESP commands.
  size_t EndOffset() const { return eof_pos_ + (version_ >= 5 ? 8 : 0); }
  size_t offset() const { return pos_; }
  // Why the last ReadString failed when it was not a plain short read ("" otherwise).
  const std::string& string_error() const { return string_error_; }
  int version() const { return version_; }

  // Building blocks (exposed for DUMP payloads, which carry one value).
  bool ReadLength(uint64_t* len, bool* encoded = nullptr);
  bool ReadString(std::string* out);
  bool ReadValue(uint8_t type, RdbRecord* rec, std::string* err);
  // `n` bytes as they are (stream IDs, millisecond times).
  bool ReadRaw(size_t n, std::string_view* out) { return ReadBytes(n, out); }

 private:
  bool ReadByte(uint8_t* b);
  bool ReadBytes(size_t n, std::string_view* out);
  std::string_view data_;
  size_t pos_ = 0;
  size_t eof_pos_ = 0;
  int version_ = 0;
  std::string string_error_;
};

}  // namespace sable
