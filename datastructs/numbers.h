// Number parsing and formatting with Redis 7.0.15's exact acceptance rules and output bytes
// (util.c string2ll / string2ull / string2ld / string2d, ll2string, ld2string, d2string, and
// addReplyDouble's "%.17g"). Clients see these strings, and AOF/RDB round-trips depend on them.
//
// Float parsing goes through the C library (strtod/strtold/strtoull) exactly as Redis does, so it
// accepts what Redis accepts: hex floats ("0x1p3"), "inf"/"infinity" in any case with an optional
// sign, subnormals. It assumes the process keeps the default "C" LC_NUMERIC locale, as Redis does.

#ifndef SABLE_DATASTRUCTS_NUMBERS_H_
#define SABLE_DATASTRUCTS_NUMBERS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

// Longest text StringToInt64 accepts is 20 bytes ("-9223372036854775808"); Redis LONG_STR_SIZE.
inline constexpr size_t kInt64StrSize = 21;
// Redis MAX_LONG_DOUBLE_CHARS: string2ld rejects texts of this length or longer.
inline constexpr size_t kMaxLongDoubleChars = 5 * 1024;

// Strict decimal int64 (string2ll): optional '-', then "0" or [1-9][0-9]*; no spaces, no '+',
// no leading zeros, no "-0", no overflow, at most 20 bytes. On failure *out is untouched.
bool StringToInt64(std::string_view s, int64_t* out);

// string2ull: StringToInt64 then, failing that, strtoull over the whole text. So "-1" is
// rejected but, like Redis, strtoull's leniency remains: leading spaces, '+', and even a '-'
// that strtoull negates (" -1" -> UINT64_MAX). The text is taken as a C string, i.e. it ends at
// the first NUL byte, because Redis's callers pass C strings.
bool StringToUint64(std::string_view s, uint64_t* out);

// Writes the decimal digits of v plus a NUL into buf, which must hold kInt64StrSize bytes.
// Returns the digit count (without the NUL).
size_t Int64ToChars(int64_t v, char* buf);
size_t Uint64ToChars(uint64_t v, char* buf);
std::string Int64ToString(int64_t v);

// string2ld: strtold over the whole text; rejects empty, >= kMaxLongDoubleChars bytes, a leading
// space, trailing bytes (incl. embedded NUL), overflow to +-inf, underflow to zero, and nan.
// Literal "inf" is accepted. On failure *out is untouched.
bool StringToLongDouble(std::string_view s, long double* out);

// ld2string. humanfriendly: "%.17Lf" with trailing zeros (and a then-trailing '.') stripped and
// "-0" turned into "0" (INCRBYFLOAT, HINCRBYFLOAT replies and stored values). Otherwise "%.17Lg".
// Infinities are "inf"/"-inf" in both modes.
std::string LongDoubleToString(long double v, bool humanfriendly);

// string2d (getDoubleFromObject: scores, timeouts, ...): strtod over the whole text; rejects
// empty, a leading space, trailing bytes, overflow, underflow to zero and nan; accepts "inf",
// "+inf", "-inf". On failure *out is untouched.
bool StringToDouble(std::string_view s, double* out);

// addReplyDouble's text (ZSCORE, ZRANGE WITHSCORES, ...): "%.17g", with "inf"/"-inf". So 3.0 is
// "3", 0.1 is "0.10000000000000001", 1e17 is "1e+17", -0.0 is "-0".
std::string DoubleToString(double v);
// As DoubleToString, without allocating. buf must hold kMaxDoubleChars bytes; returns the length
// (no NUL is written).
inline constexpr size_t kMaxDoubleChars = 32;
size_t DoubleToChars(double v, char* buf);

// d2string, Redis's form for scores stored inside listpacks: "nan", "inf", "-inf", "0", "-0";
// integral values within +-(2^63-1)/2 as plain integers (1e17 -> "100000000000000000");
// everything else "%.17g".
std::string DoubleToCompactString(double v);

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_NUMBERS_H_
