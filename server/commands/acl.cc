// ACL command: SETUSER GETUSER DELUSER USERS LIST WHOAMI CAT GENPASS LOG DRYRUN SAVE LOAD HELP.
#include <fmt/format.h>

#include <random>

#include "server/acl.h"
#include "server/commands/util.h"

namespace sable {

namespace {

Acl& A(CommandContext& ctx) { return ctx.server.acl(); }

void SubcommandSyntaxError(CommandContext& ctx) {
  ctx.reply.Error(fmt::format(
      "ERR unknown subcommand or wrong number of arguments for '{}'. Try ACL HELP.",
      ctx.args[1].substr(0, 128)));
}

void AclSetUser(CommandContext& ctx) {
  std::string_view name = ctx.args[2];
  for (char c : name)
    if (isspace(static_cast<unsigned char>(c)) || c == 0) {
      ctx.reply.Error("ERR Usernames can't contain spaces or null characters");
      return;
    }
  std::vector<std::string> ops(ctx.args.begin() + 3, ctx.args.end());
  std::string err = A(ctx).SetUser(name, ops, &ctx.conn);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    for (char& c : err)
      if (c == '\r' || c == '\n') c = ' ';
    ctx.reply.Error("ERR " + err);
  }
}

void AclDelUser(CommandContext& ctx) {
  for (size_t j = 2; j < ctx.args.size(); ++j)
    if (ctx.args[j] == "default") {
      ctx.reply.Error("ERR The 'default' user cannot be removed");
      return;
    }
  int64_t deleted = 0;
  for (size_t j = 2; j < ctx.args.size(); ++j)
    if (A(ctx).DeleteUser(ctx.args[j], &ctx.conn)) ++deleted;
  ctx.reply.Integer(deleted);
}

void ReplySelector(CommandContext& ctx, const AclSelector& s) {
  ReplyWriter& w = ctx.reply;
  w.Bulk("commands");
  w.Bulk(A(ctx).DescribeCommandRules(s));
  w.Bulk("keys");
  w.Bulk(Acl::DescribeKeys(s));
  w.Bulk("channels");
  w.Bulk(Acl::DescribeChannels(s));
}

void AclGetUser(CommandContext& ctx) {
  AclUser* u = A(ctx).Find(ctx.args[2]);
  ReplyWriter& w = ctx.reply;
  if (u == nullptr) {
    w.Null();
    return;
  }
  w.Map(6);
  w.Bulk("flags");
  static const std::pair<uint32_t, const char*> kFlags[] = {
      {AclUser::kEnabled, "on"},
      {AclUser::kDisabled, "off"},
      {AclUser::kNoPass, "nopass"},
      {AclUser::kSkipSanitizePayload, "skip-sanitize-payload"},
      {AclUser::kSanitizePayload, "sanitize-payload"}};
  size_t n = 0;
  for (const auto& [f, name] : kFlags)
    if (u->flags & f) ++n;
  w.Set(n);
  for (const auto& [f, name] : kFlags)
    if (u->flags & f) w.Bulk(name);
  w.Bulk("passwords");
  w.Array(u->passwords.size());
  for (const auto& p : u->passwords) w.Bulk(p);
  ReplySelector(ctx, u->selectors[0]);
  w.Bulk("selectors");
  w.Array(u->selectors.size() - 1);
  for (size_t i = 1; i < u->selectors.size(); ++i) {
    w.Map(3);
    ReplySelector(ctx, u->selectors[i]);
  }
}

void AclList(CommandContext& ctx) {
  const auto& users = A(ctx).users();
  ctx.reply.Array(users.size());
  for (const auto& [name, u] : users) ctx.reply.Bulk("user " + name + " " + A(ctx).Describe(*u));
}

void AclUsers(CommandContext& ctx) {
  const auto& users = A(ctx).users();
  ctx.reply.Array(users.size());
  for (const auto& [name, u] : users) ctx.reply.Bulk(name);
}

void AclWhoami(CommandContext& ctx) {
  if (ctx.conn.user != nullptr) {
    ctx.reply.Bulk(ctx.conn.user->name);
  } else {
    ctx.reply.Null();
  }
}

bool NoAclFile(CommandContext& ctx) {
  if (!ctx.server.config().GetValue("aclfile").empty()) return false;
  ctx.reply.Error(
      "ERR This Redis instance is not configured to use an ACL file. You may want to specify "
      "users via the ACL SETUSER command and then issue a CONFIG REWRITE (assuming you have a "
      "Redis configuration file set) in order to store users in the Redis configuration.");
  return true;
}

void AclLoad(CommandContext& ctx) {
  if (NoAclFile(ctx)) return;
  std::string err = A(ctx).LoadFile(ctx.server.config().GetValue("aclfile"), &ctx.conn);
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR " + err);
  }
}

