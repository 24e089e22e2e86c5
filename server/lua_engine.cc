#include "server/lua_engine.h"

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
#include <poll.h>
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

// The state of one script invocation (Redis's scriptRunCtx).
struct LuaEngine::Run {
  Connection* caller = nullptr;
  std::vector<std::string> caller_args;
  std::string name;  // the sha (EVAL) or the function name
  bool eval_mode = true;
  uint32_t script_flags = 0;
  bool read_only = false;
  bool allow_oom = false;
  bool write_dirty = false;
  bool timed_out = false;
  bool killed = false;
  bool oom_at_start = false;
  int repl = 3;  // PROPAGATE_AOF | PROPAGATE_REPL
  uint64_t start_tick = 0;
  std::chrono::steady_clock::time_point start;
};

namespace {

constexpr const char* kEngineKey = "sable_lua_engine";
constexpr const char* kReadonlyKey = "sable_readonly_tables";  // weak set of protected proxies
constexpr const char* kBackingKey = "sable_backing_tables";    // weak map proxy -> real table
constexpr const char* kGlobalsKey = "sable_globals";           // the real globals table
constexpr const char* kGlobalsMtKey = "sable_globals_mt";  // metatable of the globals proxy
constexpr const char* kErrHandlerKey = "sable_err_handler";
constexpr const char* kLoadApiKey = "sable_load_api";  // globals of FUNCTION LOAD
constexpr const char* kOomError = "-OOM command not allowed when used memory > 'maxmemory'.";
constexpr int kLogLevels = 4;  // LOG_DEBUG .. LOG_WARNING

LuaEngine* EngineOf(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, kEngineKey);
  auto* e = static_cast<LuaEngine*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return e;
}

// redis-server's deterministic rand48 (rand.c), shared by every script.
uint64_t g_rand48 = (uint64_t{0x1234} << 32) | (uint64_t{0xABCD} << 16) | 0x330E;
int32_t Lrand48() {
  g_rand48 = (g_rand48 * 0x5DEECE66DULL + 0xB) & ((uint64_t{1} << 48) - 1);
  return static_cast<int32_t>(g_rand48 >> 17);
}
void Srand48(int32_t seed) {
  g_rand48 = (static_cast<uint64_t>(static_cast<uint32_t>(seed)) << 16) | 0x330E;
  g_rand48 &= (uint64_t{1} << 48) - 1;
}
constexpr int32_t kLrand48Max = INT32_MAX;

// luaPushErrorBuff: an error table {err="CODE msg"}. A leading '-' means the code is the first
// word; otherwise "ERR " is put in front. A trailing CR/LF is trimmed.
void PushErrorTable(lua_State* L, std::string_view e) {
  std::string code, msg;
  if (!e.empty() && e[0] == '-') {
    size_t sp = e.find(' ');
    if (sp == std::string_view::npos) {
      code = "ERR";
      msg = std::string(e.substr(1));
    } else {
      code = std::string(e.substr(1, sp - 1));
      msg = std::string(e.substr(sp + 1));
    }
  } else {
    code = "ERR";
    msg = std::string(e);
  }
  while (!msg.empty() && (msg.back() == '\r' || msg.back() == '\n')) msg.pop_back();
  while (!msg.empty() && (msg.front() == '\r' || msg.front() == '\n')) msg.erase(0, 1);
  std::string final_msg = code + " " + msg;
  lua_newtable(L);
  lua_pushstring(L, "err");
  lua_pushlstring(L, final_msg.data(), final_msg.size());
  lua_settable(L, -3);
}

void MarkIgnoreStats(lua_State* L) {
  lua_pushstring(L, "ignore_error_stats_update");
  lua_pushboolean(L, 1);
  lua_settable(L, -3);
}

// Pushes t[name] of the table on the stack top without metamethods (an error object's
// __index must not run outside the protected call).
void RawField(lua_State* L, const char* name) {
  lua_pushstring(L, name);
  lua_rawget(L, -2);
}

// Raises the error table on the stack top.
int RaiseError(lua_State* L, std::string_view msg) {
  PushErrorTable(L, msg);
  return lua_error(L);
}

// An error reply written as Redis's addReplyErrorFormatEx("-%s") does: no "ERR " added, CR/LF
// turned into spaces, counted in the error stats unless `count` is false.
void WriteRawError(Server& srv, ReplyWriter& w, std::string_view msg, bool count) {
  std::string m(msg);
  for (char& ch : m)
    if (ch == '\r' || ch == '\n') ch = ' ';
  if (count) {
    size_t sp = m.find(' ');
    if (sp != std::string::npos && sp < 31) {
      srv.stats().CountError(std::string_view(m).substr(0, sp));
    } else {
      srv.stats().CountError("ERR");
    }
  } else {
    srv.mark_failed = true;
  }
  w.Raw("-");
  w.Raw(m);
  w.Raw("\r\n");
}

// ---- RESP reply -> Lua ------------------------------------------------------------------

struct ReplyCursor {
  const char* p;
  const char* end;
  std::string_view Line() {
    const char* s = p;
    const char* e = static_cast<const char*>(memchr(p, '\r', static_cast<size_t>(end - p)));
    if (e == nullptr) e = end;
    p = e + 2 <= end ? e + 2 : end;
    return std::string_view(s, static_cast<size_t>(e - s));
  }
  int64_t Int() {
    std::string_view l = Line();
    int64_t v = 0;
    StringToInt64(l, &v);
    return v;
  }
  std::string_view Bytes(size_t n) {
    std::string_view s(p, n);
    p += n + 2;
    if (p > end) p = end;
    return s;
  }
};

