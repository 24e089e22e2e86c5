#include "server/lua_engine.h"
#include "server/lua_internal.h"

#include "server/acl.h"
#include "server/tracking.h"

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
int luaopen_cjson(lua_State* L);
int luaopen_bit(lua_State* L);
}

#include <fmt/format.h>
#include <uv.h>

#include <strings.h>

#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <vector>

#include "datastructs/glob.h"
#include "datastructs/numbers.h"
#include "datastructs/sha1.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/resp_parser.h"
#include "server/server.h"
#include "server/tick_clock.h"

namespace sable {

int OpenCmsgpack(lua_State* L);  // server/lua_cmsgpack.cc

using namespace lua_detail;  // NOLINT: the engine's own internals


int RedisRegisterFunctionImpl(lua_State* L);
namespace {
int RedisRegisterFunction(lua_State* L) { return RedisRegisterFunctionImpl(L); }
}  // namespace

bool ParseScriptShebang(std::string_view body, uint32_t* flags, size_t* shebang_len,
                        std::string* err) {
  uint32_t f = kScriptEvalCompat;
  size_t len = 0;
  if (body.substr(0, 2) == "#!") {
    size_t nl = body.find('\n');
    if (nl == std::string_view::npos) {
      *err = "Invalid script shebang";
      return false;
    }
    len = nl;
    std::vector<std::string> parts;
    if (!SplitArgs(body.substr(0, nl), &parts) || parts.empty()) {
      *err = "Invalid engine in script shebang";
      return false;
    }
    if (parts[0] != "#!lua") {
      *err = "Unexpected engine in script shebang: " + parts[0];
      return false;
    }
    f &= ~kScriptEvalCompat;
    for (size_t j = 1; j < parts.size(); ++j) {
      if (parts[j].compare(0, 6, "flags=") == 0) {
        std::string list = parts[j].substr(6);
        size_t pos = 0;
        while (!list.empty() && pos <= list.size()) {
          size_t comma = list.find(',', pos);
          std::string one = list.substr(pos, comma == std::string::npos ? std::string::npos
                                                                         : comma - pos);
          static const std::pair<const char*, uint32_t> kFlags[] = {
              {"no-writes", kScriptNoWrites},   {"allow-oom", kScriptAllowOom},
              {"allow-stale", kScriptAllowStale}, {"no-cluster", kScriptNoCluster},
              {"allow-cross-slot-keys", kScriptAllowCrossSlot}};
          uint32_t bit = 0;
          for (const auto& [n, b] : kFlags)
            if (one == n) bit = b;
          if (bit == 0) {
            *err = "Unexpected flag in script shebang: " + one;
            return false;
          }
          f |= bit;
          if (comma == std::string::npos) break;
          pos = comma + 1;
        }
      } else {
        *err = "Unknown lua shebang option: " + parts[j];
        return false;
      }
    }
  }
  *flags = f;
  *shebang_len = len;
  return true;
}

LuaEngine::LuaEngine(Server* server) : server_(server) {
  client_ = std::make_unique<Connection>(server, 0, true);
  client_->authenticated = true;
  client_->peer = "lua";
  client_->script = true;
  L_ = NewState(false);
  FL_ = NewState(true);
}

LuaEngine::~LuaEngine() {
  if (L_ != nullptr) lua_close(L_);
  if (FL_ != nullptr) lua_close(FL_);
}

lua_State* LuaEngine::NewState(bool fmode) {
  lua_State* L = lua_open();
  lua_pushlightuserdata(L, this);
  lua_setfield(L, LUA_REGISTRYINDEX, kEngineKey);
  NewWeakTable(L, kReadonlyKey, "k");
  NewWeakTable(L, kBackingKey, "k");

  LoadLib(L, "", luaopen_base);
  LoadLib(L, LUA_TABLIBNAME, luaopen_table);
  LoadLib(L, LUA_STRLIBNAME, luaopen_string);
  LoadLib(L, LUA_MATHLIBNAME, luaopen_math);
  LoadLib(L, LUA_DBLIBNAME, luaopen_debug);
  lua_pushcfunction(L, luaopen_cjson);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cjson");
  lua_pushcfunction(L, luaopen_bit);
  lua_call(L, 0, 1);
  lua_setglobal(L, "bit");
  lua_pushcfunction(L, OpenCmsgpack);
  lua_call(L, 0, 1);
  lua_setglobal(L, "cmsgpack");

  lua_pushcfunction(L, LuaPcall);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  SetFn(L, "call", RedisCall);
  SetFn(L, "pcall", RedisPCall);
  RegisterLog(L);
  RegisterVersion(L);
  SetFn(L, "setresp", RedisSetResp);
  SetFn(L, "sha1hex", RedisSha1Hex);
  SetFn(L, "error_reply", RedisErrorReply);
  SetFn(L, "status_reply", RedisStatusReply);
  SetFn(L, "set_repl", RedisSetRepl);
  SetNum(L, "REPL_NONE", 0);
  SetNum(L, "REPL_AOF", 1);
  SetNum(L, "REPL_SLAVE", 2);
  SetNum(L, "REPL_REPLICA", 2);
  SetNum(L, "REPL_ALL", 3);
  SetFn(L, "acl_check_cmd", RedisAclCheckCmd);
  if (!fmode) {
    SetFn(L, "breakpoint", RedisBreakpoint);
    SetFn(L, "debug", RedisDebug);
    SetFn(L, "replicate_commands", RedisReplicateCommands);
  }
  lua_setglobal(L, "redis");

  lua_getglobal(L, "math");
  SetFn(L, "random", MathRandom);
  SetFn(L, "randomseed", MathRandomSeed);
  lua_pop(L, 1);

  // Builtins that know about read-only proxies.
  lua_pushcfunction(L, ProtectedRawset);
  lua_setglobal(L, "rawset");
  lua_pushcfunction(L, ProtectedRawget);
  lua_setglobal(L, "rawget");
  lua_pushcfunction(L, ProtectedSetmetatable);
  lua_setglobal(L, "setmetatable");
  lua_pushcfunction(L, ProtectedNext);
  lua_setglobal(L, "next");
  lua_pushcfunction(L, ProtectedNext);
  lua_pushcclosure(L, ProtectedPairs, 1);
  lua_setglobal(L, "pairs");
  lua_pushcfunction(L, ProtectedLoadstring);
  lua_setglobal(L, "loadstring");

  // The error handler every script runs with (adds the source and line of the error). EVAL
  // keeps it as the global __redis__err__handler, functions in the registry only.
  static const char* kErrHandler =
      "local dbg = debug\n"
      "debug = nil\n"
      "local error_handler = function (err)\n"
      "  local i = dbg.getinfo(2,'nSl')\n"
      "  if i and i.what == 'C' then\n"
      "    i = dbg.getinfo(3,'nSl')\n"
      "  end\n"
      "  if type(err) ~= 'table' then\n"
      "    err = {err='ERR ' .. tostring(err)}"
      "  end"
      "  if i then\n"
      "    err['source'] = i.source\n"
      "    err['line'] = i.currentline\n"
      "  end"
      "  return err\n"
      "end\n"
      "return error_handler";
  luaL_loadbuffer(L, kErrHandler, strlen(kErrHandler), "@err_handler_def");
  lua_pcall(L, 0, 1, 0);
  if (!fmode) {
    lua_pushvalue(L, -1);
    lua_setglobal(L, "__redis__err__handler");
  }
  lua_setfield(L, LUA_REGISTRYINDEX, kErrHandlerKey);

  // Not available to scripts.
  for (const char* name : {"print", "dofile", "loadfile", "module", "require", "package",
                           "os", "io"}) {
    lua_pushnil(L);
    lua_setglobal(L, name);
  }

  // Protect the globals: the real table keeps everything (with an __index that refuses unknown
  // names) and scripts see a read-only proxy of it; library tables become proxies too.
  lua_pushvalue(L, LUA_GLOBALSINDEX);
  int real = lua_gettop(L);
  lua_pushvalue(L, real);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  for (const char* lib :
       {"redis", "cjson", "bit", "cmsgpack", "string", "math", "table", "coroutine"}) {
    lua_getfield(L, real, lib);
    if (!lua_istable(L, -1)) {
      lua_pop(L, 1);
      continue;
    }
    lua_pushvalue(L, -1);
    MakeProxy(L);
    // Strings index the string library through their metatable: point it at the proxy too.
    if (strcmp(lib, "string") == 0) {
      lua_pushstring(L, "");
      if (lua_getmetatable(L, -1)) {
        lua_pushvalue(L, -3);
        lua_setfield(L, -2, "__index");
        lua_pop(L, 1);
      }
      lua_pop(L, 1);
    }
    lua_setfield(L, real, lib);
    lua_pop(L, 1);
  }
  lua_newtable(L);  // the error metatable of the real globals
  lua_pushcfunction(L, GlobalIndexError);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -1);
  lua_setmetatable(L, real);
  lua_pushvalue(L, real);
  MakeProxy(L);  // stack: real, errmt, proxy
  // getmetatable(_G) answers the error metatable, itself read-only.
  lua_getmetatable(L, -1);  // the proxy's own metatable
  lua_pushvalue(L, -1);
  lua_setfield(L, LUA_REGISTRYINDEX, kGlobalsMtKey);
  lua_pushvalue(L, -3);
  MakeProxy(L);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, real, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);

  if (fmode) {
    // What a library's code sees while FUNCTION LOAD runs it: redis.register_function,
    // redis.log and the version, nothing else.
    lua_newtable(L);  // load globals
    lua_newtable(L);  // its redis table
    SetFn(L, "register_function", RedisRegisterFunction);
    RegisterLog(L);
    RegisterVersion(L);
    lua_newtable(L);
    lua_pushcfunction(L, GlobalIndexError);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    MakeProxy(L);
    lua_setfield(L, -2, "redis");
    lua_newtable(L);
    lua_pushcfunction(L, GlobalIndexError);
    lua_setfield(L, -2, "__index");
    lua_setmetatable(L, -2);
    lua_setfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
  }
  return L;
}

