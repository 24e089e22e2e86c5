// CRC-64 as used by Redis's RDB files and DUMP payloads (Jones polynomial, reflected,
// init 0, no final xor). Check value for "123456789": 0xe9c6d914c4b8d9ca.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sable {

uint64_t Crc64(uint64_t crc, const void* data, size_t len);

}  // namespace sable
