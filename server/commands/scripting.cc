// Scripting family. Lua scripting and functions arrive with their own issue; until then the
// server holds no functions, so FUNCTION FLUSH and FUNCTION LIST answer truthfully (the Redis
// test harness calls FUNCTION FLUSH before every unit) and the rest reports it is unsupported.
#include <fmt/format.h>

#include "server/commands/util.h"

namespace sable {

namespace {

void FunctionFlush(CommandContext& ctx) {
  if (ctx.args.size() > 3 || (ctx.args.size() == 3 && !EqNoCase(ctx.args[2], "ASYNC") &&
                              !EqNoCase(ctx.args[2], "SYNC"))) {
    ctx.reply.Error("ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  ctx.reply.Ok();
}

void FunctionList(CommandContext& ctx) { ctx.reply.Array(0); }

void FunctionUnsupported(CommandContext& ctx) {
  ctx.reply.Error(fmt::format("ERR FUNCTION {} is not supported by this server yet",
                              ctx.args[1]));
}

}  // namespace

void RegisterScriptingCommands(CommandTable& t) {
  const char* g = "scripting";
  CommandSpec* f = t.Add({"function", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for function commands", "7.0.0"});
  t.AddSub(f, {"flush", -2, "write noscript", 0, 0, 0, "@write @slow @scripting", FunctionFlush,
               g});
  t.AddSub(f, {"list", -2, "noscript", 0, 0, 0, "@slow @scripting", FunctionList, g});
  t.AddSub(f, {"load", -3, "write denyoom noscript", 0, 0, 0, "@write @slow @scripting",
               FunctionUnsupported, g});
  t.AddSub(f, {"delete", 3, "write noscript", 0, 0, 0, "@write @slow @scripting",
               FunctionUnsupported, g});
}

}  // namespace sable