void LuaEngine::Flush() {
  if (L_ != nullptr) lua_close(L_);
  scripts_.clear();
  scripts_mem_ = 0;
  L_ = NewState(false);
}

size_t LuaEngine::memory() const {
  return L_ ? static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 : 0;
}

size_t LuaEngine::functions_memory() const {
  return FL_ ? static_cast<size_t>(lua_gc(FL_, LUA_GCCOUNT, 0)) * 1024 : 0;
}

size_t LuaEngine::functions_code_memory() const {
  size_t n = 0;
  for (const auto& [name, lib] : libraries_) n += lib.code.size() + name.size() + 64;
  return n;
}

size_t LuaEngine::scripts_memory() const { return scripts_mem_ + scripts_.size() * 64; }

bool LuaEngine::Exists(std::string_view sha) const {
  if (sha.size() != 40) return false;
  std::string s(sha);
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return scripts_.count(s) > 0;
}

bool LuaEngine::DeclaresNoWrites(const CommandSpec& spec, ArgList args) const {
  uint32_t flags = 0;
  return FlagsOf(spec, args, &flags) && !(flags & kScriptEvalCompat) && (flags & kScriptNoWrites);
}

bool LuaEngine::DeclaresWrites(const CommandSpec& spec, ArgList args) const {
  uint32_t flags = 0;
  return FlagsOf(spec, args, &flags) && !(flags & kScriptEvalCompat) &&
         !(flags & kScriptNoWrites);
}