// Pushes one reply (or skips it when L is null).
void PushReply(lua_State* L, ReplyCursor& c) {
  if (c.p >= c.end) {
    if (L) lua_pushnil(L);
    return;
  }
  if (L) lua_checkstack(L, 5);
  char t = *c.p++;
  switch (t) {
    case '+': {
      std::string_view s = c.Line();
      if (!L) return;
      lua_newtable(L);
      lua_pushstring(L, "ok");
      lua_pushlstring(L, s.data(), s.size());
      lua_settable(L, -3);
      return;
    }
    case '-': {
      std::string_view s = c.Line();
      if (!L) return;
      std::string e = "-";
      e.append(s);
      PushErrorTable(L, e);
      MarkIgnoreStats(L);
      return;
    }
    case ':': {
      int64_t v = c.Int();
      if (L) lua_pushnumber(L, static_cast<lua_Number>(v));
      return;
    }
    case '$': {
      int64_t n = c.Int();
      if (n < 0) {
        if (L) lua_pushboolean(L, 0);
        return;
      }
      std::string_view s = c.Bytes(static_cast<size_t>(n));
      if (L) lua_pushlstring(L, s.data(), s.size());
      return;
    }
    case '*':
    case '>': {
      int64_t n = c.Int();
      if (n < 0) {
        if (L) lua_pushboolean(L, 0);
        return;
      }
      if (L) lua_newtable(L);
      for (int64_t j = 0; j < n; ++j) {
        if (L) lua_pushnumber(L, static_cast<lua_Number>(j + 1));
        PushReply(L, c);
        if (L) lua_settable(L, -3);
      }
      return;
    }
    case '%': {
      int64_t n = c.Int();
      if (L) {
        lua_newtable(L);
        lua_pushstring(L, "map");
        lua_newtable(L);
      }
      for (int64_t j = 0; j < n; ++j) {
        PushReply(L, c);
        PushReply(L, c);
        if (L) lua_settable(L, -3);
      }
      if (L) lua_settable(L, -3);
      return;
    }
    case '~': {
      int64_t n = c.Int();
      if (L) {
        lua_newtable(L);
        lua_pushstring(L, "set");
        lua_newtable(L);
      }
      for (int64_t j = 0; j < n; ++j) {
        PushReply(L, c);
        if (L) {
          lua_checkstack(L, 1);
          lua_pushboolean(L, 1);
          lua_settable(L, -3);
        }
      }
      if (L) lua_settable(L, -3);
      return;
    }
    case '_':
      c.Line();
      if (L) lua_pushnil(L);
      return;
    case '#': {
      std::string_view s = c.Line();
      if (L) lua_pushboolean(L, !s.empty() && s[0] == 't');
      return;
    }
    case ',': {
      std::string s(c.Line());
      if (!L) return;
      double d;
      if (s == "inf") {
        d = INFINITY;
      } else if (s == "-inf") {
        d = -INFINITY;
      } else if (s == "nan" || s == "-nan") {
        d = NAN;
      } else {
        d = strtod(s.c_str(), nullptr);
      }
      lua_newtable(L);
      lua_pushstring(L, "double");
      lua_pushnumber(L, d);
      lua_settable(L, -3);
      return;
    }
    case '(': {
      std::string_view s = c.Line();
      if (!L) return;
      lua_newtable(L);
      lua_pushstring(L, "big_number");
      lua_pushlstring(L, s.data(), s.size());
      lua_settable(L, -3);
      return;
    }
    case '=': {
      int64_t n = c.Int();
      std::string_view s = c.Bytes(static_cast<size_t>(n));
      if (!L) return;
      std::string_view fmt_part = s.substr(0, 3);
      std::string_view str = s.size() >= 4 ? s.substr(4) : std::string_view();
      lua_newtable(L);
      lua_pushstring(L, "verbatim_string");
      lua_newtable(L);
      lua_pushstring(L, "string");
      lua_pushlstring(L, str.data(), str.size());
      lua_settable(L, -3);
      lua_pushstring(L, "format");
      lua_pushlstring(L, fmt_part.data(), fmt_part.size());
      lua_settable(L, -3);
      lua_settable(L, -3);
      return;
    }
    case '|': {
      int64_t n = c.Int();
      for (int64_t j = 0; j < n; ++j) {
        PushReply(nullptr, c);
        PushReply(nullptr, c);
      }
      PushReply(L, c);
      return;
    }
    default:
      c.Line();
      if (L) lua_pushnil(L);
      return;
  }
}

// ---- Lua value -> reply -----------------------------------------------------------------

int64_t LuaNumberToInt64(lua_Number n) {
  // (long long) of a double as x86 does it: out of range and NaN give INT64_MIN.
  if (std::isnan(n) || n >= 9223372036854775808.0 || n < -9223372036854775808.0)
    return INT64_MIN;
  return static_cast<int64_t>(n);
}

