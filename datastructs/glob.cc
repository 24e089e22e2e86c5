#include "datastructs/glob.h"

#include <cstddef>
#include <utility>

namespace sable {
namespace {

// A non-trailing '*' this deep in Redis's recursion fails the whole match (Redis 7.0.15 as
// patched by Debian for CVE-2024-31228).
constexpr int kMaxStarNesting = 1000;

// What glibc's tolower() returns in the C locale, which is what Redis calls on x86, where char
// is signed: 'A'..'Z' fold; -128..-2 (bytes 0x80..0xfe) come back as 128..254; -1 (0xff) is EOF
// and stays -1. This only matters for nocase [a-z] ranges with high bytes at an end.
inline int Lower(int c) {
  if (c >= 'A' && c <= 'Z') return c + ('a' - 'A');
  if (c >= -128 && c <= -2) return c + 256;
  return c;
}

// Redis's range test reads bytes through (signed) char on x86: 0x80..0xff order below 0.
inline int SignedByte(char c) {
  return static_cast<signed char>(c);  // NOLINT(bugprone-signed-char-misuse): intended
}

}  // namespace

// Redis matches recursively, trying each start position for the text after a '*'. Its
// skipLongerMatches flag makes any failure inside a later '*' final, so only the most recent '*'
// is ever retried; that is exactly the classic backtrack-to-last-star loop below, with the
// recursion depth ("level") tracked only to reproduce Redis's nesting limit.
bool GlobMatch(std::string_view pattern, std::string_view str, bool nocase) {
  const char* pat = pattern.data();
  const size_t plen = pattern.size();
  const char* s = str.data();
  const size_t slen = str.size();
  // Redis reads one byte past the pattern (its NUL terminator) in a few places.
  auto at = [&](size_t p) -> char { return p < plen ? pat[p] : '\0'; };
  auto same = [&](char a, char b) {
    if (!nocase) return a == b;
    return Lower(SignedByte(a)) == Lower(SignedByte(b));
  };

  size_t p = 0;
  size_t i = 0;
  int level = 0;
  bool have_star = false;
  size_t star_p = 0;  // index of the '*' to retry
  size_t star_i = 0;  // string index its current attempt started at
  int star_level = 0;

  while (true) {
    bool failed = false;
    while (p < plen && i < slen) {
      const char c = pat[p];
      if (c == '*') {
        while (p < plen && at(p + 1) == '*') ++p;
        if (p + 1 == plen) return true;  // trailing star swallows the rest
        if (level >= kMaxStarNesting) return false;
        have_star = true;
        star_p = p;
        star_i = i;
        star_level = ++level;
        ++p;
        continue;
      }
      if (c == '?') {
        ++i;
      } else if (c == '[') {
        ++p;
        const bool negate = at(p) == '^';
        if (negate) ++p;
        bool match = false;
        while (true) {
          if (at(p) == '\\' && plen - p >= 2) {
            ++p;
            if (pat[p] == s[i]) match = true;  // escaped bytes compare exactly, even nocase
          } else if (at(p) == ']') {
            break;
          } else if (p == plen) {
            --p;  // unterminated set: the outer advance below lands on the end
            break;
          } else if (plen - p >= 3 && pat[p + 1] == '-') {
            int start = SignedByte(pat[p]);
            int end = SignedByte(pat[p + 2]);
            int ch = SignedByte(s[i]);
            if (start > end) std::swap(start, end);
            if (nocase) {
              start = Lower(start);
              end = Lower(end);
              ch = Lower(ch);
            }
            p += 2;
            if (ch >= start && ch <= end) match = true;
          } else if (same(pat[p], s[i])) {
            match = true;
          }
          ++p;
        }
        if (negate) match = !match;
        if (!match) {
          failed = true;
          break;
        }
        ++i;
      } else {
        if (c == '\\' && plen - p >= 2) ++p;
        if (!same(pat[p], s[i])) {
          failed = true;
          break;
        }
        ++i;
      }
      ++p;
      if (i == slen) {
        while (at(p) == '*') ++p;
        break;
      }
    }
    if (!failed && p == plen && i == slen) return true;
    // Retry the last star one byte further; once it has tried every start, nothing can match.
    if (!have_star || ++star_i >= slen) return false;
    p = star_p + 1;
    i = star_i;
    level = star_level;
  }
}

}  // namespace sable
