// Ziplist: the compact encoding of small lists, hashes and sorted sets in RDB files written
// before Redis 7.0 (RDB types 10, 12, 13 and the nodes of type 14). Read-only: loading turns
// every ziplist into a listpack (LpFromZiplist), so only decoding with validation lives here.
//
//   <zlbytes: uint32 LE> <zltail: uint32 LE, offset of the last entry> <zllen: uint16 LE,
//   65535 = "count by walking"> <entry>* <0xFF>
//   entry = <prevlen: 1 byte if < 254, else 0xFE + uint32 LE> <encoding [+ data]>
//   encoding: 00pppppp 6-bit-length string | 01pppppp qqqqqqqq 14-bit length (big endian) |
//             10xxxxxx + 4-byte big-endian length string | C0 int16 | D0 int32 | E0 int64 |
//             F0 int24 | FE int8 (little endian) | F1..FD immediate 0..12
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "datastructs/listpack.h"

namespace sable {

inline constexpr size_t kZiplistHeaderSize = 10;

// Validates a ziplist of `size` bytes coming from outside (as Redis's deep
// ziplistValidateIntegrity: header bytes and tail offset, every entry inside the buffer with a
// valid encoding, each prevlen equal to the previous entry's size, the count) and appends its
// elements in order to *out as LpValues (strings point into `zl`). False on any inconsistency
// (*out may then hold a prefix).
bool ZiplistDecode(const uint8_t* zl, size_t size, std::vector<LpValue>* out);

}  // namespace sable
