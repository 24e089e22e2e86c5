#include "datastructs/glob.h"

#include <doctest/doctest.h>

#include <chrono>
#include <string>

namespace sable {
namespace {

struct GlobCase {
  const char* pattern;
  const char* subject;
  bool match;
};

// Each row was checked against redis-server 7.0.15 (Debian) with KEYS <pattern> on a database
// holding only <subject>.
constexpr GlobCase kServerCases[] = {
    {"*", "hello", true},
    {"h*o", "hello", true},
    {"h*o", "hell", false},
    {"h?llo", "hello", true},
    {"h?llo", "hllo", false},
    {"h[ae]llo", "hallo", true},
    {"h[ae]llo", "hillo", false},
    {"h[^e]llo", "hallo", true},
    {"h[^e]llo", "hello", false},
    {"h[a-b]llo", "hbllo", true},
    {"h[b-a]llo", "hallo", true},
    {"h[a-b]llo", "hcllo", false},
    {"[z-a]", "m", true},
    {"\\*", "*", true},
    {"\\*", "a", false},
    {"a\\", "a\\", true},
    {"\\", "\\", true},
    {"[\\]]", "]", true},
    {"[\\]]", "\\", false},
    {"[\\-]", "-", true},
    {"[a-]", "-", false},
    {"[a-]", "a", true},
    {"[-a]", "-", true},
    {"[]", "]", false},
    {"[]]", "]", false},
    {"[", "[", false},
    {"[", "a", false},
    {"[^", "a", true},
    {"[a", "a", true},
    {"[a", "b", false},
    {"[ab", "b", true},
    {"[^ab", "c", true},
    {"[a-", "a", true},
    {"[a-", "-", true},
    {"[a-c", "b", true},
    {"x[", "x", false},
    {"x[^", "x", false},
    {"[^]", "a", true},
    {"[^]", "]", true},
    {"a*", "a", true},
    {"*a", "a", true},
    {"**a**", "a", true},
    {"a**", "ab", true},
    {"?", "", false},
    {"*?", "a", true},
    {"*?*", "ab", true},
    {"a*b*c", "abc", true},
    {"a*b*c", "aXbYc", true},
    {"a*b*c", "acb", false},
    {"*a*b", "bab", true},
    {"*ab", "aab", true},
    {"[*]", "*", true},
    {"[?]", "?", true},
    {"[?]", "a", false},
    {"a[^]]b", "a]b", false},
    {"a[^]]b", "axb", false},
    {"[!a]", "!", true},
    {"[!a]", "b", false},
    {"\\a", "a", true},
    {"[\\a-c]", "b", false},
    {"[a\\-c]", "b", false},
    {"[a\\-c]", "-", true},
    {"*[", "x", false},
    {"*[", "[", false},
    {"?[", "ab", false},
    {"a?", "a", false},
    {"", "", true},
    {"", "a", false},
    {"**", "", false},
    {"foo*bar", "foobar", true},
    {"foo*bar", "fooXbar", true},
    {"foo*bar", "foobarbaz", false},
    {"*bar", "barbar", true},
    {"user:*:name", "user:1000:name", true},
    {"user:*:name", "user:1000:age", false},
    {"[0-9]*", "7up", true},
    {"[0-9]*", "up7", false},
    {"h\\[ello", "h[ello", true},
    {"*\\", "a\\", true},
    {"*\\", "a", false},
    {"[a-c-e]", "d", false},
    {"[a-c-e]", "-", true},
    {"[a-c-e]", "e", true},
    {"[^a-c]", "d", true},
    {"[^a-c]", "b", false},
    {"a[b", "ab", true},
};

TEST_CASE("GlobMatch agrees with redis-server on edge cases") {
  for (const GlobCase& c : kServerCases) {
    CAPTURE(c.pattern);
    CAPTURE(c.subject);
    CHECK(GlobMatch(c.pattern, c.subject) == c.match);
  }
}

TEST_CASE("GlobMatch nocase folds ASCII only") {
  CHECK(GlobMatch("HeLLo", "hello", true));
  CHECK_FALSE(GlobMatch("HeLLo", "hello", false));
  CHECK(GlobMatch("h[A-C]llo", "hbllo", true));
  CHECK(GlobMatch("h[a-c]llo", "HBLLO", true));
  CHECK_FALSE(GlobMatch("h[a-c]llo", "hBllo", false));
  CHECK(GlobMatch("*SAVE*", "appendfsync-save", true));
  CHECK(GlobMatch("[^A]", "b", true));
  CHECK_FALSE(GlobMatch("[^A]", "a", true));
  // Escaped bytes inside a set compare exactly, even with nocase (as Redis does).
  CHECK_FALSE(GlobMatch("[\\A]", "a", true));
  CHECK(GlobMatch("\\A", "a", true));                    // but an escape outside a set folds
  CHECK_FALSE(GlobMatch("\xc3\x89", "\xc3\xa9", true));  // no Unicode folding
}

TEST_CASE("GlobMatch handles binary bytes and embedded NULs") {
  const std::string subject("a\0b", 3);
  CHECK(GlobMatch(std::string("a\0b", 3), subject));
  CHECK(GlobMatch("a?b", subject));
  CHECK(GlobMatch("*b", subject));
  CHECK_FALSE(GlobMatch("a", subject));
  CHECK(GlobMatch("[\x80-\xff]", "\x90"));
  // High bytes are signed chars in Redis's range test: 'a'..0xff is the range -1..97.
  CHECK(GlobMatch("[a-\xff]", "0"));
  CHECK_FALSE(GlobMatch("[a-\xff]", "b"));
  CHECK_FALSE(GlobMatch("[a-\xff]", "\x90"));
}

TEST_CASE("GlobMatch nesting limit matches Redis 7.0.15 with the CVE-2024-31228 fix") {
  const std::string subject(1001, 'a');
  std::string a_star;
  for (int i = 0; i < 1000; ++i) a_star += "a*";
  // 1000 star runs: the last is at depth 999, still allowed.
  CHECK(GlobMatch(a_star + "a", subject));
  // A 1001st star that is not trailing fails the match outright...
  CHECK_FALSE(GlobMatch(a_star + "a*a", subject));
  // ...but a trailing one still matches, since Redis returns before recursing.
  CHECK(GlobMatch(a_star + "a*", subject));
  // Redis's own regression test: 50000 "*?" runs against 50000 bytes does not match.
  std::string star_q;
  for (int i = 0; i < 50000; ++i) star_q += "*?";
  CHECK_FALSE(GlobMatch(star_q, std::string(50000, 'a')));
  // Star runs collapse, so they count once.
  CHECK(GlobMatch("a" + std::string(5000, '*') + "a", "aba"));
}

TEST_CASE("GlobMatch stays linear-ish on pathological patterns") {
  // CVE-2022-36021 shape: exponential for naive backtracking.
  std::string pattern;
  for (int i = 0; i < 20; ++i) pattern += "a*";
  pattern += "b";
  const std::string subject(20000, 'a');
  const auto start = std::chrono::steady_clock::now();
  CHECK_FALSE(GlobMatch(pattern, subject));
  std::string long_pattern;
  for (int i = 0; i < 900; ++i) long_pattern += "*a";
  long_pattern += "b";
  CHECK_FALSE(GlobMatch(long_pattern, std::string(5000, 'a')));
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  CHECK(ms < 2000);
}

}  // namespace
}  // namespace sable