void LuaToReply(Server& srv, ReplyWriter& w, int script_resp, lua_State* L) {
  int t = lua_type(L, -1);
  if (!lua_checkstack(L, 4)) {
    WriteRawError(srv, w, "ERR reached lua stack limit", true);
    lua_pop(L, 1);
    return;
  }
  switch (t) {
    case LUA_TSTRING: {
      size_t len;
      const char* s = lua_tolstring(L, -1, &len);
      w.Bulk(std::string_view(s, len));
      break;
    }
    case LUA_TBOOLEAN:
      if (script_resp == 2) {
        if (lua_toboolean(L, -1)) {
          w.Integer(1);
        } else {
          w.Null();
        }
      } else {
        w.Bool(lua_toboolean(L, -1));
      }
      break;
    case LUA_TNUMBER:
      w.Integer(LuaNumberToInt64(lua_tonumber(L, -1)));
      break;
    case LUA_TTABLE: {
      lua_pushstring(L, "err");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING) {
        lua_pop(L, 1);
        std::string msg;
        bool ignore = false;
        RawField(L, "err");
        if (lua_isstring(L, -1)) {
          size_t len;
          const char* s = lua_tolstring(L, -1, &len);
          msg.assign(s, len);
        }
        lua_pop(L, 1);
        RawField(L, "ignore_error_stats_update");
        if (lua_isboolean(L, -1)) ignore = lua_toboolean(L, -1);
        lua_pop(L, 1);
        WriteRawError(srv, w, msg, !ignore);
        lua_pop(L, 1);
        return;
      }
      lua_pop(L, 1);

      lua_pushstring(L, "ok");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING) {
        std::string ok = lua_tostring(L, -1);
        for (char& ch : ok)
          if (ch == '\r' || ch == '\n') ch = ' ';
        w.Simple(ok);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);

      lua_pushstring(L, "double");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TNUMBER) {
        w.Double(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);

      lua_pushstring(L, "big_number");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TSTRING) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        std::string b(s, len);
        for (char& ch : b)
          if (ch == '\r' || ch == '\n') ch = ' ';
        w.BigNumber(b);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);

      lua_pushstring(L, "verbatim_string");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        lua_pushstring(L, "format");
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TSTRING) {
          std::string format = lua_tostring(L, -1);
          lua_pushstring(L, "string");
          lua_rawget(L, -3);
          if (lua_type(L, -1) == LUA_TSTRING) {
            size_t len;
            const char* s = lua_tolstring(L, -1, &len);
            w.Verbatim(std::string_view(s, len), std::string_view(format).substr(0, 3));
            lua_pop(L, 4);
            return;
          }
          lua_pop(L, 1);
        }
        lua_pop(L, 1);
      }
      lua_pop(L, 1);

      lua_pushstring(L, "map");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        size_t n = 0;
        size_t h = w.BeginDeferred();
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pushvalue(L, -2);
          LuaToReply(srv, w, script_resp, L);  // key
          LuaToReply(srv, w, script_resp, L);  // value
          ++n;
        }
        w.EndDeferredMap(h, n);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);

      lua_pushstring(L, "set");
      lua_rawget(L, -2);
      if (lua_type(L, -1) == LUA_TTABLE) {
        size_t n = 0;
        size_t h = w.BeginDeferred();
        lua_pushnil(L);
        while (lua_next(L, -2)) {
          lua_pop(L, 1);
          lua_pushvalue(L, -1);
          LuaToReply(srv, w, script_resp, L);
          ++n;
        }
        w.EndDeferredSet(h, n);
        lua_pop(L, 2);
        return;
      }
      lua_pop(L, 1);

      size_t h = w.BeginDeferred();
      size_t n = 0;
      for (int j = 1;; ++j) {
        lua_pushnumber(L, j);
        lua_rawget(L, -2);
        if (lua_type(L, -1) == LUA_TNIL) {
          lua_pop(L, 1);
          break;
        }
        LuaToReply(srv, w, script_resp, L);
        ++n;
      }
      w.EndDeferredArray(h, n);
      break;
    }
    default:
      w.Null();
  }
  lua_pop(L, 1);
}

// ---- redis.* functions ------------------------------------------------------------------

int RedisCall(lua_State* L) { return EngineOf(L)->CallCommand(L, true); }
int RedisPCall(lua_State* L) { return EngineOf(L)->CallCommand(L, false); }

// The global pcall: Redis 7 error objects are tables; pcall hands back their message.
int LuaPcall(lua_State* L) {
  int argc = lua_gettop(L);
  luaL_checkany(L, 1);
  lua_pushboolean(L, 1);
  lua_insert(L, 1);
  if (lua_pcall(L, argc - 1, LUA_MULTRET, 0)) {
    lua_remove(L, 1);
    if (lua_istable(L, -1)) {
      RawField(L, "err");
      if (lua_isstring(L, -1)) {
        lua_replace(L, -2);
      } else {
        lua_pop(L, 1);
      }
    }
    lua_pushboolean(L, 0);
    lua_insert(L, 1);
  }
  return lua_gettop(L);
}

int RedisSha1Hex(lua_State* L) {
  if (lua_gettop(L) != 1) return RaiseError(L, "wrong number of arguments");
  size_t len = 0;
  const char* s = lua_tolstring(L, 1, &len);
  std::string hex = Sha1Hex(std::string_view(s ? s : "", s ? len : 0));
  lua_pushstring(L, hex.c_str());
  return 1;
}

int RedisErrorReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  std::string e = lua_tostring(L, -1);
  if (e.empty() || e[0] != '-') e = "-" + e;
  PushErrorTable(L, e);
  return 1;
}

int RedisStatusReply(lua_State* L) {
  if (lua_gettop(L) != 1 || lua_type(L, -1) != LUA_TSTRING) {
    PushErrorTable(L, "wrong number or type of arguments");
    return 1;
  }
  lua_newtable(L);
  lua_pushstring(L, "ok");
  lua_pushvalue(L, -3);
  lua_settable(L, -3);
  return 1;
}

