// Internals shared by the Lua engine's files (server/lua_engine.cc: engine and script runs,
// server/lua_api.cc: RESP<->Lua conversion, the redis.* library and global protection,
// server/lua_functions.cc: FUNCTION libraries). Not for use outside them.
#pragma once

extern "C" {
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
}

#include <chrono>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "datastructs/numbers.h"
#include "server/lua_engine.h"

namespace sable {

class Server;
class ReplyWriter;
class Connection;

// The state of one script invocation (Redis's scriptRunCtx).
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

namespace lua_detail {

inline constexpr const char* kEngineKey = "sable_lua_engine";
inline constexpr const char* kReadonlyKey = "sable_readonly_tables";  // weak set of protected proxies
inline constexpr const char* kBackingKey = "sable_backing_tables";    // weak map proxy -> real table
inline constexpr const char* kGlobalsKey = "sable_globals";           // the real globals table
inline constexpr const char* kGlobalsMtKey = "sable_globals_mt";  // metatable of the globals proxy
inline constexpr const char* kErrHandlerKey = "sable_err_handler";
inline constexpr const char* kLoadApiKey = "sable_load_api";  // globals of FUNCTION LOAD
inline constexpr const char* kOomError = "-OOM command not allowed when used memory > 'maxmemory'.";
inline constexpr int kLogLevels = 4;  // LOG_DEBUG .. LOG_WARNING
inline constexpr int32_t kLrand48Max = INT32_MAX;

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

LuaEngine* EngineOf(lua_State* L);
int32_t Lrand48();
void Srand48(int32_t seed);
void PushErrorTable(lua_State* L, std::string_view e);
void MarkIgnoreStats(lua_State* L);
void RawField(lua_State* L, const char* name);
int RaiseError(lua_State* L, std::string_view msg);
void WriteRawError(Server& srv, ReplyWriter& w, std::string_view msg, bool count);
void PushReply(lua_State* L, ReplyCursor& c);
int64_t LuaNumberToInt64(lua_Number n);
void LuaToReply(Server& srv, ReplyWriter& w, int script_resp, lua_State* L);
int RedisCall(lua_State* L);
int RedisPCall(lua_State* L);
int LuaPcall(lua_State* L);
int RedisSha1Hex(lua_State* L);
int RedisErrorReply(lua_State* L);
int RedisStatusReply(lua_State* L);
int RedisLog(lua_State* L);
int RedisSetResp(lua_State* L);
int RedisSetRepl(lua_State* L);
int RedisReplicateCommands(lua_State* L);
int RedisBreakpoint(lua_State* L);
int RedisDebug(lua_State*);
const char* AclCheckCmd(lua_State* L);
int RedisAclCheckCmd(lua_State* L);
int MathRandom(lua_State* L);
int MathRandomSeed(lua_State* L);
bool IsReadonly(lua_State* L, int idx);
void PushBacking(lua_State* L, int idx);
int ReadonlyNewIndex(lua_State* L);
int ProtectedRawset(lua_State* L);
int ProtectedRawget(lua_State* L);
int ProtectedSetmetatable(lua_State* L);
int ProtectedNext(lua_State* L);
int ProtectedPairs(lua_State* L);
int ProtectedLoadstring(lua_State* L);
int GlobalIndexError(lua_State* L);
void MakeProxy(lua_State* L);
void NewWeakTable(lua_State* L, const char* key, const char* mode);
void SetFn(lua_State* L, const char* name, lua_CFunction f);
void SetNum(lua_State* L, const char* name, lua_Number n);
void RegisterLog(lua_State* L);
void RegisterVersion(lua_State* L);
void LoadLib(lua_State* L, const char* name, lua_CFunction f);
void CountHookThunk(lua_State* L, lua_Debug*);
std::string LowerCase(std::string_view in);

}  // namespace lua_detail
}  // namespace sable