void AclSave(CommandContext& ctx) {
  if (NoAclFile(ctx)) return;
  std::string err = A(ctx).SaveFile(ctx.server.config().GetValue("aclfile"));
  if (err.empty()) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error("ERR " + err);
  }
}

void AclCat(CommandContext& ctx) {
  if (ctx.args.size() == 2) {
    const auto& names = Acl::CategoryNames();
    ctx.reply.Array(names.size());
    for (const auto& n : names) ctx.reply.Bulk(n);
    return;
  }
  if (ctx.args.size() != 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  std::vector<std::string> out;
  if (!A(ctx).CategoryCommands(ctx.args[2], &out)) {
    ctx.reply.Error(fmt::format("ERR Unknown category '{}'", ctx.args[2].substr(0, 128)));
    return;
  }
  ctx.reply.Array(out.size());
  for (const auto& n : out) ctx.reply.Bulk(n);
}

void AclGenpass(CommandContext& ctx) {
  int64_t bits = 256;
  if (ctx.args.size() == 3 && !ArgInt64(ctx, ctx.args[2], &bits)) return;
  if (ctx.args.size() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  if (bits <= 0 || bits > 4096) {
    ctx.reply.Error(
        "ERR ACL GENPASS argument must be the number of bits for the output password, a "
        "positive number up to 4096");
    return;
  }
  size_t chars = static_cast<size_t>((bits + 3) / 4);
  std::random_device rd;
  static const char* kHex = "0123456789abcdef";
  std::string out(chars, '0');
  for (size_t i = 0; i < chars; ++i) out[i] = kHex[rd() & 15];
  ctx.reply.Bulk(out);
}

void AclLog(CommandContext& ctx) {
  auto& log = A(ctx).log();
  int64_t count = 10;
  if (ctx.args.size() > 3) {
    SubcommandSyntaxError(ctx);
    return;
  }
  if (ctx.args.size() == 3) {
    if (EqNoCase(ctx.args[2], "reset")) {
      log.clear();
      ctx.reply.Ok();
      return;
    }
    if (!ArgInt64(ctx, ctx.args[2], &count)) return;
    if (count < 0) count = 0;
  }
  size_t n = std::min<size_t>(static_cast<size_t>(count), log.size());
  ReplyWriter& w = ctx.reply;
  w.Array(n);
  static const char* kReasons[] = {"unknown", "command", "key", "auth", "channel"};
  static const char* kContexts[] = {"toplevel", "multi", "lua"};
  for (size_t i = 0; i < n; ++i) {
    const AclLogEntry& le = log[i];
    w.Map(7);
    w.Bulk("count");
    w.Integer(static_cast<int64_t>(le.count));
    w.Bulk("reason");
    w.Bulk(le.reason >= 0 && le.reason <= 4 ? kReasons[le.reason] : "unknown");
    w.Bulk("context");
    w.Bulk(le.context >= 0 && le.context <= 2 ? kContexts[le.context] : "unknown");
    w.Bulk("object");
    w.Bulk(le.object);
    w.Bulk("username");
    w.Bulk(le.username);
    w.Bulk("age-seconds");
    w.Double(static_cast<double>(ctx.now_ms - le.ctime_ms) / 1000);
    w.Bulk("client-info");
    w.Bulk(le.cinfo);
  }
}

void AclDryrun(CommandContext& ctx) {
  AclUser* u = A(ctx).Find(ctx.args[2]);
  if (u == nullptr) {
    ctx.reply.Error(fmt::format("ERR User '{}' not found", ctx.args[2]));
    return;
  }
  ArgList cargs = ctx.args.subspan(3);
  const CommandSpec* cmd = ctx.server.commands().Find(cargs[0]);
  if (cmd != nullptr && cargs.size() >= 2 && !cmd->subcommands.empty())
    cmd = cmd->FindSub(std::string(cargs[1]));
  if (cmd == nullptr) {
    ctx.reply.Error(fmt::format("ERR Command '{}' not found", cargs[0]));
    return;
  }
  int argc = static_cast<int>(cargs.size());
  if ((cmd->arity > 0 && cmd->arity != argc) || argc < -cmd->arity) {
    ctx.reply.Error(
        fmt::format("ERR wrong number of arguments for '{}' command", cmd->FullName()));
    return;
  }
  int idx = 0;
  int r = A(ctx).CheckCommand(*u, *cmd, cargs, &idx);
  if (r == kAclOk) {
    ctx.reply.Ok();
  } else if (r == kAclDeniedCmd) {
    ctx.reply.Bulk(fmt::format("This user has no permissions to run the '{}' command",
                               cmd->FullName()));
  } else if (r == kAclDeniedKey) {
    ctx.reply.Bulk(
        fmt::format("This user has no permissions to access the '{}' key", cargs[idx]));
  } else {
    ctx.reply.Bulk(
        fmt::format("This user has no permissions to access the '{}' channel", cargs[idx]));
  }
}

void AclHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "ACL <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CAT [<category>]",
      "    List all commands that belong to <category>, or all command categories",
      "    when no category is specified.",
      "DELUSER <username> [<username> ...]",
      "    Delete a list of users.",
      "DRYRUN <username> <command> [<arg> ...]",
      "    Returns whether the user can execute the given command without executing the "
      "command.",
      "GETUSER <username>",
      "    Get the user's details.",
      "GENPASS [<bits>]",
      "    Generate a secure 256-bit user password. The optional `bits` argument can",
      "    be used to specify a different size.",
      "LIST",
      "    Show users details in config file format.",
      "LOAD",
      "    Reload users from the ACL file.",
      "LOG [<count> | RESET]",
      "    Show the ACL log entries.",
      "SAVE",
      "    Save the current config to the ACL file.",
      "SETUSER <username> <attribute> [<attribute> ...]",
      "    Create or modify a user with the specified attributes.",
      "USERS",
      "    List all the registered usernames.",
      "WHOAMI",
      "    Return the current connection username.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterAclCommands(CommandTable& t) {
  const char* g = "server";
  CommandSpec* c = t.Add({"acl", -2, "sentinel", 0, 0, 0, "@slow", nullptr, g,
                          "A container for Access List Control commands ", "6.0.0",
                          "Depends on subcommand."});
  const char* adm = "admin noscript loading stale sentinel";
  const char* acl_adm = "@admin @slow @dangerous";
  const char* plain = "noscript loading stale sentinel";
  t.AddSub(c, {"cat", -2, plain, 0, 0, 0, "@slow", AclCat, g,
               "List the ACL categories or the commands inside a category", "6.0.0"});
  t.AddSub(c, {"deluser", -3, adm, 0, 0, 0, acl_adm, AclDelUser, g,
               "Remove the specified ACL users and the associated rules", "6.0.0"});
  t.AddSub(c, {"dryrun", -4, adm, 0, 0, 0, acl_adm, AclDryrun, g,
               "Returns whether the user can execute the given command without executing the "
               "command.",
               "7.0.0"});
  t.AddSub(c, {"genpass", -2, plain, 0, 0, 0, "@slow", AclGenpass, g,
               "Generate a pseudorandom secure password to use for ACL users", "6.0.0"});
  t.AddSub(c, {"getuser", 3, adm, 0, 0, 0, acl_adm, AclGetUser, g,
               "Get the rules for a specific ACL user", "6.0.0"});
  t.AddSub(c, {"help", 2, "loading stale sentinel", 0, 0, 0, "@slow", AclHelp, g,
               "Show helpful text about the different subcommands", "6.0.0"});
  t.AddSub(c, {"list", 2, adm, 0, 0, 0, acl_adm, AclList, g,
               "List the current ACL rules in ACL config file format", "6.0.0"});
  t.AddSub(c, {"load", 2, adm, 0, 0, 0, acl_adm, AclLoad, g,
               "Reload the ACLs from the configured ACL file", "6.0.0"});
  t.AddSub(c, {"log", -2, adm, 0, 0, 0, acl_adm, AclLog, g,
               "List latest events denied because of ACLs in place", "6.0.0"});
  t.AddSub(c, {"save", 2, adm, 0, 0, 0, acl_adm, AclSave, g,
               "Save the current ACL rules in the configured ACL file", "6.0.0"});
  t.AddSub(c, {"setuser", -3, adm, 0, 0, 0, acl_adm, AclSetUser, g,
               "Modify or create the rules for a specific ACL user", "6.0.0"});
  t.AddSub(c, {"users", 2, adm, 0, 0, 0, acl_adm, AclUsers, g,
               "List the username of all the configured ACL rules", "6.0.0"});
  t.AddSub(c, {"whoami", 2, plain, 0, 0, 0, "@slow", AclWhoami, g,
               "Return the name of the user associated to the current connection", "6.0.0"});
}

}  // namespace sable
