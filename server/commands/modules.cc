// MODULE: Sable loads no modules. MODULE LIST is empty; LOAD/LOADEX/UNLOAD are refused unless
// enable-module-command allows them, and then fail as a missing module does in Redis.
#include "server/commands/util.h"

namespace sable {

namespace {

bool ModuleCommandAllowed(CommandContext& ctx) {
  if (ctx.server.protected_command_allowed(
          ctx.conn, ctx.server.config().GetValue("enable-module-command")))
    return true;
  ctx.reply.Error(
      "ERR MODULE command not allowed. If the enable-module-command option is set to "
      "\"local\", you can run it from a local connection, otherwise you need to set this "
      "option in the configuration file, and then restart the server.");
  return false;
}

void ModuleList(CommandContext& ctx) { ctx.reply.Array(0); }

void ModuleLoad(CommandContext& ctx) {
  if (!ModuleCommandAllowed(ctx)) return;
  ctx.reply.Error("ERR Error loading the extension. Please check the server logs.");
}

void ModuleUnload(CommandContext& ctx) {
  if (!ModuleCommandAllowed(ctx)) return;
  ctx.reply.Error("ERR Error unloading module: no such module with that name");
}

void ModuleHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "MODULE <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "LIST",
      "    Return a list of loaded modules.",
      "LOAD <path> [<arg> ...]",
      "    Load a module library from <path>, passing to it any optional arguments.",
      "LOADEX <path> [[CONFIG NAME VALUE] [CONFIG NAME VALUE]] [ARGS ...]",
      "    Load a module library from <path>, while passing it module configurations and "
      "optional arguments.",
      "UNLOAD <name>",
      "    Unload a module.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterModuleCommands(CommandTable& t) {
  const char* g = "server";
  const char* adm = "@admin @slow @dangerous";
  const char* load = "admin noscript no_async_loading protected";
  CommandSpec* m = t.Add({"module", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for module commands", "4.0.0"});
  t.AddSub(m, {"help", 2, "loading stale", 0, 0, 0, "@slow", ModuleHelp, g});
  t.AddSub(m, {"list", 2, "admin noscript", 0, 0, 0, adm, ModuleList, g});
  t.AddSub(m, {"load", -3, load, 0, 0, 0, adm, ModuleLoad, g});
  t.AddSub(m, {"loadex", -3, load, 0, 0, 0, adm, ModuleLoad, g});
  t.AddSub(m, {"unload", 3, load, 0, 0, 0, adm, ModuleUnload, g});
}

}  // namespace sable
