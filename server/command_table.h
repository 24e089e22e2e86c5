// Declarative command metadata (as Redis reports it in COMMAND) plus the handler. Family files
// register their rows; the dispatcher runs every generic check from this metadata before a
// handler runs, so handlers only parse their own arguments and do the work.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/command_meta.h"

namespace sable {

class Server;
class Connection;
class ReplyWriter;
struct CommandSpec;
class LatencyHistogram;  // datastructs/latency_histogram.h

// Frees a command's latency histogram (defined where the type is complete).
struct LatencyHistogramFree {
  void operator()(LatencyHistogram* h) const;
};

struct CommandContext {
  Server& server;
  Connection& conn;
  ArgList args;  // args[0] is the command name as sent; views live for this command only
  ReplyWriter& reply;
  const CommandSpec& spec;
  int db;        // the client's selected database
  int64_t now_ms;  // cached clock for this command
};

using Handler = void (*)(CommandContext&);
// Key positions of commands whose keys move with their arguments (numkeys, STORE, ...):
// appends the indexes of key arguments in `args` (args[0] = command name).
using KeysFn = void (*)(ArgList args, std::vector<int>* positions);

// Shared KeysFn: the `numkeys` arguments after args[idx] (an invalid or too large count gives
// no keys, which COMMAND GETKEYS reports as invalid arguments, as Redis does).
void NumKeysAt(ArgList args, size_t idx, std::vector<int>* out);
void NumKeysAfter1(ArgList args, std::vector<int>* out);  // CMD numkeys key... (LMPOP, ZUNION)
void NumKeysAfter2(ArgList args, std::vector<int>* out);  // CMD timeout numkeys key... (BLMPOP)
void StoreThenNumKeys(ArgList args, std::vector<int>* out);  // CMD dest numkeys key...

enum CommandFlag : uint32_t {
  kCmdWrite = 1 << 0,
  kCmdReadonly = 1 << 1,
  kCmdDenyOom = 1 << 2,
  kCmdAdmin = 1 << 3,
  kCmdPubsub = 1 << 4,
  kCmdNoscript = 1 << 5,
  kCmdBlocking = 1 << 6,
  kCmdLoading = 1 << 7,
  kCmdStale = 1 << 8,
  kCmdSkipMonitor = 1 << 9,
  kCmdSkipSlowlog = 1 << 10,
  kCmdFast = 1 << 11,
  kCmdNoAuth = 1 << 12,
  kCmdMayReplicate = 1 << 13,
  kCmdNoMulti = 1 << 14,
  kCmdAllowBusy = 1 << 15,
  kCmdSentinel = 1 << 16,
  kCmdOnlySentinel = 1 << 17,
  kCmdNoMandatoryKeys = 1 << 18,
  kCmdNoAsyncLoading = 1 << 19,
  kCmdTouchesArbitraryKeys = 1 << 20,
  kCmdProtected = 1 << 21,
  kCmdAsking = 1 << 22,
  kCmdMovableKeys = 1 << 23,  // derived from the key specs and getkeys procedure, as Redis
};

struct CommandStats {
  uint64_t calls = 0;
  uint64_t usec = 0;
  uint64_t rejected = 0;
  uint64_t failed = 0;
  // INFO latencystats: allocated by the first sample (Server::Call records them), so a command
  // never called costs a null pointer. CONFIG RESETSTAT drops it.
  std::unique_ptr<LatencyHistogram, LatencyHistogramFree> latency;
};

struct CommandSpec {
  std::string name;         // lower case; "parent|sub" for subcommands
  int arity = 0;            // >0 exact, <0 minimum (as Redis)
  uint32_t flags = 0;
  int first_key = 0, last_key = 0, step = 0;
  std::vector<std::string> acl_categories;  // "@read", ...
  Handler handler = nullptr;
  std::string group;        // COMMAND DOCS group ("string", "generic", ...)
  std::string summary;
  std::string since;
  std::string complexity;
  std::vector<std::unique_ptr<CommandSpec>> subcommands;
  CommandSpec* parent = nullptr;
  KeysFn keys_fn = nullptr;  // set (after Add) for commands whose keys move with their args
  // Redis's metadata for this command (command_meta.h): empty for commands Redis lacks.
  std::span<const KeySpecRow> key_specs;
  const char* getkeys_proc = nullptr;
  const CommandDocRow* doc = nullptr;
  mutable CommandStats stats;

  // Indexes of the key arguments of a concrete invocation (first/last/step or keys_fn).
  void KeyPositions(ArgList args, std::vector<int>* out) const;

  const CommandSpec* FindSub(std::string_view name) const;
  std::string FullName() const;  // "config|get"
};

// One row as written in a family file's table.
struct CommandRow {
  const char* name;
  int arity;
  const char* flags;       // space separated Redis flag names ("movablekeys" is derived instead)
  int first_key, last_key, step;
  const char* acl;         // space separated "@category" names
  Handler handler;
  // COMMAND DOCS fields for a command Redis lacks (Redis's own come from command_meta.h).
  const char* group = "generic";
  const char* summary = "";
  const char* since = "1.0.0";
  const char* complexity = nullptr;  // COMMAND DOCS "complexity", when stated
};

class CommandTable {
 public:
  CommandTable();
  CommandSpec* Add(const CommandRow& row);
  // Adds a subcommand row under `parent` (row name is the subcommand alone).
  CommandSpec* AddSub(CommandSpec* parent, const CommandRow& row);
  const CommandSpec* Find(std::string_view name) const;  // case-insensitive
  // A command or, as "container|sub", a subcommand (Redis's lookupCommandBySds).
  const CommandSpec* FindByFullName(std::string_view name) const;
  const std::vector<CommandSpec*>& all() const { return ordered_; }
  size_t size() const { return ordered_.size(); }

 private:
  struct CiHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const;
  };
  struct CiEq {
    using is_transparent = void;
    bool operator()(std::string_view a, std::string_view b) const;
  };
  std::unordered_map<std::string, std::unique_ptr<CommandSpec>, CiHash, CiEq> by_name_;
  std::vector<CommandSpec*> ordered_;
};

// Each family registers its commands (defined in server/commands/<family>.cc).
void RegisterStringCommands(CommandTable& t);
void RegisterKeyCommands(CommandTable& t);
void RegisterServerCommands(CommandTable& t);
void RegisterConnectionCommands(CommandTable& t);
void RegisterIntrospectionCommands(CommandTable& t);
void RegisterScriptingCommands(CommandTable& t);
void RegisterTransactionCommands(CommandTable& t);
void RegisterListCommands(CommandTable& t);
void RegisterSetCommands(CommandTable& t);
void RegisterHashCommands(CommandTable& t);
void RegisterZSetCommands(CommandTable& t);
void RegisterReplicationCommands(CommandTable& t);
void RegisterDumpCommands(CommandTable& t);
void RegisterMigrateCommands(CommandTable& t);
void RegisterClusterCommands(CommandTable& t);
void RegisterModuleCommands(CommandTable& t);
// MIGRATE's connection cache (commands/migrate.cc): the cron closes connections idle for 10 s.
void MigrateCloseIdleSockets(int64_t now_ms);
size_t MigrateCachedSockets();
void RegisterBitmapCommands(CommandTable& t);
void RegisterHyperLogLogCommands(CommandTable& t);
void RegisterSortCommands(CommandTable& t);
void RegisterGeoCommands(CommandTable& t);
void RegisterStreamCommands(CommandTable& t);
void RegisterAclCommands(CommandTable& t);
void RegisterPubSubCommands(CommandTable& t);

}  // namespace sable