int RedisLog(lua_State* L) {
  int argc = lua_gettop(L);
  if (argc < 2) return RaiseError(L, "redis.log() requires two arguments or more.");
  if (!lua_isnumber(L, -argc)) return RaiseError(L, "First argument must be a number (log level).");
  int level = static_cast<int>(lua_tonumber(L, -argc));
  if (level < 0 || level >= kLogLevels) return RaiseError(L, "Invalid debug level.");
  std::string msg;
  for (int j = 1; j < argc; ++j) {
    size_t len;
    const char* s = lua_tolstring(L, (-argc) + j, &len);
    if (s) {
      if (j != 1) msg += ' ';
      msg.append(s, len);
    }
  }
  Log(static_cast<LogLevel>(level), "{}", msg);
  return 0;
}

int RedisSetResp(lua_State* L) {
  LuaEngine* e = EngineOf(L);
  if (!e->run()) return RaiseError(L, "redis.setresp can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.setresp() requires one argument.");
  int resp = static_cast<int>(lua_tonumber(L, -1));
  if (resp != 2 && resp != 3) return RaiseError(L, "RESP version must be 2 or 3.");
  e->client().writer().set_proto(resp);
  return 0;
}

int RedisSetRepl(lua_State* L) {
  LuaEngine* e = EngineOf(L);
  if (!e->run()) return RaiseError(L, "redis.set_repl can only be called inside a script invocation");
  if (lua_gettop(L) != 1) return RaiseError(L, "redis.set_repl() requires two arguments.");
  int flags = static_cast<int>(lua_tonumber(L, -1));
  if ((flags & ~3) != 0)
    return RaiseError(L,
                      "Invalid replication flags. Use REPL_AOF, REPL_REPLICA, REPL_ALL or REPL_NONE.");
  e->run()->repl = flags;
  return 0;
}

int RedisReplicateCommands(lua_State* L) {
  lua_pushboolean(L, 1);
  return 1;
}

int RedisBreakpoint(lua_State* L) {
  lua_pushboolean(L, 0);
  return 1;
}

int RedisDebug(lua_State*) { return 0; }

// 0: allowed (true pushed); otherwise the error to raise (no C++ object alive when raising).
const char* AclCheckCmd(lua_State* L) {
  LuaEngine* e = EngineOf(L);
  if (!e->run()) return "redis.acl_check_cmd can only be called inside a script invocation";
  int argc = lua_gettop(L);
  if (argc == 0) return "Please specify at least one argument for this redis lib call";
  std::vector<std::string> args;
  for (int j = 1; j <= argc; ++j) {
    size_t len;
    const char* s = lua_tolstring(L, j, &len);
    if (s == nullptr) return "Lua redis lib command arguments must be strings or integers";
    args.emplace_back(s, len);
  }
  const CommandSpec* spec = e->server().commands().Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2)
    spec = spec->FindSub(args[1]);
  if (spec == nullptr) return "Invalid command passed to redis.acl_check_cmd()";
  Server& srv = e->server();
  bool allowed = true;
  Connection* caller = e->run()->caller;
  if (caller != nullptr && caller->user != nullptr) {
    std::vector<std::string_view> views(args.begin(), args.end());
    int idx = 0;
    allowed = srv.acl().CheckCommand(*caller->user, *spec,
                                     ArgList(views.data(), views.size()), &idx) == kAclOk;
  }
  lua_pushboolean(L, allowed ? 1 : 0);
  return nullptr;
}

int RedisAclCheckCmd(lua_State* L) {
  const char* err = AclCheckCmd(L);
  if (err != nullptr) return RaiseError(L, err);
  return 1;
}

int MathRandom(lua_State* L) {
  lua_Number r = static_cast<lua_Number>(Lrand48() % kLrand48Max) /
                 static_cast<lua_Number>(kLrand48Max);
  switch (lua_gettop(L)) {
    case 0:
      lua_pushnumber(L, r);
      break;
    case 1: {
      int u = luaL_checkint(L, 1);
      luaL_argcheck(L, 1 <= u, 1, "interval is empty");
      lua_pushnumber(L, floor(r * u) + 1);
      break;
    }
    case 2: {
      int l = luaL_checkint(L, 1);
      int u = luaL_checkint(L, 2);
      luaL_argcheck(L, l <= u, 2, "interval is empty");
      lua_pushnumber(L, floor(r * (u - l + 1)) + l);
      break;
    }
    default:
      return luaL_error(L, "wrong number of arguments");
  }
  return 1;
}

int MathRandomSeed(lua_State* L) {
  Srand48(luaL_checkint(L, 1));
  return 0;
}

// ---- globals protection -----------------------------------------------------------------
// Redis patches Lua with read-only tables. Stock Lua 5.1 has none, so every protected table is
// replaced by an empty proxy whose metatable reads from the real table and refuses writes;
// rawset/setmetatable/rawget/next/pairs know about proxies.

bool IsReadonly(lua_State* L, int idx) {
  if (!lua_istable(L, idx)) return false;
  idx = idx < 0 && idx > LUA_REGISTRYINDEX ? lua_gettop(L) + idx + 1 : idx;
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonlyKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool ro = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return ro;
}

