// SHA-256 (FIPS 180-4), for ACL password hashes: Redis stores and shows passwords as the
// lower-case hex SHA-256 of the cleartext.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

class Sha256 {
 public:
  Sha256();
  void Update(const void* data, size_t len);
  std::array<uint8_t, 32> Final();

 private:
  void Block(const uint8_t* p);
  uint32_t h_[8];
  uint8_t buf_[64];
  size_t buf_len_ = 0;
  uint64_t total_ = 0;
};

// 64 lower-case hex characters.
std::string Sha256Hex(std::string_view data);

}  // namespace sable
