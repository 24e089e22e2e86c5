// Scripting family: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO, SCRIPT, FCALL, FCALL_RO and FUNCTION
// (server/lua_engine.h runs them).
#include <fmt/format.h>

#include "persistence/crc64.h"
#include "persistence/rdb.h"
#include "server/commands/util.h"
#include "server/lua_engine.h"

namespace sable {

namespace {

void EvalKeys(ArgList args, std::vector<int>* out) { NumKeysAt(args, 2, out); }

void Eval(CommandContext& ctx) { ctx.server.lua().Eval(ctx, false, false); }
void EvalRo(CommandContext& ctx) { ctx.server.lua().Eval(ctx, false, true); }
void EvalSha(CommandContext& ctx) { ctx.server.lua().Eval(ctx, true, false); }
void EvalShaRo(CommandContext& ctx) { ctx.server.lua().Eval(ctx, true, true); }

void ScriptLoad(CommandContext& ctx) { ctx.server.lua().Load(ctx.args[2], ctx.reply); }

void ScriptExists(CommandContext& ctx) {
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i)
    ctx.reply.Integer(ctx.server.lua().Exists(ctx.args[i]) ? 1 : 0);
}

void ScriptFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3 || (ctx.args.size() == 3 && !EqNoCase(ctx.args[2], "ASYNC") &&
                              !EqNoCase(ctx.args[2], "SYNC"))) {
    ctx.reply.Error("ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  ctx.server.lua().Flush();
  ctx.reply.Ok();
}

void ScriptKill(CommandContext& ctx) { ctx.server.lua().Kill(ctx.reply, true); }

void ScriptDebug(CommandContext& ctx) {
  if (EqNoCase(ctx.args[2], "no")) {
    ctx.reply.Ok();
  } else if (EqNoCase(ctx.args[2], "yes") || EqNoCase(ctx.args[2], "sync")) {
    ctx.reply.Error("ERR SCRIPT DEBUG is not supported by this server");
  } else {
    ctx.reply.Error("ERR Use SCRIPT DEBUG YES/SYNC/NO");
  }
}

void ScriptHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "SCRIPT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DEBUG (YES|SYNC|NO)",
      "    Set the debug mode for subsequent scripts executed.",
      "EXISTS <sha1> [<sha1> ...]",
      "    Return information about the existence of the scripts in the script cache.",
      "FLUSH [ASYNC|SYNC]",
      "    Flush the Lua scripts cache. Very dangerous on replicas.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the scripts cache.",
      "    * SYNC: Synchronously flush the scripts cache.",
      "KILL",
      "    Kill the currently executing Lua script.",
      "LOAD <script>",
      "    Load a script into the scripts cache without executing it.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(ctx, kLines);
}

void FunctionFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(fmt::format(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
        ctx.args[1].substr(0, 128)));
    return;
  }
  if ((ctx.args.size() == 3 && !EqNoCase(ctx.args[2], "ASYNC") &&
                              !EqNoCase(ctx.args[2], "SYNC"))) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.server.lua().FlushFunctions();
  Dirty(ctx);
  ctx.reply.Ok();
}

void FunctionList(CommandContext& ctx) {
  bool with_code = false, has_pattern = false;
  std::string_view pattern;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (!with_code && EqNoCase(ctx.args[i], "withcode")) {
      with_code = true;
      continue;
    }
    if (!has_pattern && EqNoCase(ctx.args[i], "libraryname")) {
      if (i >= ctx.args.size() - 1) {
        ctx.reply.Error("ERR library name argument was not given");
        return;
      }
      has_pattern = true;
      pattern = ctx.args[++i];
      continue;
    }
    ctx.reply.Error(fmt::format("ERR Unknown argument {}", ctx.args[i]));
    return;
  }
  ctx.server.lua().ListFunctions(ctx.reply, pattern, has_pattern, with_code);
}

void FunctionLoad(CommandContext& ctx) {
  bool replace = false;
  size_t pos = 2;
  while (pos < ctx.args.size() - 1) {
    std::string_view a = ctx.args[pos++];
    if (EqNoCase(a, "replace")) {
      replace = true;
      continue;
    }
    ctx.reply.Error(fmt::format("ERR Unknown option given: {}", a));
    return;
  }
  if (pos >= ctx.args.size()) {
    ctx.reply.Error("ERR Function code is missing");
    return;
  }
  std::string name, err;
  if (!ctx.server.lua().LoadLibrary(ctx.args[pos], replace, &name, &err)) {
    ctx.reply.Error("ERR " + err);
    return;
  }
  Dirty(ctx);
  ctx.reply.Bulk(name);
}

void FunctionDelete(CommandContext& ctx) {
  if (!ctx.server.lua().DeleteLibrary(ctx.args[2])) {
    ctx.reply.Error("ERR Library not found");
    return;
  }
  Dirty(ctx);
  ctx.reply.Ok();
}

