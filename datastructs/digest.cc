#include "datastructs/digest.h"

#include <cstring>

#include "datastructs/sha1.h"

namespace sable {

namespace {

void Sha1Of(const void* p, size_t n, uint8_t out[20]) {
  Sha1 h;
  h.Update(p, n);
  h.Final(out);
}

}  // namespace

void Digest::Mix(std::string_view s) {
  Add(s);
  uint8_t next[20];
  Sha1Of(bytes, sizeof(bytes), next);
  memcpy(bytes, next, sizeof(bytes));
}

void Digest::MixBigEndian32(uint32_t v) {
  const char b[4] = {static_cast<char>(v >> 24), static_cast<char>(v >> 16),
                     static_cast<char>(v >> 8), static_cast<char>(v)};
  Mix(std::string_view(b, 4));
}

void Digest::Add(std::string_view s) {
  uint8_t h[20];
  Sha1Of(s.data(), s.size(), h);
  for (int i = 0; i < 20; ++i) bytes[i] ^= h[i];
}

void Digest::Add(const Digest& d) {
  Add(std::string_view(reinterpret_cast<const char*>(d.bytes), sizeof(d.bytes)));
}

std::string Digest::Hex() const {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(40);
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace sable
