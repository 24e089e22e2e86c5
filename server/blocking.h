// Blocking commands (BLPOP, BLMOVE, BZPOPMIN, ...): a client whose command finds nothing to
// serve is parked on its keys; when a key of the right type gains data, the parked command
// is executed again for each client in the order they blocked. Timeouts are absolute times
// on the server clock, 0 = forever; no polling: one libuv timer is armed for the earliest.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "datastructs/kv_entry.h"

namespace sable {

struct CommandSpec;

struct BlockState {
  int db = 0;
  std::vector<std::string> keys;
  ObjType type = ObjType::kList;   // served only when a key holds this type
  int64_t deadline_ms = 0;         // 0 = forever
  bool null_array = true;          // timeout reply: null array (BLPOP) or null (BLMOVE)
  // WAIT: the replication offset the replicas must acknowledge, and how many must; the
  // timeout reply is the number that did.
  int64_t wait_offset = -1;
  int64_t wait_replicas = 0;
  // Re-run the command also when a key disappears or changes type (XREADGROUP, which then
  // fails: its group went with the key).
  bool wake_on_delete = false;
  const CommandSpec* spec = nullptr;
  std::vector<std::string> args;   // the command to run again
  // How long the call that blocked ran: the served call's latency sample adds it (Redis's
  // updateStatsOnUnblock records that call's duration plus the time to serve it).
  int64_t first_run_us = 0;
};

}  // namespace sable