// The payload is what an RDB file holds for functions (one FUNCTION2 opcode and the code per
// library), then the RDB version (2 bytes LE) and a CRC64 (8 bytes LE), as DUMP's.
void FunctionDump(CommandContext& ctx) {
  std::string payload;
  RdbEncoder enc(&payload);
  for (const std::string& code : ctx.server.lua().LibraryCodes()) {
    enc.Type(rdb::kFunction2);
    enc.String(code);
  }
  payload.push_back(static_cast<char>(rdb::kVersion & 0xff));
  payload.push_back(static_cast<char>((rdb::kVersion >> 8) & 0xff));
  uint64_t crc = Crc64(0, payload.data(), payload.size());
  for (int i = 0; i < 8; ++i) payload.push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  ctx.reply.Bulk(payload);
}

void FunctionRestore(CommandContext& ctx) {
  if (ctx.args.size() > 4) {
    ctx.reply.Error(fmt::format(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try FUNCTION HELP.",
        ctx.args[1].substr(0, 128)));
    return;
  }
  auto policy = LuaEngine::RestorePolicy::kAppend;
  if (ctx.args.size() == 4) {
    if (EqNoCase(ctx.args[3], "FLUSH")) {
      policy = LuaEngine::RestorePolicy::kFlush;
    } else if (EqNoCase(ctx.args[3], "APPEND")) {
      policy = LuaEngine::RestorePolicy::kAppend;
    } else if (EqNoCase(ctx.args[3], "REPLACE")) {
      policy = LuaEngine::RestorePolicy::kReplace;
    } else {
      ctx.reply.Error(
          "ERR Wrong restore policy given, value should be either FLUSH, APPEND or REPLACE.");
      return;
    }
  }
  std::string_view p = ctx.args[2];
  bool valid = p.size() >= 10;
  if (valid) {
    const auto* b = reinterpret_cast<const unsigned char*>(p.data());
    size_t n = p.size();
    int ver = b[n - 10] | (b[n - 9] << 8);
    uint64_t stored = 0;
    for (int i = 7; i >= 0; --i) stored = (stored << 8) | b[n - 8 + i];
    valid = ver <= rdb::kVersion && Crc64(0, p.data(), n - 8) == stored;
  }
  if (!valid) {
    ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  std::string_view data = p.substr(0, p.size() - 10);
  RdbDecoder dec(data);
  std::vector<std::string> codes;
  std::string err;
  while (dec.offset() < data.size()) {
    RdbRecord rec;
    if (!dec.Next(&rec, &err)) {
      ctx.reply.Error("ERR failed loading the given functions payload");
      return;
    }
    if (rec.kind != RdbRecord::kFunction) {
      ctx.reply.Error("ERR given type is not a function");
      return;
    }
    codes.push_back(std::move(rec.str));
  }
  if (!ctx.server.lua().RestoreLibraries(codes, policy, &err)) {
    ctx.reply.Error("ERR " + err);
    return;
  }
  Dirty(ctx);
  ctx.reply.Ok();
}

void FunctionKill(CommandContext& ctx) { ctx.server.lua().Kill(ctx.reply, false); }

void FunctionStats(CommandContext& ctx) { ctx.server.lua().FunctionStats(ctx.reply); }

void FunctionHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "FUNCTION <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LOAD [REPLACE] <FUNCTION CODE>",
      "    Create a new library with the given library name and code.",
      "DELETE <LIBRARY NAME>",
      "    Delete the given library.",
      "LIST [LIBRARYNAME PATTERN] [WITHCODE]",
      "    Return general information on all the libraries:",
      "    * Library name",
      "    * The engine used to run the Library",
      "    * Library description",
      "    * Functions list",
      "    * Library code (if WITHCODE is given)",
      "    It also possible to get only function that matches a pattern using LIBRARYNAME",
      "    argument.",
      "STATS",
      "    Return information about the current function running:",
      "    * Function name",
      "    * Command used to run the function",
      "    * Duration in MS that the function is running",
      "    If no function is running, return nil",
      "    In addition, returns a list of available engines.",
      "KILL",
      "    Kill the current running function.",
      "FLUSH [ASYNC|SYNC]",
      "    Delete all the libraries.",
      "    When called without the optional mode argument, the behavior is determined by the",
      "    lazyfree-lazy-user-flush configuration directive. Valid modes are:",
      "    * ASYNC: Asynchronously flush the libraries.",
      "    * SYNC: Synchronously flush the libraries.",
      "DUMP",
      "    Return a serialized payload representing the current libraries, can be restored using FUNCTION RESTORE command",
      "RESTORE <PAYLOAD> [FLUSH|APPEND|REPLACE]",
      "    Restore the libraries represented by the given payload, it is possible to give a restore policy to",
      "    control how to handle existing libraries (default APPEND):",
      "    * FLUSH: delete all existing libraries.",
      "    * APPEND: appends the restored libraries to the existing libraries. On collision, abort.",
      "    * REPLACE: appends the restored libraries to the existing libraries, On collision, replace the old",
      "      libraries with the new libraries (notice that even on this option there is a chance of failure",
      "      in case of functions name collision with another library).",
      "HELP",
      "    Prints this help."};
  ReplyHelp(ctx, kLines);
}

