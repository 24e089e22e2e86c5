#include "datastructs/digest.h"

#include <cstring>

#include "datastructs/hash.h"

namespace sable {

namespace {

constexpr HashSeed kSeeds[3] = {{0x736f6d6570736575ULL, 0x646f72616e646f6dULL},
                                {0x6c7967656e657261ULL, 0x7465646279746573ULL},
                                {0x0123456789abcdefULL, 0xfedcba9876543210ULL}};

void Hash160(std::string_view s, uint8_t out[20]) {
  uint64_t h[3];
  for (int i = 0; i < 3; ++i) h[i] = HashBytes(s.data(), s.size(), kSeeds[i]);
  memcpy(out, h, 20);
}

}  // namespace

bool Digest::IsZero() const {
  for (uint8_t b : bytes)
    if (b) return false;
  return true;
}

void Digest::Mix(std::string_view s) {
  std::string buf(reinterpret_cast<const char*>(bytes), 20);
  buf.append(s);
  Hash160(buf, bytes);
}

void Digest::Add(std::string_view s) {
  uint8_t h[20];
  Hash160(s, h);
  for (int i = 0; i < 20; ++i) bytes[i] ^= h[i];
}

void Digest::Add(const Digest& d) {
  for (int i = 0; i < 20; ++i) bytes[i] ^= d.bytes[i];
}

std::string Digest::Hex() const {
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out.push_back(kHex[b >> 4]);
    out.push_back(kHex[b & 15]);
  }
  return out;
}

}  // namespace sable
