#include "datastructs/numbers.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace sable {
namespace {

// "00".."99": two digits per division halves the divisions when printing integers.
constexpr char kDigitPairs[201] =
    "00010203040506070809"
    "10111213141516171819"
    "20212223242526272829"
    "30313233343536373839"
    "40414243444546474849"
    "50515253545556575859"
    "60616263646566676869"
    "70717273747576777879"
    "80818283848586878889"
    "90919293949596979899";

size_t DecimalLength(uint64_t v) {
  size_t n = 1;
  while (true) {
    if (v < 10) return n;
    if (v < 100) return n + 1;
    if (v < 1000) return n + 2;
    if (v < 10000) return n + 3;
    v /= 10000;
    n += 4;
  }
}

// C-locale isspace, without depending on the process locale.
bool IsCSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// strto* need a NUL-terminated copy of a view; short texts (the norm) stay on the stack.
class CString {
 public:
  explicit CString(std::string_view s) {
    if (s.size() < sizeof(small_)) {
      std::memcpy(small_, s.data(), s.size());
      small_[s.size()] = '\0';
      ptr_ = small_;
    } else {
      big_.assign(s.data(), s.size());
      ptr_ = big_.c_str();
    }
  }
  const char* c_str() const { return ptr_; }

 private:
  char small_[128];
  std::string big_;
  const char* ptr_;
};

}  // namespace