bool LuaEngine::DeclaresDenyOom(const CommandSpec& spec, ArgList args) const {
  uint32_t flags = 0;
  return FlagsOf(spec, args, &flags) && !(flags & kScriptEvalCompat) &&
         !(flags & (kScriptNoWrites | kScriptAllowOom));
}

bool LuaEngine::FlagsOf(const CommandSpec& spec, ArgList args, uint32_t* out) const {
  if (args.size() < 2) return false;
  uint32_t flags = 0;
  if (spec.name == "eval" || spec.name == "eval_ro") {
    auto it = scripts_.find(Sha1Hex(args[1]));
    if (it != scripts_.end()) {
      flags = it->second.flags;
    } else {
      size_t len;
      std::string err;
      if (!ParseScriptShebang(args[1], &flags, &len, &err)) return false;
    }
  } else if (spec.name == "evalsha" || spec.name == "evalsha_ro") {
    if (args[1].size() != 40) return false;
    auto it = scripts_.find(LowerCase(args[1]));
    if (it == scripts_.end()) return false;
    flags = it->second.flags;
  } else if (spec.name == "fcall" || spec.name == "fcall_ro") {
    auto it = functions_.find(LowerCase(args[1]));
    if (it == functions_.end()) return false;
    flags = it->second->flags;
  } else {
    return false;
  }
  *out = flags;
  return true;
}