// Pushes the real table behind proxy at idx (or the value itself).
void PushBacking(lua_State* L, int idx) {
  idx = idx < 0 && idx > LUA_REGISTRYINDEX ? lua_gettop(L) + idx + 1 : idx;
  lua_getfield(L, LUA_REGISTRYINDEX, kBackingKey);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  lua_remove(L, -2);
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    lua_pushvalue(L, idx);
  }
}

int ReadonlyNewIndex(lua_State* L) { return luaL_error(L, "Attempt to modify a readonly table"); }

int ProtectedRawset(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  luaL_checkany(L, 3);
  if (IsReadonly(L, 1)) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  lua_settop(L, 3);
  lua_rawset(L, 1);
  return 1;
}

int ProtectedRawget(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_checkany(L, 2);
  PushBacking(L, 1);
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
  return 1;
}

int ProtectedSetmetatable(lua_State* L) {
  int t = lua_type(L, 2);
  luaL_checktype(L, 1, LUA_TTABLE);
  luaL_argcheck(L, t == LUA_TNIL || t == LUA_TTABLE, 2, "nil or table expected");
  if (IsReadonly(L, 1)) {
    lua_pushstring(L, "Attempt to modify a readonly table");
    return lua_error(L);
  }
  if (luaL_getmetafield(L, 1, "__metatable")) luaL_error(L, "cannot change a protected metatable");
  lua_settop(L, 2);
  lua_setmetatable(L, 1);
  return 1;
}

int ProtectedNext(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 2);
  PushBacking(L, 1);
  lua_replace(L, 1);
  if (lua_next(L, 1)) return 2;
  lua_pushnil(L);
  return 1;
}

int ProtectedPairs(lua_State* L) {
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_pushvalue(L, lua_upvalueindex(1));  // next
  PushBacking(L, 1);
  lua_pushnil(L);
  return 3;
}

// loadstring refuses precompiled chunks, as Redis's Lua does.
int ProtectedLoadstring(lua_State* L) {
  size_t len;
  const char* s = luaL_checklstring(L, 1, &len);
  const char* name = luaL_optstring(L, 2, s);
  if (len > 0 && s[0] == '\033') {
    lua_pushnil(L);
    lua_pushstring(L, "binary chunks are not allowed");
    return 2;
  }
  int status = luaL_loadbuffer(L, s, len, name);
  if (status == 0) return 1;
  lua_pushnil(L);
  lua_insert(L, -2);
  return 2;
}

int GlobalIndexError(lua_State* L) {
  if (lua_gettop(L) != 2) luaL_error(L, "Wrong number of arguments to luaProtectedTableError");
  if (!lua_isstring(L, -1) && !lua_isnumber(L, -1))
    luaL_error(L, "Second argument to luaProtectedTableError must be a string or number");
  const char* name = lua_tostring(L, -1);
  return luaL_error(L, "Script attempted to access nonexistent global variable '%s'", name);
}

// Replaces the table on the stack top by a read-only proxy (pushed in its place). `index_mt`
// is the value getmetatable(proxy) answers (a protected table or nil).
void MakeProxy(lua_State* L) {
  int real = lua_gettop(L);
  lua_newtable(L);  // proxy
  int proxy = real + 1;
  lua_newtable(L);  // its metatable
  lua_pushvalue(L, real);
  lua_setfield(L, -2, "__index");
  lua_pushcfunction(L, ReadonlyNewIndex);
  lua_setfield(L, -2, "__newindex");
  // getmetatable(proxy): the real table's metatable (protected in turn) or false.
  if (lua_getmetatable(L, real)) {
    lua_setfield(L, -2, "__metatable");
  } else {
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");
  }
  lua_setmetatable(L, proxy);
  lua_getfield(L, LUA_REGISTRYINDEX, kReadonlyKey);
  lua_pushvalue(L, proxy);
  lua_pushboolean(L, 1);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_getfield(L, LUA_REGISTRYINDEX, kBackingKey);
  lua_pushvalue(L, proxy);
  lua_pushvalue(L, real);
  lua_rawset(L, -3);
  lua_pop(L, 1);
  lua_replace(L, real);
}

void NewWeakTable(lua_State* L, const char* key, const char* mode) {
  lua_newtable(L);
  lua_newtable(L);
  lua_pushstring(L, mode);
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_setfield(L, LUA_REGISTRYINDEX, key);
}

void SetFn(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushstring(L, name);
  lua_pushcfunction(L, f);
  lua_settable(L, -3);
}

void SetNum(lua_State* L, const char* name, lua_Number n) {
  lua_pushstring(L, name);
  lua_pushnumber(L, n);
  lua_settable(L, -3);
}

// min-replicas-to-write: attached replicas stand for good ones.
bool EnoughGoodReplicas(Server& srv) {
  int64_t to_write = 0, max_lag = 0;
  StringToInt64(srv.config().GetValue("min-replicas-to-write"), &to_write);
  StringToInt64(srv.config().GetValue("min-replicas-max-lag"), &max_lag);
  return to_write <= 0 || max_lag <= 0 || srv.replica_count() >= static_cast<size_t>(to_write);
}

void RegisterLog(lua_State* L) {
  SetFn(L, "log", RedisLog);
  SetNum(L, "LOG_DEBUG", 0);
  SetNum(L, "LOG_VERBOSE", 1);
  SetNum(L, "LOG_NOTICE", 2);
  SetNum(L, "LOG_WARNING", 3);
}

void RegisterVersion(lua_State* L) {
  SetNum(L, "REDIS_VERSION_NUM", 0x0007000f);
  lua_pushstring(L, "REDIS_VERSION");
  lua_pushstring(L, "7.0.15");
  lua_settable(L, -3);
}