bool StringToInt64(std::string_view s, int64_t* out) {
  const size_t n = s.size();
  if (n == 0 || n >= kInt64StrSize) return false;
  const char* p = s.data();
  if (n == 1 && p[0] == '0') {
    *out = 0;
    return true;
  }
  size_t i = 0;
  const bool negative = p[0] == '-';
  if (negative && ++i == n) return false;
  // First digit 1-9: rules out leading zeros and "-0".
  if (p[i] < '1' || p[i] > '9') return false;
  uint64_t v = static_cast<uint64_t>(p[i++] - '0');
  for (; i < n; ++i) {
    if (p[i] < '0' || p[i] > '9') return false;
    const uint64_t d = static_cast<uint64_t>(p[i] - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  if (negative) {
    if (v > static_cast<uint64_t>(INT64_MAX) + 1) return false;
    *out = static_cast<int64_t>(0 - v);  // two's complement wrap gives INT64_MIN exactly
  } else {
    if (v > static_cast<uint64_t>(INT64_MAX)) return false;
    *out = static_cast<int64_t>(v);
  }
  return true;
}

bool StringToUint64(std::string_view s, uint64_t* out) {
  if (size_t nul = s.find('\0'); nul != std::string_view::npos) s = s.substr(0, nul);
  int64_t ll;
  if (StringToInt64(s, &ll)) {
    if (ll < 0) return false;
    *out = static_cast<uint64_t>(ll);
    return true;
  }
  if (s.empty()) return false;
  CString cs(s);
  char* end = nullptr;
  errno = 0;
  const auto v = std::strtoull(cs.c_str(), &end, 10);
  if (errno == EINVAL || errno == ERANGE || *end != '\0') return false;
  *out = v;
  return true;
}

size_t Uint64ToChars(uint64_t v, char* buf) {
  const size_t len = DecimalLength(v);
  buf[len] = '\0';
  char* p = buf + len;
  while (v >= 100) {
    const size_t pair = static_cast<size_t>(v % 100) * 2;
    v /= 100;
    *--p = kDigitPairs[pair + 1];
    *--p = kDigitPairs[pair];
  }
  if (v >= 10) {
    *--p = kDigitPairs[v * 2 + 1];
    *--p = kDigitPairs[v * 2];
  } else {
    *--p = static_cast<char>('0' + v);
  }
  return len;
}

size_t Int64ToChars(int64_t v, char* buf) {
  if (v >= 0) return Uint64ToChars(static_cast<uint64_t>(v), buf);
  buf[0] = '-';
  // Negate in unsigned arithmetic so INT64_MIN does not overflow.
  return 1 + Uint64ToChars(0 - static_cast<uint64_t>(v), buf + 1);
}

std::string Int64ToString(int64_t v) {
  char buf[kInt64StrSize];
  return std::string(buf, Int64ToChars(v, buf));
}

bool StringToLongDouble(std::string_view s, long double* out) {
  if (s.empty() || s.size() >= kMaxLongDoubleChars) return false;
  if (IsCSpace(s[0])) return false;
  CString cs(s);
  char* end = nullptr;
  errno = 0;
  const long double v = std::strtold(cs.c_str(), &end);
  if (static_cast<size_t>(end - cs.c_str()) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  if (errno == EINVAL || std::isnan(v)) return false;
  *out = v;
  return true;
}

std::string LongDoubleToString(long double v, bool humanfriendly) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  const char* fmt = humanfriendly ? "%.17Lf" : "%.17Lg";
  char small[128];
  std::string out;
  int n = std::snprintf(small, sizeof(small), fmt, v);
  if (n < 0) return out;
  if (static_cast<size_t>(n) < sizeof(small)) {
    out.assign(small, static_cast<size_t>(n));
  } else {
    // Huge magnitudes in %Lf run to ~4950 digits.
    out.resize(static_cast<size_t>(n) + 1);
    std::snprintf(out.data(), out.size(), fmt, v);
    out.resize(static_cast<size_t>(n));
  }
  if (humanfriendly) {
    // %Lf always prints 17 fractional digits; keep only the significant ones.
    if (out.find('.') != std::string::npos) {
      size_t len = out.size();
      while (out[len - 1] == '0') --len;
      if (out[len - 1] == '.') --len;
      out.resize(len);
    }
    if (out == "-0") out = "0";
  }
  return out;
}

bool StringToDouble(std::string_view s, double* out) {
  if (s.empty() || IsCSpace(s[0])) return false;
  CString cs(s);
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(cs.c_str(), &end);
  if (static_cast<size_t>(end - cs.c_str()) != s.size()) return false;
  if (errno == ERANGE && (std::isinf(v) || v == 0)) return false;
  if (std::isnan(v)) return false;
  *out = v;
  return true;
}

size_t DoubleToChars(double v, char* buf) {
  if (std::isinf(v)) {
    if (v > 0) {
      std::memcpy(buf, "inf", 3);
      return 3;
    }
    std::memcpy(buf, "-inf", 4);
    return 4;
  }
  // Integral values below 1e17 have at most 17 significant digits, so "%.17g" prints them as
  // plain integers; the integer printer is several times faster than a float formatter.
  if (v > -1e17 && v < 1e17) {
    const auto l = static_cast<int64_t>(v);
    if (static_cast<double>(l) == v && (l != 0 || !std::signbit(v))) {
      char tmp[kInt64StrSize];
      const size_t n = Int64ToChars(l, tmp);
      std::memcpy(buf, tmp, n);
      return n;
    }
  }
  // to_chars with an explicit precision is specified to match printf("%.17g") in the C locale.
  const auto res = std::to_chars(buf, buf + kMaxDoubleChars, v, std::chars_format::general, 17);
  return static_cast<size_t>(res.ptr - buf);
}

std::string DoubleToString(double v) {
  char buf[kMaxDoubleChars];
  return std::string(buf, DoubleToChars(v, buf));
}

std::string DoubleToCompactString(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  // Redis's double2ll window: +-(LLONG_MAX/2) as doubles, i.e. +-2^62 inclusive.
  constexpr double kLimit = static_cast<double>(INT64_MAX / 2);
  if (v >= -kLimit && v <= kLimit) {
    const auto l = static_cast<int64_t>(v);
    if (static_cast<double>(l) == v) return Int64ToString(l);
  }
  char buf[kMaxDoubleChars];
  const auto res = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::general, 17);
  return std::string(buf, res.ptr);
}

}  // namespace sable
