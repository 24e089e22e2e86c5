#include "server/lua_engine.h"

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

#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

#include "datastructs/numbers.h"
#include "datastructs/sha1.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/server.h"
#include "server/tick_clock.h"

namespace sable {

// The state of one script invocation (Redis's scriptRunCtx).
struct LuaEngine::Run {
  Connection* caller = nullptr;
  std::string sha;
  uint32_t script_flags = 0;
  bool read_only = false;
  bool allow_oom = false;
  bool write_dirty = false;
  bool timed_out = false;
  bool killed = false;
  bool oom_at_start = false;
  int repl = 3;  // PROPAGATE_AOF | PROPAGATE_REPL
  uint64_t start_tick = 0;
};

namespace {

constexpr const char* kEngineKey = "sable_lua_engine";
constexpr const char* kReadonlyKey = "sable_readonly_tables";  // weak set of protected proxies
constexpr const char* kBackingKey = "sable_backing_tables";    // weak map proxy -> real table
constexpr const char* kGlobalsKey = "sable_globals";           // the real globals table
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
        lua_getfield(L, -1, "err");
        if (lua_isstring(L, -1)) {
          size_t len;
          const char* s = lua_tolstring(L, -1, &len);
          msg.assign(s, len);
        }
        lua_pop(L, 1);
        lua_getfield(L, -1, "ignore_error_stats_update");
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
      lua_getfield(L, -1, "err");
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

int RedisAclCheckCmd(lua_State* L) {
  LuaEngine* e = EngineOf(L);
  if (!e->run()) return RaiseError(L, "redis.acl_check_cmd can only be called inside a script invocation");
  int argc = lua_gettop(L);
  if (argc == 0) return RaiseError(L, "Please specify at least one argument for this redis lib call");
  std::vector<std::string> args;
  for (int j = 1; j <= argc; ++j) {
    size_t len;
    const char* s = lua_tolstring(L, j, &len);
    if (s == nullptr)
      return RaiseError(L, "Lua redis lib command arguments must be strings or integers");
    args.emplace_back(s, len);
  }
  const CommandSpec* spec = e->server().commands().Find(args[0]);
  if (spec != nullptr && !spec->subcommands.empty() && args.size() >= 2)
    spec = spec->FindSub(args[1]);
  if (spec == nullptr) return RaiseError(L, "Invalid command passed to redis.acl_check_cmd()");
  lua_pushboolean(L, 1);  // no ACL users here: the default user may run everything
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

void LoadLib(lua_State* L, const char* name, lua_CFunction f) {
  lua_pushcfunction(L, f);
  lua_pushstring(L, name);
  lua_call(L, 1, 0);
}

void CountHookThunk(lua_State* L, lua_Debug*) { EngineOf(L)->Hook(L); }

std::vector<std::string> SplitWords(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    size_t j = i;
    while (j < s.size() && !isspace(static_cast<unsigned char>(s[j]))) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

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
    std::vector<std::string> parts = SplitWords(body.substr(0, nl));
    if (parts.empty()) {
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
  Init();
}

LuaEngine::~LuaEngine() { Close(); }

void LuaEngine::Close() {
  if (L_ != nullptr) lua_close(L_);
  L_ = nullptr;
}

void LuaEngine::Init() {
  lua_State* L = lua_open();
  L_ = L;
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

  lua_pushcfunction(L, LuaPcall);
  lua_setglobal(L, "pcall");

  lua_newtable(L);
  SetFn(L, "call", RedisCall);
  SetFn(L, "pcall", RedisPCall);
  SetFn(L, "log", RedisLog);
  SetNum(L, "LOG_DEBUG", 0);
  SetNum(L, "LOG_VERBOSE", 1);
  SetNum(L, "LOG_NOTICE", 2);
  SetNum(L, "LOG_WARNING", 3);
  SetNum(L, "REDIS_VERSION_NUM", 0x0007000f);
  lua_pushstring(L, "REDIS_VERSION");
  lua_pushstring(L, "7.0.15");
  lua_settable(L, -3);
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
  SetFn(L, "breakpoint", RedisBreakpoint);
  SetFn(L, "debug", RedisDebug);
  SetFn(L, "replicate_commands", RedisReplicateCommands);
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

  // The error handler used for every script (reports the source and line of the error).
  static const char* kErrHandler =
      "local dbg = debug\n"
      "debug = nil\n"
      "function __redis__err__handler(err)\n"
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
      "end\n";
  luaL_loadbuffer(L, kErrHandler, strlen(kErrHandler), "@err_handler_def");
  lua_pcall(L, 0, 0, 0);

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
  for (const char* lib : {"redis", "cjson", "bit", "string", "math", "table", "coroutine"}) {
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
  // getmetatable(_G) answers the error metatable, itself read-only.
  lua_newtable(L);
  lua_pushcfunction(L, GlobalIndexError);
  lua_setfield(L, -2, "__index");
  lua_pushvalue(L, -1);
  lua_setmetatable(L, real);
  // The proxy's metatable exposes the (protected) error metatable.
  lua_pushvalue(L, real);
  MakeProxy(L);  // stack: real, errmt, proxy
  // MakeProxy stored the real table's metatable as __metatable; protect that one as well.
  lua_getmetatable(L, -1);
  lua_pushvalue(L, -3);
  MakeProxy(L);
  lua_setfield(L, -2, "__metatable");
  lua_pop(L, 1);
  lua_pushvalue(L, -1);
  lua_setfield(L, real, "_G");
  lua_replace(L, LUA_GLOBALSINDEX);
  lua_settop(L, 0);
}

void LuaEngine::Flush() {
  Close();
  scripts_.clear();
  scripts_mem_ = 0;
  Init();
}

size_t LuaEngine::memory() const {
  return L_ ? static_cast<size_t>(lua_gc(L_, LUA_GCCOUNT, 0)) * 1024 : 0;
}

size_t LuaEngine::scripts_memory() const { return scripts_mem_ + scripts_.size() * 64; }

bool LuaEngine::Exists(std::string_view sha) const {
  if (sha.size() != 40) return false;
  std::string s(sha);
  for (char& c : s) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return scripts_.count(s) > 0;
}

bool LuaEngine::timed_out() const { return run_ != nullptr && run_->timed_out; }

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

void LuaEngine::Kill(ReplyWriter& w) {
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
  run_->killed = true;
  w.Ok();
}

void LuaEngine::Eval(CommandContext& ctx, bool evalsha, bool ro) {
  Server& srv = *server_;
  ReplyWriter& w = ctx.reply;
  if (!srv.monitors().empty()) srv.FeedMonitors(ctx.conn, ctx.args);
  int64_t numkeys;
  if (!StringToInt64(ctx.args[2], &numkeys)) {
    w.Error(err::kNotInt);
    return;
  }
  int64_t nargs = static_cast<int64_t>(ctx.args.size()) - 3;
  if (numkeys > nargs) {
    w.Error("ERR Number of keys can't be greater than number of args");
    return;
  }
  if (numkeys < 0) {
    w.Error("ERR Number of keys can't be negative");
    return;
  }
  if (run_ != nullptr) {  // cannot happen: EVAL is noscript and scripts don't nest
    w.Error("ERR script already running");
    return;
  }
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
  uint32_t flags = script->flags;

  bool oom = srv.config().maxmemory > 0 &&
             srv.UsedMemory() > static_cast<size_t>(srv.config().maxmemory);
  if (!(flags & kScriptEvalCompat)) {
    if (!(flags & kScriptNoWrites)) {
      if (ro) {
        w.Error("ERR Can not execute a script with write flag using *_ro command.");
        return;
      }
    }
    if (oom && !(flags & (kScriptAllowOom | kScriptNoWrites))) {
      w.Error(
          "OOM allow-oom flag is not set on the script, can not run it when used memory > "
          "'maxmemory'");
      return;
    }
  }

  Run run;
  run.caller = &ctx.conn;
  run.sha = sha;
  run.script_flags = flags;
  run.read_only = ro || (!(flags & kScriptEvalCompat) && (flags & kScriptNoWrites));
  run.allow_oom = !(flags & kScriptEvalCompat) && (flags & kScriptAllowOom);
  run.oom_at_start = oom;
  run.start_tick = TickClock::Now();
  client_->db = ctx.conn.db;
  client_->writer().set_proto(2);
  client_->writer().buffer()->clear();

  lua_State* L = L_;
  lua_getfield(L, LUA_REGISTRYINDEX, kGlobalsKey);
  int globals = lua_gettop(L);
  lua_getfield(L, globals, "__redis__err__handler");
  std::string fname = "f_" + sha;
  lua_getfield(L, LUA_REGISTRYINDEX, fname.c_str());

  // KEYS and ARGV are globals of the real globals table.
  lua_newtable(L);
  for (int64_t j = 0; j < numkeys; ++j) {
    std::string_view a = ctx.args[3 + j];
    lua_pushlstring(L, a.data(), a.size());
    lua_rawseti(L, -2, static_cast<int>(j + 1));
  }
  lua_setfield(L, globals, "KEYS");
  lua_newtable(L);
  for (int64_t j = numkeys; j < nargs; ++j) {
    std::string_view a = ctx.args[3 + j];
    lua_pushlstring(L, a.data(), a.size());
    lua_rawseti(L, -2, static_cast<int>(j - numkeys + 1));
  }
  lua_setfield(L, globals, "ARGV");

  run_ = &run;
  int64_t threshold = 0;
  StringToInt64(srv.config().GetValue("busy-reply-threshold"), &threshold);
  if (threshold > 0) lua_sethook(L, CountHookThunk, LUA_MASKCOUNT, 100000);
  // The commands a script runs reach the AOF/replicas as one block once it ends; blocking
  // commands don't block (as inside EXEC).
  ++srv.exec_depth;
  int err = lua_pcall(L, 0, 1, -2);
  --srv.exec_depth;

  if (++gc_count_ == 50) {
    lua_gc(L, LUA_GCSTEP, 50);
    gc_count_ = 0;
  }

  if (err) {
    if (!lua_istable(L, -1)) {
      const char* msg = lua_isstring(L, -1) ? lua_tostring(L, -1) : "execution failure";
      std::string m = fmt::format("ERR Error running script {}, {:.100}", sha, msg);
      w.Error(m);
    } else {
      std::string msg, source, line;
      bool ignore = false;
      lua_getfield(L, -1, "err");
      if (lua_isstring(L, -1)) msg = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "source");
      if (lua_isstring(L, -1)) source = lua_tostring(L, -1);
      bool has_source = lua_isstring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "line");
      bool has_line = lua_isstring(L, -1);
      if (has_line) line = lua_tostring(L, -1);
      lua_pop(L, 1);
      lua_getfield(L, -1, "ignore_error_stats_update");
      if (lua_isboolean(L, -1)) ignore = lua_toboolean(L, -1);
      lua_pop(L, 1);
      std::string final_msg = msg;
      if (has_line && has_source)
        final_msg += fmt::format(" script: {}, on {}:{}.", sha, source, line);
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

int LuaEngine::CallCommand(lua_State* L, bool raise_error) {
  Run* run = run_;
  if (run == nullptr) return RaiseError(L, "redis.call/pcall can only be called inside a script invocation");
  int argc = lua_gettop(L);
  if (argc == 0) {
    PushErrorTable(L, "Please specify at least one argument for this redis lib call");
    return raise_error ? lua_error(L) : 1;
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
    return raise_error ? lua_error(L) : 1;
  }
  static bool inuse = false;
  if (inuse) {
    const char* msg =
        "luaRedisGenericCommand() recursive call detected. Are you doing funny stuff with Lua "
        "debug hooks?";
    Log(LogLevel::kWarning, "{}", msg);
    PushErrorTable(L, msg);
    return 1;
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
  } else if (run->read_only && (flags & (kCmdWrite | kCmdMayReplicate))) {
    error = "Write commands are not allowed from read-only scripts.";
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
    return raise_error ? lua_error(L) : 1;
  }
  if (flags & kCmdWrite) run->write_dirty = true;

  inuse = true;
  Connection& c = *client_;
  std::string* out = c.writer().buffer();
  out->clear();
  size_t queued_before = srv.prop_queue_size();
  srv.Call(c, *spec, al);
  if (run->repl != 3) srv.DropPropagation(queued_before);
  inuse = false;

  std::string reply;
  reply.swap(*out);
  bool is_error = !reply.empty() && reply[0] == '-';
  ReplyCursor cur{reply.data(), reply.data() + reply.size()};
  PushReply(L, cur);
  if (raise_error && is_error) return lua_error(L);
  return 1;
}

void LuaEngine::Hook(lua_State* L) {
  Run* run = run_;
  if (run == nullptr) return;
  if (!run->timed_out) {
    int64_t threshold = 0;
    StringToInt64(server_->config().GetValue("busy-reply-threshold"), &threshold);
    int64_t elapsed_ms = TickClock::ToMicros(TickClock::Now() - run->start_tick) / 1000;
    if (threshold <= 0 || elapsed_ms < threshold) return;
    Log(LogLevel::kWarning,
        "Slow script detected: still in execution after {} milliseconds. You can try killing "
        "the script using the SCRIPT KILL command. Script name is: {}.",
        elapsed_ms, run->sha);
    run->timed_out = true;
  }
  ProcessEventsWhileBlocked();
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
