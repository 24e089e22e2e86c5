// Lua scripting (EVAL family) as redis-server 7.0.15 runs it: one Lua 5.1 interpreter per
// server, a script cache keyed by the SHA-1 of the body, a fake "lua" client through which
// redis.call runs commands (every script check first, then Server::Call), conversions between
// Lua values and RESP2/RESP3 replies, globals protection, shebang flags, and the busy state
// (busy-reply-threshold, SCRIPT KILL). Effects replication: the commands a script runs are
// propagated (wrapped in MULTI/EXEC when more than one), never the EVAL itself.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "server/command_table.h"

struct lua_State;

namespace sable {

class Server;
class Connection;
class ReplyWriter;

enum ScriptFlag : uint32_t {
  kScriptEvalCompat = 1 << 0,  // no shebang: EVAL's historic behaviour
  kScriptNoWrites = 1 << 1,
  kScriptAllowOom = 1 << 2,
  kScriptAllowStale = 1 << 3,
  kScriptNoCluster = 1 << 4,
  kScriptAllowCrossSlot = 1 << 5,
};

class LuaEngine {
 public:
  explicit LuaEngine(Server* server);
  ~LuaEngine();
  LuaEngine(const LuaEngine&) = delete;
  LuaEngine& operator=(const LuaEngine&) = delete;

  // EVAL / EVALSHA / EVAL_RO / EVALSHA_RO (ctx.args as the client sent them).
  void Eval(CommandContext& ctx, bool evalsha, bool ro);
  // SCRIPT LOAD: compiles and caches `body`; replies the sha or the error.
  void Load(std::string_view body, ReplyWriter& w);
  bool Exists(std::string_view sha) const;
  // SCRIPT FLUSH: a fresh interpreter and an empty cache.
  void Flush();
  // SCRIPT KILL (eval) / FUNCTION KILL (!eval).
  void Kill(ReplyWriter& w, bool eval);

  // Functions (FUNCTION LOAD / FCALL), run by a second interpreter as Redis does.
  // FUNCTION LOAD: returns false with *err (without "ERR ") on failure.
  bool LoadLibrary(std::string_view code, bool replace, std::string* name, std::string* err);
  void FCall(CommandContext& ctx, bool ro);
  bool DeleteLibrary(std::string_view name);
  // The code of every library (FUNCTION DUMP, RDB and AOF images).
  std::vector<std::string> LibraryCodes() const;
  enum class RestorePolicy { kAppend, kReplace, kFlush };
  // FUNCTION RESTORE / RDB loading: all libraries or none (*err as Redis words it).
  bool RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy,
                        std::string* err);
  void FlushFunctions();
  void ListFunctions(ReplyWriter& w, std::string_view pattern, bool has_pattern,
                     bool with_code);
  void FunctionStats(ReplyWriter& w);
  size_t num_functions() const { return functions_.size(); }
  size_t num_libraries() const { return libraries_.size(); }

  size_t num_scripts() const { return scripts_.size(); }
  size_t memory() const;          // INFO used_memory_lua
  size_t scripts_memory() const;  // INFO used_memory_scripts
  size_t functions_memory() const;  // INFO used_memory_vm_functions
  size_t functions_code_memory() const;  // INFO used_memory_functions
  bool running() const { return run_ != nullptr; }
  bool running_eval() const;
  // Past busy-reply-threshold: other clients get -BUSY but for allow_busy commands.
  bool timed_out() const;
  // The -BUSY error for the running script (eval or function).
  const char* busy_error() const;
  // EVAL/EVALSHA/FCALL of a script or function whose flags say no-writes (it then neither
  // writes nor may replicate, as Redis derives the command's flags from the script's).
  bool DeclaresNoWrites(const CommandSpec& spec, ArgList args) const;
  // EVAL/FCALL of a script with flags (a shebang, or a function) that may write: a write for
  // -MISCONF, as Redis's evalGetCommandFlags. Compat-mode scripts are checked per call.
  bool DeclaresWrites(const CommandSpec& spec, ArgList args) const;
  // Same, for a script that may write and does not declare allow-oom: denyoom.
  bool DeclaresDenyOom(const CommandSpec& spec, ArgList args) const;
  // DEBUG set-disable-deny-scripts.
  bool disable_deny_script = false;

  // Internal (called from the Lua C functions).
  struct Script {
    std::string body;
    uint32_t flags = 0;
  };
  struct Function {
    std::string name, desc, library;
    uint32_t flags = 0;
    int ref = -1;  // the callback in the functions interpreter's registry
  };
  struct Library {
    std::string name, code;
    std::map<std::string, Function> functions;
  };
  struct Run;
  struct LoadCtx;
  Run* run() { return run_; }
  LoadCtx* load_ctx() { return load_; }
  Server& server() { return *server_; }
  Connection& client() { return *client_; }
  int CallCommand(lua_State* L, bool raise_error);
  bool RunCommand(lua_State* L, bool raise_error);
  void Hook(lua_State* L);

 private:
  lua_State* NewState(bool functions);
  // The flags of the script EVAL/EVALSHA/FCALL(_RO) would run; false if it is not known.
  bool FlagsOf(const CommandSpec& spec, ArgList args, uint32_t* out) const;
  // Compiles and caches; returns the script, or nullptr after replying the error.
  Script* Create(std::string_view body, const std::string& sha, ReplyWriter& w);
  // Runs the function on the stack top (below it: the error handler) and replies.
  void Execute(CommandContext& ctx, lua_State* L, const std::string& name, uint32_t flags,
               bool ro, bool eval_mode, int64_t numkeys);
  void FreeLibrary(Library& lib);

  Server* server_;
  lua_State* L_ = nullptr;   // EVAL
  lua_State* FL_ = nullptr;  // functions
  std::unique_ptr<Connection> client_;
  std::map<std::string, Script> scripts_;
  size_t scripts_mem_ = 0;
  std::map<std::string, Library> libraries_;
  std::map<std::string, Function*> functions_;
  Run* run_ = nullptr;
  LoadCtx* load_ = nullptr;
  long gc_count_ = 0;
};

// Shebang parsing ("#!lua flags=no-writes,allow-oom"): flags and the shebang's length, or
// false with *err (without "ERR ").
bool ParseScriptShebang(std::string_view body, uint32_t* flags, size_t* shebang_len,
                        std::string* err);

}  // namespace sable
