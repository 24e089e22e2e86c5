// Glob-style matching with the exact semantics of Redis 7.0.15's stringmatchlen (as shipped by
// Debian, i.e. including the CVE-2024-31228 nesting limit), used by KEYS, SCAN MATCH, PSUBSCRIBE,
// CONFIG GET, ACL key/channel patterns and friends.
//
//   *        any run of bytes; a run of stars counts as one
//   ?        any one byte
//   [...]    a set; '^' first negates; a-z is a range (ends swapped when reversed; bytes compare
//            as signed chars and nocase folds them with glibc's C-locale tolower, as x86 Redis
//            does); '\' escapes the next byte; an unterminated '[' set ends at the pattern end
//   \x       the byte x literally (a trailing '\' is literal)
//
// Quirks kept on purpose: "*" does not match the empty string (a non-empty pattern never does),
// and a non-trailing '*' reached after 1000 earlier '*' runs fails the match.
// Runs in O(1) stack (Redis recurses once per '*').

#ifndef SABLE_DATASTRUCTS_GLOB_H_
#define SABLE_DATASTRUCTS_GLOB_H_

#include <string_view>

namespace sable {

// nocase folds ASCII letters only.
bool GlobMatch(std::string_view pattern, std::string_view s, bool nocase = false);

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_GLOB_H_