int RedisRegisterFunction(lua_State* L);

void LoadLib(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

void CountHookThunk(lua_State* L, lua_Debug*) { EngineOf(L)->Hook(L); }

std::string LowerCase(std::string_view in) {
  std::string out(in);
  for (char& c : out) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

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
  return !(flags & kScriptEvalCompat) && (flags & kScriptNoWrites);
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
  bool oom = srv.config().maxmemory > 0 &&
             srv.UsedMemory() > static_cast<size_t>(srv.config().maxmemory);
  if (!(flags & kScriptEvalCompat)) {
    if (!(flags & kScriptNoWrites) && ro) {
      lua_settop(L, 0);
      w.Error("ERR Can not execute a script with write flag using *_ro command.");
      return;
    }
    if (!(flags & kScriptNoWrites) && !EnoughGoodReplicas(srv)) {
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

// ---- functions --------------------------------------------------------------------------

struct LuaEngine::LoadCtx {
  std::map<std::string, Function>* functions;
  uint64_t start_tick;
};

static bool ValidName(std::string_view n) {
  if (n.empty()) return false;
  for (char c : n)
    if (!isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

static bool RegisterFunctionImpl(lua_State* L);

int RedisRegisterFunctionImpl(lua_State* L) {
  if (RegisterFunctionImpl(L)) return lua_error(L);
  return 0;
}

// True with an error table pushed (raised by the caller, once every C++ object is gone).
static bool RegisterFunctionImpl(lua_State* L) {
  LuaEngine* e = EngineOf(L);
  LuaEngine::LoadCtx* load = e->load_ctx();
  if (load == nullptr)
  {
    PushErrorTable(L, "redis.register_function can only be called on FUNCTION LOAD command");
    return true;
  }
  std::string name, desc;
  uint32_t flags = 0;
  int argc = lua_gettop(L);
  const char* err = nullptr;
  int callback_idx = 0;
  if (argc == 1) {
    if (!lua_istable(L, 1)) {
      err = "calling redis.register_function with a single argument is only applicable to Lua "
            "table (representing named arguments).";
    } else {
      lua_pushnil(L);
      while (err == nullptr && lua_next(L, 1)) {
        if (!lua_isstring(L, -2)) {
          err = "named argument key given to redis.register_function is not a string";
          break;
        }
        std::string key = lua_tostring(L, -2);
        for (char& c : key) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
        if (key == "function_name") {
          if (!lua_isstring(L, -1)) {
            err = "function_name argument given to redis.register_function must be a string";
            break;
          }
          size_t len;
          const char* str = lua_tolstring(L, -1, &len);
          name.assign(str, len);
        } else if (key == "description") {
          if (!lua_isstring(L, -1)) {
            err = "description argument given to redis.register_function must be a string";
            break;
          }
          desc = lua_tostring(L, -1);
        } else if (key == "callback") {
          if (!lua_isfunction(L, -1)) {
            err = "callback argument given to redis.register_function must be a function";
            break;
          }
          callback_idx = 1;
          lua_pushvalue(L, -1);
          lua_setfield(L, LUA_REGISTRYINDEX, "sable_register_cb");
        } else if (key == "flags") {
          if (!lua_istable(L, -1)) {
            err = "flags argument to redis.register_function must be a table representing "
                  "function flags";
            break;
          }
          int n = static_cast<int>(lua_objlen(L, -1));
          for (int j = 1; j <= n && err == nullptr; ++j) {
            lua_rawgeti(L, -1, j);
            std::string fl = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
            lua_pop(L, 1);
            static const std::pair<const char*, uint32_t> kFlags[] = {
                {"no-writes", kScriptNoWrites},     {"allow-oom", kScriptAllowOom},
                {"allow-stale", kScriptAllowStale}, {"no-cluster", kScriptNoCluster},
                {"allow-cross-slot-keys", kScriptAllowCrossSlot}};
            uint32_t bit = 0;
            for (const auto& [fn, b] : kFlags)
              if (fl == fn) bit = b;
            if (bit == 0) err = "unknown flag given";
            flags |= bit;
          }
        } else {
          err = "unknown argument given to redis.register_function";
        }
        lua_pop(L, 1);
      }
      if (err == nullptr && name.empty())
        err = "redis.register_function must get a function name argument";
      if (err == nullptr && callback_idx == 0)
        err = "redis.register_function must get a callback argument";
      if (err == nullptr) lua_getfield(L, LUA_REGISTRYINDEX, "sable_register_cb");
    }
  } else if (argc == 2) {
    if (!lua_isstring(L, 1)) {
      err = "first argument to redis.register_function must be a string";
    } else if (!lua_isfunction(L, 2)) {
      err = "second argument to redis.register_function must be a function";
    } else {
      size_t len;
      const char* str = lua_tolstring(L, 1, &len);
      name.assign(str, len);
      lua_pushvalue(L, 2);
    }
  } else {
    err = "wrong number of arguments to redis.register_function";
  }
  if (err != nullptr) {
    PushErrorTable(L, err);
    return true;
  }
  // The callback is on the stack top.
  if (!ValidName(name)) {
    PushErrorTable(L,
                   "Library names can only contain letters, numbers, or underscores(_) and "
                   "must be at least one character long");
    return true;
  }
  // Function names are case-insensitive (kept as given for FUNCTION LIST).
  std::string key = LowerCase(name);
  if (load->functions->count(key)) {
    PushErrorTable(L, "Function already exists in the library");
    return true;
  }
  LuaEngine::Function& f = (*load->functions)[key];
  f.name = name;
  f.desc = desc;
  f.flags = flags;
  f.ref = luaL_ref(L, LUA_REGISTRYINDEX);
  return false;
}

void LuaEngine::FreeLibrary(Library& lib) {
  for (auto& [n, f] : lib.functions) {
    functions_.erase(n);
    if (f.ref >= 0) luaL_unref(FL_, LUA_REGISTRYINDEX, f.ref);
  }
  lib.functions.clear();
}

static void LoadHook(lua_State* L, lua_Debug*) {
  LuaEngine* e = EngineOf(L);
  LuaEngine::LoadCtx* load = e->load_ctx();
  if (load == nullptr) return;
  if (TickClock::ToMicros(TickClock::Now() - load->start_tick) / 1000 > 500) {
    lua_sethook(L, LoadHook, LUA_MASKLINE, 0);
    RaiseError(L, "FUNCTION LOAD timeout");
  }
}

// The "#!lua name=..." line of a library: its name, or false with *err (FUNCTION LOAD's texts).
static bool ParseLibraryMeta(std::string_view code, std::string* out_name, size_t* body_at,
                             std::string* err) {
  if (code.substr(0, 2) != "#!") {
    *err = "Missing library metadata";
    return false;
  }
  size_t nl = code.find('\n');
  if (nl == std::string_view::npos) {
    *err = "Invalid library metadata";
    return false;
  }
  std::vector<std::string> parts;
  if (!SplitArgs(code.substr(0, nl), &parts) || parts.empty()) {
    *err = "Invalid library metadata";
    return false;
  }
  std::string engine = parts[0].substr(2);
  std::string name;
  bool has_name = false;
  for (size_t i = 1; i < parts.size(); ++i) {
    if (parts[i].size() >= 5 && strncasecmp(parts[i].c_str(), "name=", 5) == 0) {
      if (has_name) {
        *err = "Invalid metadata value, name argument was given multiple times";
        return false;
      }
      has_name = true;
      name = parts[i].substr(5);
      continue;
    }
    *err = "Invalid metadata value given: " + parts[i];
    return false;
  }
  if (!has_name) {
    *err = "Library name was not given";
    return false;
  }
  if (!ValidName(name)) {
    *err =
        "Library names can only contain letters, numbers, or underscores(_) and must be at "
        "least one character long";
    return false;
  }
  if (strcasecmp(engine.c_str(), "lua") != 0) {
    *err = "Engine '" + engine + "' not found";
    return false;
  }
  *out_name = name;
  *body_at = nl;
  return true;
}

bool LuaEngine::LoadLibrary(std::string_view code, bool replace, std::string* out_name,
                            std::string* err) {
  std::string name;
  size_t nl;
  if (!ParseLibraryMeta(code, &name, &nl, err)) return false;
  auto old = libraries_.find(name);
  if (old != libraries_.end() && !replace) {
    *err = "Library '" + name + "' already exists";
    return false;
  }

  lua_State* L = FL_;
  std::map<std::string, Function> fns;
  // Library code runs with the load globals (redis.register_function & co).
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMtKey);
  lua_getfield(L, LUA_REGISTRYINDEX, kLoadApiKey);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);
  bool ok = false;
  std::string_view body = code.substr(nl);
  if (luaL_loadbuffer(L, body.data(), body.size(), "@user_function")) {
    *err = fmt::format("Error compiling function: {}", lua_tostring(L, -1));
    lua_pop(L, 1);
  } else {
    LoadCtx ctx{&fns, TickClock::Now()};
    load_ = &ctx;
    lua_sethook(L, LoadHook, LUA_MASKCOUNT, 100000);
    if (lua_pcall(L, 0, 0, 0)) {
      std::string msg;
      if (lua_isstring(L, -1)) msg = "ERR " + std::string(lua_tostring(L, -1));
      if (lua_istable(L, -1)) {
        RawField(L, "err");
        if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
        lua_pop(L, 1);
      }
      *err = "Error registering functions: " + msg;
      lua_pop(L, 1);
    } else {
      ok = true;
    }
    lua_sethook(L, nullptr, 0, 0);
    load_ = nullptr;
  }
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsMtKey);
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  lua_setfield(L, -2, "__index");
  lua_settop(L, 0);

  if (ok && fns.empty()) {
    *err = "No functions registered";
    ok = false;
  }
  if (ok) {
    for (auto& [n, f] : fns) {
      auto it = functions_.find(n);
      if (it != functions_.end() && it->second->library != name) {
        *err = "Function " + f.name + " already exists";
        ok = false;
        break;
      }
    }
  }
  if (!ok) {
    for (auto& [n, f] : fns)
      if (f.ref >= 0) luaL_unref(L, LUA_REGISTRYINDEX, f.ref);
    return false;
  }
  if (old != libraries_.end()) {
    FreeLibrary(old->second);
    libraries_.erase(old);
  }
  Library& lib = libraries_[name];
  lib.name = name;
  lib.code.assign(code);
  lib.functions = std::move(fns);
  for (auto& [n, f] : lib.functions) {
    f.library = name;
    functions_[n] = &f;
  }
  *out_name = name;
  return true;
}

std::vector<std::string> LuaEngine::LibraryCodes() const {
  std::vector<std::string> out;
  for (const auto& [n, lib] : libraries_) out.push_back(lib.code);
  return out;
}

bool LuaEngine::RestoreLibraries(const std::vector<std::string>& codes, RestorePolicy policy,
                                 std::string* err) {
  std::vector<std::string> saved = LibraryCodes();
  std::vector<std::string> names;
  for (const auto& code : codes) {
    std::string name;
    size_t at;
    if (!ParseLibraryMeta(code, &name, &at, err)) return false;
    names.push_back(name);
  }
  bool ok = true;
  if (policy == RestorePolicy::kFlush) {
    FlushFunctions();
  } else {
    for (const auto& name : names) {
      if (libraries_.count(name) == 0) continue;
      if (policy == RestorePolicy::kAppend) {
        *err = "Library " + name + " already exists";
        return false;
      }
      DeleteLibrary(name);
    }
  }
  for (const auto& code : codes) {
    std::string name;
    if (!LoadLibrary(code, false, &name, err)) {
      ok = false;
      break;
    }
  }
  if (!ok) {  // back to the libraries as they were
    std::string ignored_name, ignored_err;
    FlushFunctions();
    for (const auto& code : saved) LoadLibrary(code, false, &ignored_name, &ignored_err);
  }
  return ok;
}

bool LuaEngine::DeleteLibrary(std::string_view name) {
  auto it = libraries_.find(std::string(name));
  if (it == libraries_.end()) return false;
  FreeLibrary(it->second);
  libraries_.erase(it);
  return true;
}

void LuaEngine::FlushFunctions() {
  libraries_.clear();
  functions_.clear();
  if (FL_ != nullptr) lua_close(FL_);
  FL_ = NewState(true);
}

void LuaEngine::ListFunctions(ReplyWriter& w, std::string_view pattern, bool has_pattern,
                              bool with_code) {
  std::vector<const Library*> libs;
  for (const auto& [n, lib] : libraries_)
    if (!has_pattern || GlobMatch(pattern, n, true)) libs.push_back(&lib);
  static const std::pair<const char*, uint32_t> kFlags[] = {
      {"no-writes", kScriptNoWrites},     {"allow-oom", kScriptAllowOom},
      {"allow-stale", kScriptAllowStale}, {"no-cluster", kScriptNoCluster},
      {"allow-cross-slot-keys", kScriptAllowCrossSlot}};
  w.Array(libs.size());
  for (const Library* lib : libs) {
    w.Map(with_code ? 4 : 3);
    w.Bulk("library_name");
    w.Bulk(lib->name);
    w.Bulk("engine");
    w.Bulk("LUA");
    w.Bulk("functions");
    w.Array(lib->functions.size());
    for (const auto& [n, f] : lib->functions) {
      w.Map(3);
      w.Bulk("name");
      w.Bulk(f.name);
      w.Bulk("description");
      if (f.desc.empty()) {
        w.Null();
      } else {
        w.Bulk(f.desc);
      }
      w.Bulk("flags");
      size_t count = 0;
      for (const auto& [fn, b] : kFlags)
        if (f.flags & b) ++count;
      w.Set(count);
      for (const auto& [fn, b] : kFlags)
        if (f.flags & b) w.Simple(fn);
    }
    if (with_code) {
      w.Bulk("library_code");
      w.Bulk(lib->code);
    }
  }
}

void LuaEngine::FunctionStats(ReplyWriter& w) {
  if (running_eval()) {
    w.Error(busy_error());
    return;
  }
  w.Map(2);
  w.Bulk("running_script");
  if (run_ == nullptr) {
    w.Null();
  } else {
    w.Map(3);
    w.Bulk("name");
    w.Bulk(run_->name);
    w.Bulk("command");
    w.Array(run_->caller_args.size());
    for (const auto& a : run_->caller_args) w.Bulk(a);
    w.Bulk("duration_ms");
    w.Integer(std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - run_->start)
                  .count());
  }
  w.Bulk("engines");
  w.Map(1);
  w.Bulk("LUA");
  w.Map(2);
  w.Bulk("libraries_count");
  w.Integer(static_cast<int64_t>(libraries_.size()));
  w.Bulk("functions_count");
  w.Integer(static_cast<int64_t>(functions_.size()));
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
  } else if ((flags & kCmdWrite) && !run->write_dirty && !EnoughGoodReplicas(srv)) {
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
  ProcessEventsWhileBlocked();
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

// While a script runs past busy-reply-threshold, other clients are served (with -BUSY for
// all but allow_busy commands): their sockets are read and answered outside the event loop.
void LuaEngine::ProcessEventsWhileBlocked() {
  Server& srv = *server_;
  // Replies produced before the script started (and their AOF writes) go out first.
  srv.FlushPendingNow();
  std::vector<Connection*> conns;
  std::vector<pollfd> fds;
  for (const auto& [id, c] : srv.clients()) {
    if (c == run_->caller || c->closing()) continue;
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<const uv_handle_t*>(c->handle()), &fd) != 0) continue;
    conns.push_back(c);
    fds.push_back(pollfd{fd, POLLIN, 0});
  }
  if (fds.empty()) return;
  if (poll(fds.data(), fds.size(), 0) <= 0) return;
  for (size_t i = 0; i < fds.size(); ++i) {
    if (fds[i].revents == 0) continue;
    Connection* c = srv.FindClient(conns[i]->id());
    if (c == nullptr || c->closing()) continue;
    c->ReadNow();
  }
}

}  // namespace sable