void FCall(CommandContext& ctx) { ctx.server.lua().FCall(ctx, false); }
void FCallRo(CommandContext& ctx) { ctx.server.lua().FCall(ctx, true); }

}  // namespace

void RegisterScriptingCommands(CommandTable& t) {
  const char* g = "scripting";
  const char* acl = "@slow @scripting";
  CommandSpec* e = t.Add({"eval", -3,
                          "noscript skip_monitor may_replicate no_mandatory_keys stale", 0, 0, 0,
                          acl, Eval, g, "Execute a Lua script server side", "2.6.0",
                          "Depends on the script that is executed."});
  e->keys_fn = EvalKeys;
  e = t.Add({"evalsha", -3, "noscript skip_monitor may_replicate no_mandatory_keys stale", 0, 0,
             0, acl, EvalSha, g, "Execute a Lua script server side", "2.6.0",
             "Depends on the script that is executed."});
  e->keys_fn = EvalKeys;
  e = t.Add({"eval_ro", -3, "readonly noscript skip_monitor no_mandatory_keys stale", 0, 0, 0,
             acl, EvalRo, g, "Execute a read-only Lua script server side", "7.0.0",
             "Depends on the script that is executed."});
  e->keys_fn = EvalKeys;
  e = t.Add({"evalsha_ro", -3, "readonly noscript skip_monitor no_mandatory_keys stale", 0, 0, 0,
             acl, EvalShaRo, g, "Execute a read-only Lua script server side", "7.0.0",
             "Depends on the script that is executed."});
  e->keys_fn = EvalKeys;

  CommandSpec* s = t.Add({"script", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for Lua scripts management commands", "2.6.0"});
  t.AddSub(s, {"debug", 3, "noscript", 0, 0, 0, acl, ScriptDebug, g,
               "Set the debug mode for executed scripts.", "3.2.0"});
  t.AddSub(s, {"exists", -3, "noscript", 0, 0, 0, acl, ScriptExists, g,
               "Check existence of scripts in the script cache.", "2.6.0"});
  t.AddSub(s, {"flush", -2, "noscript", 0, 0, 0, acl, ScriptFlush, g,
               "Remove all the scripts from the script cache.", "2.6.0"});
  t.AddSub(s, {"help", 2, "loading stale", 0, 0, 0, acl, ScriptHelp, g,
               "Show helpful text about the different subcommands", "5.0.0"});
  t.AddSub(s, {"kill", 2, "noscript allow_busy", 0, 0, 0, acl, ScriptKill, g,
               "Kill the script currently in execution.", "2.6.0"});
  t.AddSub(s, {"load", 3, "noscript stale", 0, 0, 0, acl, ScriptLoad, g,
               "Load the specified Lua script into the script cache.", "2.6.0"});

  e = t.Add({"fcall", -3, "noscript skip_monitor may_replicate no_mandatory_keys stale", 0, 0,
             0, acl, FCall, g, "Invoke a function", "7.0.0",
             "Depends on the function that is executed."});
  e->keys_fn = EvalKeys;
  e = t.Add({"fcall_ro", -3, "readonly noscript skip_monitor no_mandatory_keys stale", 0, 0, 0,
             acl, FCallRo, g, "Invoke a read-only function", "7.0.0",
             "Depends on the function that is executed."});
  e->keys_fn = EvalKeys;

  CommandSpec* f = t.Add({"function", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for function commands", "7.0.0"});
  const char* wacl = "@write @slow @scripting";
  t.AddSub(f, {"delete", 3, "noscript write", 0, 0, 0, wacl, FunctionDelete, g,
               "Delete a function by name", "7.0.0"});
  t.AddSub(f, {"dump", 2, "noscript", 0, 0, 0, acl, FunctionDump, g,
               "Dump all functions into a serialized binary payload", "7.0.0"});
  t.AddSub(f, {"flush", -2, "noscript write", 0, 0, 0, wacl, FunctionFlush, g,
               "Deleting all functions", "7.0.0"});
  t.AddSub(f, {"help", 2, "loading stale", 0, 0, 0, acl, FunctionHelp, g,
               "Show helpful text about the different subcommands", "7.0.0"});
  t.AddSub(f, {"kill", 2, "noscript allow_busy", 0, 0, 0, acl, FunctionKill, g,
               "Kill the function currently in execution.", "7.0.0"});
  t.AddSub(f, {"list", -2, "noscript", 0, 0, 0, acl, FunctionList, g,
               "List information about all the functions", "7.0.0"});
  t.AddSub(f, {"load", -3, "noscript write denyoom", 0, 0, 0, wacl, FunctionLoad, g,
               "Create a function with the given arguments (name, code, description)", "7.0.0"});
  t.AddSub(f, {"restore", -3, "noscript write denyoom", 0, 0, 0, wacl, FunctionRestore, g,
               "Restore all the functions on the given payload", "7.0.0"});
  t.AddSub(f, {"stats", 2, "noscript allow_busy", 0, 0, 0, acl, FunctionStats, g,
               "Return information about the function currently running (name, description, duration)",
               "7.0.0"});
}

}  // namespace sable
