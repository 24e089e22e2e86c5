// Zipmap: the small-hash encoding of Redis 2.4 RDB files (RDB_TYPE_HASH_ZIPMAP). Read-only:
// loading turns it into a listpack of field/value pairs.
//
//   <count: 1 byte, 254 = "count by walking"> (<len> field <len> <free: 1 byte> value
//   <free bytes>)* <0xFF>;  len = 1 byte if < 254, else 254 + uint32 LE
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

namespace sable {

// Validates a zipmap as Redis's deep zipmapValidateIntegrity (every length and value inside
// the buffer, the terminator where the entries end, at least one pair, the count byte) and
// appends field, value, field, value... to *out (views into `zm`). False on any inconsistency.
bool ZipmapDecode(std::string_view zm, std::vector<std::string_view>* out);

}  // namespace sable