bool LuaEngine::timed_out() const { return run_ != nullptr && run_->timed_out; }
bool LuaEngine::running_eval() const { return run_ != nullptr && run_->eval_mode; }

const char* LuaEngine::busy_error() const {
  if (run_ != nullptr && !run_->eval_mode)
    return "BUSY Redis is busy running a script. You can only call FUNCTION KILL or SHUTDOWN "
           "NOSAVE.";
  return "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
         "NOSAVE.";
}

LuaEngine::Script* LuaEngine::Create(std::string_view body, const std::string& sha,
                                     ReplyWriter& w) {
  auto it = scripts_.find(sha);
  if (it != scripts_.end()) return &it->second;
  uint32_t flags;
  size_t shebang_len;
  std::string err;
  if (!ParseScriptShebang(body, &flags, &shebang_len, &err)) {
    w.Error("ERR " + err);
    return nullptr;
  }
  // The shebang line is skipped but its line feed kept, so line numbers stay the user's.
  if (luaL_loadbuffer(L_, body.data() + shebang_len, body.size() - shebang_len,
                      "@user_script")) {
    w.Error(fmt::format("ERR Error compiling script (new function): {}",
                        lua_tostring(L_, -1)));
    lua_pop(L_, 1);
    return nullptr;
  }
  std::string fname = "f_" + sha;
  lua_setfield(L_, LUA_REGISTRYINDEX, fname.c_str());
  Script& s = scripts_[sha];
  s.body.assign(body);
  s.flags = flags;
  scripts_mem_ += body.size() + 40;
  return &s;
}

void LuaEngine::Load(std::string_view body, ReplyWriter& w) {
  std::string sha = Sha1Hex(body);
  if (Create(body, sha, w) == nullptr) return;
  w.Bulk(sha);
}

void LuaEngine::Kill(ReplyWriter& w, bool eval) {
  if (run_ == nullptr) {
    w.Error("NOTBUSY No scripts in execution right now.");
    return;
  }
  if (run_->write_dirty) {
    w.Error(
        "UNKILLABLE Sorry the script already executed write commands against the dataset. You "
        "can either wait the script termination or kill the server in a hard way using the "
        "SHUTDOWN NOSAVE command.");
    return;
  }
  if (eval != run_->eval_mode) {
    w.Error(busy_error());
    return;
  }
  run_->killed = true;
  w.Ok();
}

// Parses numkeys: false after replying the error.
static bool ParseNumKeys(CommandContext& ctx, const char* not_int, int64_t* numkeys) {
  if (!StringToInt64(ctx.args[2], numkeys)) {
    ctx.reply.Error(not_int);
    return false;
  }
  int64_t nargs = static_cast<int64_t>(ctx.args.size()) - 3;
  if (*numkeys > nargs) {
    ctx.reply.Error("ERR Number of keys can't be greater than number of args");
    return false;
  }
  if (*numkeys < 0) {
    ctx.reply.Error("ERR Number of keys can't be negative");
    return false;
  }
  return true;
}

void LuaEngine::Eval(CommandContext& ctx, bool evalsha, bool ro) {
  Server& srv = *server_;
  ReplyWriter& w = ctx.reply;
  if (!srv.monitors().empty()) srv.FeedMonitors(ctx.conn, ctx.args);
  int64_t numkeys;
  if (!ParseNumKeys(ctx, err::kNotInt, &numkeys)) return;
  std::string sha;
  Script* script = nullptr;
  if (evalsha) {
    if (ctx.args[1].size() == 40) {
      sha.assign(ctx.args[1]);
      for (char& c : sha) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
      auto it = scripts_.find(sha);
      if (it != scripts_.end()) script = &it->second;
    }
    if (script == nullptr) {
      w.Error("NOSCRIPT No matching script. Please use EVAL.");
      return;
    }
  } else {
    sha = Sha1Hex(ctx.args[1]);
    script = Create(ctx.args[1], sha, w);
    if (script == nullptr) return;
  }
  lua_State* L = L_;
  lua_getfield(L, LUA_REGISTRYINDEX, kErrHandlerKey);
  std::string fname = "f_" + sha;
  lua_getfield(L, LUA_REGISTRYINDEX, fname.c_str());
  Execute(ctx, L, sha, script->flags, ro, true, numkeys);
}

