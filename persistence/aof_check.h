// Strict shape check of one AOF record. The network parser (like Redis's) skips the CRLF after
// a bulk and only looks for the CR that ends a header line, which is right for clients but lets
// a flipped LF or payload terminator in an AOF go unnoticed; the AOF loader re-checks each
// record with this so such corruption is refused with its offset instead of loaded.
#pragma once

#include <cstddef>
#include <string_view>

namespace sable {

// True if `rec` is exactly "*<n>\r\n" followed by n "$<len>\r\n<len bytes>\r\n" (n >= 1,
// decimal lengths without sign or leading junk). On false, *bad_at is the offset of the
// first byte that breaks the shape.
bool IsStrictRespArray(std::string_view rec, size_t* bad_at);

}  // namespace sable
