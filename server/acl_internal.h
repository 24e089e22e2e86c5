// Tables shared by server/acl.cc (rules, users, files) and server/acl_check.cc (checks, log):
// Redis's key specs and getkeys procs per command (generated, server/acl_keyspecs.inc) and
// the channel-argument flags. Not for use outside the ACL files.
#pragma once

#include <cstdint>

namespace sable::acl_detail {

#include "server/acl_keyspecs.inc"

inline constexpr int kBsIndex = 0, kBsKeyword = 1, kBsUnknown = 2;
inline constexpr int kFkRange = 0, kFkKeynum = 1, kFkUnknown = 2;

struct KeySpecRow {
  const char* name;
  uint32_t flags;
  int bs;
  int bs_index;
  const char* keyword;
  int startfrom;
  int fk;
  int a, b, c;
};
inline const KeySpecRow kKeySpecRows[] = {SABLE_ACL_KEYSPECS};
struct GetKeysRow {
  const char* name;
  const char* proc;
};
inline const GetKeysRow kGetKeysRows[] = {SABLE_ACL_GETKEYS};

// Channel arguments (Redis's commands_with_channels).
enum : uint32_t { kChPublish = 1, kChSubscribe = 2, kChUnsubscribe = 4, kChPattern = 8 };


}  // namespace sable::acl_detail
