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

namespace lua_detail {


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

// Pushes t[name] of the table on the stack top; true if it has `type` (left on the stack),
// else it is popped again.
bool FieldIs(lua_State* L, const char* name, int type) {
  RawField(L, name);
  if (lua_type(L, -1) == type) return true;
  lua_pop(L, 1);
  return false;
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
    case '%':
    case '~': {  // {map = {k = v ...}} / {set = {member = true ...}}
      bool map = t == '%';
      int64_t n = c.Int();
      if (L) {
        lua_newtable(L);
        lua_pushstring(L, map ? "map" : "set");
        lua_newtable(L);
      }
      for (int64_t j = 0; j < n; ++j) {
        PushReply(L, c);
        if (map) {
          PushReply(L, c);
        } else if (L) {
          lua_checkstack(L, 1);
          lua_pushboolean(L, 1);
        }
        if (L) lua_settable(L, -3);
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
      if (FieldIs(L, "err", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        std::string msg(s, len);
        lua_pop(L, 1);
        bool ignore = false;
        RawField(L, "ignore_error_stats_update");
        if (lua_isboolean(L, -1)) ignore = lua_toboolean(L, -1);
        lua_pop(L, 1);
        WriteRawError(srv, w, msg, !ignore);
        lua_pop(L, 1);
        return;
      }
      if (FieldIs(L, "ok", LUA_TSTRING)) {
        std::string ok = lua_tostring(L, -1);
        for (char& ch : ok)
          if (ch == '\r' || ch == '\n') ch = ' ';
        w.Simple(ok);
        lua_pop(L, 2);
        return;
      }

      if (FieldIs(L, "double", LUA_TNUMBER)) {
        w.Double(lua_tonumber(L, -1));
        lua_pop(L, 2);
        return;
      }

      if (FieldIs(L, "big_number", LUA_TSTRING)) {
        size_t len;
        const char* s = lua_tolstring(L, -1, &len);
        std::string b(s, len);
        for (char& ch : b)
          if (ch == '\r' || ch == '\n') ch = ' ';
        w.BigNumber(b);
        lua_pop(L, 2);
        return;
      }

      if (FieldIs(L, "verbatim_string", LUA_TTABLE)) {
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

      if (FieldIs(L, "map", LUA_TTABLE)) {
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

      if (FieldIs(L, "set", LUA_TTABLE)) {
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

}  // namespace lua_detail
}  // namespace sable
