// Command metadata that Redis keeps as data and Sable takes over unchanged, found by full
// command name ("config|get") once, when the command table is built:
//  - key specs (server/key_specs.inc, generated from Redis's commands.c by
//    scripts/gen-key-specs.py): COMMAND INFO reports them, COMMAND GETKEYS and the ACL key
//    checks find keys and their access flags with them (Redis's getKeysFromCommandWithSpecs);
//  - documentation and tips (server/command_docs.inc and command_doc_args*.inc, generated from
//    redis-server's own COMMAND DOCS / COMMAND INFO replies by scripts/gen-command-docs.py).
// Rows are static; spans and pointers into them stay valid for the life of the process.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <utility>
#include <vector>

namespace sable {

struct CommandSpec;
using ArgList = std::span<const std::string_view>;

// Key access as key specs describe it (Redis's CMD_KEY_* flags).
enum KeySpecFlag : uint32_t {
  kKeyRo = 1 << 0,
  kKeyRw = 1 << 1,
  kKeyOw = 1 << 2,
  kKeyRm = 1 << 3,
  kKeyAccess = 1 << 4,
  kKeyUpdate = 1 << 5,
  kKeyInsert = 1 << 6,
  kKeyDelete = 1 << 7,
  kKeyNotKey = 1 << 8,
  kKeyIncomplete = 1 << 9,
  kKeyVariableFlags = 1 << 10,
};

inline constexpr int kBsIndex = 0, kBsKeyword = 1, kBsUnknown = 2;
inline constexpr int kFkRange = 0, kFkKeynum = 1, kFkUnknown = 2;

// One key spec. Begin search: kBsIndex (bs_index), kBsKeyword (keyword, startfrom) or unknown.
// Find keys: kFkRange (a = lastkey, b = keystep, c = limit), kFkKeynum (a = keynumidx,
// b = firstkey, c = keystep) or unknown.
struct KeySpecRow {
  const char* name;
  uint32_t flags;
  int bs;
  int bs_index;
  const char* keyword;
  int startfrom;
  int fk;
  int a, b, c;
  const char* notes;  // nullptr when Redis has none
};

// One COMMAND DOCS argument; rows are in preorder and `nargs` sub-arguments follow their
// block/oneof. Absent fields are nullptr (key_spec_index -1); flags are space separated.
struct DocArgRow {
  const char* name;
  const char* type;
  int key_spec_index;
  const char* token;
  const char* summary;
  const char* since;
  const char* deprecated_since;
  const char* flags;
  int nargs;
};

struct DocHistoryRow {
  const char* since;
  const char* changes;
};

// COMMAND DOCS of one command (nullptr fields are absent) plus its COMMAND INFO tips; doc_flags
// and tips are space separated ("" = none).
struct CommandDocRow {
  const char* name;
  const char* summary;
  const char* since;
  const char* group;
  const char* complexity;
  const char* doc_flags;
  const char* deprecated_since;
  const char* replaced_by;
  const char* tips;
  int history_begin, history_count;
  int args_begin, args_count;  // first row in DocArgRows(), number of top-level arguments
};

struct CommandMeta {
  std::span<const KeySpecRow> key_specs;  // in Redis's order; empty when it has none
  const char* getkeys_proc = nullptr;     // Redis's getkeys procedure name, if any
  const CommandDocRow* doc = nullptr;     // nullptr for a command Redis does not have
};

CommandMeta LookupCommandMeta(std::string_view full_name);
const CommandDocRow* FindCommandDoc(std::string_view full_name);
std::span<const DocHistoryRow> DocHistory(const CommandDocRow& doc);
const DocArgRow* DocArgRows();

// Redis's doesCommandHaveKeys: a getkeys procedure or a key spec that is not "not_key".
bool CommandHasKeys(const CommandSpec& spec);
// Redis's getKeysFromCommandWithSpecs: the key arguments of one invocation (args[0] = the
// command name) with their access flags, from the key specs, or from the getkeys procedure
// when the specs cannot tell (unknown, incomplete or variable flags). Empty: no keys.
void GetKeysWithFlags(const CommandSpec& spec, ArgList args,
                      std::vector<std::pair<int, uint32_t>>* out);

}  // namespace sable
