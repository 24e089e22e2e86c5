// Tables shared by server/acl.cc (rules, users, files) and server/acl_check.cc (checks, log):
// the channel-argument flags. Not for use outside the ACL files. (Key specs and getkeys
// procedures are command metadata: server/command_meta.h.)
#pragma once

#include <cstdint>

namespace sable::acl_detail {

// Channel arguments (Redis's commands_with_channels).
enum : uint32_t { kChPublish = 1, kChSubscribe = 2, kChUnsubscribe = 4, kChPattern = 8 };


}  // namespace sable::acl_detail
