// 160-bit content digest for DEBUG DIGEST / DIGEST-VALUE: equal logical content gives equal
// digests whatever the encoding. Ordered data is chained (Mix), unordered data is combined
// with XOR (Add), as Redis does. Built on keyed SipHash with fixed keys: a fingerprint for
// tests and tooling, not a cryptographic hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

struct Digest {
  uint8_t bytes[20] = {};

  bool IsZero() const;
  // Order-sensitive: this = H(this || s).
  void Mix(std::string_view s);
  // Order-insensitive: this ^= H(s).
  void Add(std::string_view s);
  void Add(const Digest& d);
  std::string Hex() const;
};

}  // namespace sable
