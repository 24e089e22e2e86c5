// Scripting family: EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (server/lua_engine.h runs
// them). Functions (FUNCTION LOAD / FCALL) are not implemented: the server holds no functions,
// so FUNCTION FLUSH and FUNCTION LIST answer truthfully (the Redis test harness calls FUNCTION
// FLUSH before every unit) and the rest reports it is unsupported.
#include <fmt/format.h>

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

void ScriptKill(CommandContext& ctx) { ctx.server.lua().Kill(ctx.reply); }

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
  ctx.reply.Array(std::size(kLines));
  for (const char* l : kLines) ctx.reply.Simple(l);
}

void FunctionFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3 || (ctx.args.size() == 3 && !EqNoCase(ctx.args[2], "ASYNC") &&
                              !EqNoCase(ctx.args[2], "SYNC"))) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.reply.Ok();
}

void FunctionList(CommandContext& ctx) { ctx.reply.Array(0); }

void FunctionKill(CommandContext& ctx) {
  if (ctx.server.lua().running()) {
    ctx.reply.Error(
        "BUSY Redis is busy running a script. You can only call SCRIPT KILL or SHUTDOWN "
        "NOSAVE.");
    return;
  }
  ctx.reply.Error("NOTBUSY No scripts in execution right now.");
}

void FunctionUnsupported(CommandContext& ctx) {
  ctx.reply.Error(fmt::format("ERR FUNCTION {} is not supported by this server yet",
                              ctx.args[1]));
}

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

  CommandSpec* f = t.Add({"function", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for function commands", "7.0.0"});
  t.AddSub(f, {"flush", -2, "write noscript", 0, 0, 0, "@write @slow @scripting", FunctionFlush,
               g});
  t.AddSub(f, {"list", -2, "noscript", 0, 0, 0, "@slow @scripting", FunctionList, g});
  t.AddSub(f, {"kill", 2, "noscript allow_busy", 0, 0, 0, "@slow @scripting", FunctionKill, g});
  t.AddSub(f, {"load", -3, "write denyoom noscript", 0, 0, 0, "@write @slow @scripting",
               FunctionUnsupported, g});
  t.AddSub(f, {"delete", 3, "write noscript", 0, 0, 0, "@write @slow @scripting",
               FunctionUnsupported, g});
}

}  // namespace sable
