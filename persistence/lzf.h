// LZF, the compressor of Redis's RDB strings (encoding 0xC3), through Debian's liblzf (the
// same lzf 3.6 code and settings Redis bundles, so compressed bytes match redis-server's).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sable {

// Compresses `in` into *out (replacing its contents). False when the result would need more
// than `max_out` bytes (incompressible input) or `in` is too long for liblzf (>= 4 GiB).
bool LzfCompress(std::string_view in, size_t max_out, std::string* out);

// Decompresses `in`, which must expand to exactly `out_len` bytes, into *out. False on corrupt
// input (bad back-references, truncated runs, a different length); never reads or writes out
// of bounds.
bool LzfDecompress(std::string_view in, size_t out_len, std::string* out);

// The most bytes `in_len` compressed bytes can expand to (a long back-reference, 3 bytes,
// copies up to 264): larger claimed lengths are corrupt and are refused before allocating.
inline constexpr size_t LzfMaxExpansion(size_t in_len) { return in_len * 88 + 8; }

}  // namespace sable