void LuaEngine::FCall(CommandContext& ctx, bool ro) {
  Server& srv = *server_;
  if (!srv.monitors().empty()) srv.FeedMonitors(ctx.conn, ctx.args);
  auto it = functions_.find(LowerCase(ctx.args[1]));
  if (it == functions_.end()) {
    ctx.reply.Error("ERR Function not found");
    return;
  }
  Function& f = *it->second;
  int64_t numkeys;
  if (!ParseNumKeys(ctx, "ERR Bad number of keys provided", &numkeys)) return;
  lua_State* L = FL_;
  lua_getfield(L, LUA_REGISTRYINDEX, kErrHandlerKey);
  lua_rawgeti(L, LUA_REGISTRYINDEX, f.ref);
  std::string name = f.name;
  Execute(ctx, L, name, f.flags, ro, false, numkeys);
}

void LuaEngine::Execute(CommandContext& ctx, lua_State* L, const std::string& name,
                        uint32_t flags, bool ro, bool eval_mode, int64_t numkeys) {
  Server& srv = *server_;
  ReplyWriter& w = ctx.reply;
  int64_t nargs = static_cast<int64_t>(ctx.args.size()) - 3;
  if (run_ != nullptr) {  // cannot happen: EVAL/FCALL are noscript and scripts don't nest
    lua_settop(L, 0);
    w.Error("ERR script already running");
    return;
  }
  bool oom = srv.OverMaxmemory();
  if (!(flags & kScriptEvalCompat)) {
    if (!(flags & kScriptNoWrites) && ro) {
      lua_settop(L, 0);
      w.Error("ERR Can not execute a script with write flag using *_ro command.");
      return;
    }
    if (!(flags & kScriptNoWrites) && !srv.EnoughGoodReplicas()) {
      lua_settop(L, 0);
      w.Error("NOREPLICAS Not enough good replicas to write.");
      return;
    }
    if (oom && !(flags & (kScriptAllowOom | kScriptNoWrites))) {
      lua_settop(L, 0);
      w.Error(
          "OOM allow-oom flag is not set on the script, can not run it when used memory > "
          "'maxmemory'");
      return;
    }
  }

  Run run;
  run.caller = &ctx.conn;
  run.caller_args.assign(ctx.args.begin(), ctx.args.end());
  run.name = name;
  run.eval_mode = eval_mode;
  run.script_flags = flags;
  run.read_only = ro || (!(flags & kScriptEvalCompat) && (flags & kScriptNoWrites));
  run.allow_oom = !(flags & kScriptEvalCompat) && (flags & kScriptAllowOom);
  run.oom_at_start = oom;
  run.start_tick = TickClock::Now();
  run.start = std::chrono::steady_clock::now();
  client_->db = ctx.conn.db;
  client_->writer().set_proto(2);
  client_->writer().buffer()->clear();

  // KEYS and ARGV: globals of the real globals table for EVAL, arguments for functions.
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  int globals = lua_gettop(L);
  lua_newtable(L);
  for (int64_t j = 0; j < numkeys; ++j) {
    std::string_view a = ctx.args[3 + j];
    lua_pushlstring(L, a.data(), a.size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
  if (eval_mode) lua_setfield(L, globals, "KEYS");
  lua_newtable(L);
  for (int64_t j = numkeys; j < nargs; ++j) {
    std::string_view a = ctx.args[3 + j];
    lua_pushlstring(L, a.data(), a.size());
    lua_rawseti(L, -2, static_cast<int>(j - numkeys + 1));
  }
  if (eval_mode) lua_setfield(L, globals, "ARGV");
  lua_remove(L, globals);

  run_ = &run;
  int64_t threshold = 0;
  StringToInt64(srv.config().GetValue("busy-reply-threshold"), &threshold);
  if (threshold > 0) lua_sethook(L, CountHookThunk, LUA_MASKCOUNT, 100000);
  // The commands a script runs reach the AOF/replicas as one block once it ends; blocking
  // commands don't block (as inside EXEC).
  ++srv.exec_depth;
  srv.script_time_ms = srv.now_ms();
  int err = eval_mode ? lua_pcall(L, 0, 1, -2) : lua_pcall(L, 2, 1, -4);
  --srv.exec_depth;
  srv.script_time_ms = 0;

  if (++gc_count_ == 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    gc_count_ = 0;
  }

  if (err) {
    if (!lua_istable(L, -1)) {
      const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      w.Error(fmt::format("ERR Error running script {}, {:.100}", name, msg));
    } else {
      std::string msg, source, line;
      bool ignore = false;
      RawField(L, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
      RawField(L, "source");
      bool has_source = lua_isstring(L, -1);
      if (has_source) source = lua_tostring(L, -1);
      lua_pop(L, 1);
      RawField(L, "line");
      bool has_line = lua_isstring(L, -1);
      if (has_line) line = lua_tostring(L, -1);
      lua_pop(L, 1);
      RawField(L, "ignore_error_stats_update");
      if (lua_isboolean(L, -1)) ignore = lua_toboolean(L, -1);
      lua_pop(L, 1);
      std::string final_msg = msg;
      if (has_line && has_source)
        final_msg += fmt::format(" script: {}, on {}:{}.", name, source, line);
      WriteRawError(srv, w, final_msg, !ignore);
    }
    lua_pop(L, 1);
  } else {
    LuaToReply(srv, w, client_->writer().proto(), L);
  }
  lua_sethook(L, nullptr, 0, 0);
  lua_settop(L, 0);
  run_ = nullptr;
  client_->writer().buffer()->clear();
}

// lua_error longjmps over C++ frames: the work happens in RunCommand, whose objects are all
// destroyed before CallCommand raises the error table it left on the stack.
int LuaEngine::CallCommand(lua_State* L, bool raise_error) {
  if (RunCommand(L, raise_error)) return lua_error(L);
  return 1;
}

bool LuaEngine::RunCommand(lua_State* L, bool raise_error) {
  Run* run = run_;
  if (run == nullptr) {
    PushErrorTable(L, "redis.call/pcall can only be called inside a script invocation");
    return true;
  }
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return raise_error;
  }
  std::vector<std::string> argv;
  argv.reserve(static_cast<size_t>(argc));
  for (int j = 1; j <= argc; ++j) {
    if (lua_type(L, j) == LUA_TNUMBER) {
      char buf[64];
      int n = snprintf(buf, sizeof(buf), "%.17g", static_cast<double>(lua_tonumber(L, j)));
      argv.emplace_back(buf, static_cast<size_t>(n));
    } else {
      size_t len;
      const char* s = lua_tolstring(L, j, &len);
      if (s == nullptr) break;
      argv.emplace_back(s, len);
    }
  }
  lua_pop(L, argc);
  if (static_cast<int>(argv.size()) != argc) {
    PushErrorTable(L, "Lua redis lib command arguments must be strings or integers");
    return raise_error;
  }
  static bool inuse = false;
  if (inuse) {
    const char* msg =
        "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua "
        "debug hooks?";
    Log(LogLevel::kWarning, "{}", msg);
    PushErrorTable(L, msg);
    return false;
  }

  Server& srv = *server_;
  std::vector<std::string_view> args(argv.begin(), argv.end());
  ArgList al(args.data(), args.size());
  const CommandSpec* spec = srv.commands().Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2)
    spec = spec->FindSub(args[1]);
  std::string error;
  auto arity_ok = [](const CommandSpec& s, size_t n) {
    return !((s.arity > 0 && static_cast<size_t>(s.arity) != n) ||
             (s.arity < 0 && n < static_cast<size_t>(-s.arity)));
  };
  uint32_t flags = 0;
  if (spec != nullptr) flags = spec->flags | (spec->parent ? spec->parent->flags : 0);
  if (spec == nullptr) {
    error = "Unknown Redis command called from script";
  } else if (!arity_ok(*spec, args.size())) {
    error = "Wrong number of args calling Redis command from script";
  } else if (!disable_deny_script && (flags & kCmdNoscript)) {
    error = "This Redis command is not allowed from script";
  } else if (int acl = srv.acl().CheckAndLog(*run->caller, *spec, al, kAclCtxLua);
             acl != kAclOk) {
    error = Acl::ScriptDeniedMessage(acl);  // as Redis's scriptVerifyACL: the caller's user
  } else if (run->read_only && (flags & (kCmdWrite | kCmdMayReplicate))) {
    error = "Write commands are not allowed from read-only scripts.";
  } else if (std::string disk; (flags & kCmdWrite) && !run->caller->fake() &&
                                srv.WritesDeniedByDiskError(&disk)) {
    error = "-" + disk;  // -MISCONF: the last RDB or AOF write failed
  } else if ((flags & kCmdWrite) && !run->write_dirty && !srv.EnoughGoodReplicas()) {
    error = "-NOREPLICAS Not enough good replicas to write.";
  } else if (!run->allow_oom && srv.config().maxmemory > 0 && !run->write_dirty &&
             run->oom_at_start && (flags & kCmdDenyOom)) {
    error = kOomError;
  }
  if (!error.empty()) {
    // Counted like a rejected command: once in the error stats, never again by EVAL.
    std::string_view code = "ERR";
    if (error[0] == '-') code = std::string_view(error).substr(1, error.find(' ') - 1);
    srv.stats().CountError(code);
    srv.AddNestedErrors(1);
    if (spec != nullptr) ++spec->stats.rejected;
    PushErrorTable(L, error);
    MarkIgnoreStats(L);
    return raise_error;
  }
  if (flags & kCmdWrite) run->write_dirty = true;

  inuse = true;
  Connection& c = *client_;
  std::string* out = c.writer().buffer();
  out->clear();
  size_t queued_before = srv.prop_queue_size();
  srv.Call(c, *spec, al);
  if (run->repl != 3) srv.DropPropagation(queued_before);
  // Client-side caching, as Redis's call(): a read command run by a script makes the caller
  // (in default tracking mode) remember the keys of its own command (the EVAL's KEYS).
  Connection* caller = run->caller;
  if ((flags & kCmdReadonly) && caller != nullptr && caller->tracking.on() &&
      !caller->tracking.has(ClientTracking::kBcast) && caller->last_cmd != nullptr) {
    std::vector<std::string_view> cargs(run->caller_args.begin(), run->caller_args.end());
    srv.tracking().RememberKeys(*caller, *caller->last_cmd, ArgList(cargs.data(), cargs.size()));
  }
  inuse = false;

  std::string reply;
  reply.swap(*out);
  bool is_error = !reply.empty() && reply[0] == '-';
  ReplyCursor cur{reply.data(), reply.data() + reply.size()};
  PushReply(L, cur);
  return raise_error && is_error;
}

void LuaEngine::Hook(lua_State* L) {
  Run* run = run_;
  if (run == nullptr) return;
  if (!run->timed_out) {
    int64_t threshold = 0;
    StringToInt64(server_->config().GetValue("busy-reply-threshold"), &threshold);
    int64_t elapsed_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::steady_clock::now() - run->start)
                             .count();
    if (threshold <= 0 || elapsed_ms < threshold) return;
    Log(LogLevel::kWarning,
        "Slow script detected: still in execution after {} milliseconds. You can try killing "
        "the script using the {} command. Script name is: {}.",
        elapsed_ms, run->eval_mode ? "SCRIPT KILL" : "FUNCTION KILL", run->name);
    run->timed_out = true;
  }
  // Other clients are served meanwhile: -BUSY for all but allow_busy commands (dispatcher).
  server_->ProcessEventsWhileBlocked();
  if (server_->shutting_down()) {
    // SHUTDOWN NOSAVE while busy: the server is already stopping; end the script now.
    lua_sethook(L, CountHookThunk, LUA_MASKLINE, 0);
    RaiseError(L, "Script killed by server shutdown...");
  }
  if (run->killed) {
    Log(LogLevel::kWarning, "Lua script killed by user with SCRIPT KILL.");
    // Fire on every line from now on so that pcall can't swallow the kill for long.
    lua_sethook(L, CountHookThunk, LUA_MASKLINE, 0);
    RaiseError(L, "Script killed by user with SCRIPT KILL...");
  }
}

}  // namespace sable

