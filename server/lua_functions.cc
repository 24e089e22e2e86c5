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

using namespace lua_detail;  // NOLINT: the engine's own internals

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

}  // namespace sable
