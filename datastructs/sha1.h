// SHA-1 (FIPS 180-1) for script identifiers: EVAL/EVALSHA/SCRIPT LOAD name a script by the
// SHA-1 of its body in lower-case hex, and scripts call redis.sha1hex. Not for security.
#ifndef SABLE_DATASTRUCTS_SHA1_H_
#define SABLE_DATASTRUCTS_SHA1_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sable {

class Sha1 {
 public:
  Sha1();
  void Update(const void* data, size_t len);
  void Final(uint8_t digest[20]);

 private:
  void Block(const uint8_t* p);
  uint32_t h_[5];
  uint64_t total_ = 0;
  uint8_t buf_[64];
  size_t used_ = 0;
};

// 40 lower-case hex characters.
std::string Sha1Hex(std::string_view data);

}  // namespace sable

#endif  // SABLE_DATASTRUCTS_SHA1_H_
