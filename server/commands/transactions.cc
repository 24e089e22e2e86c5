// MULTI EXEC DISCARD WATCH UNWATCH. Queueing itself happens in the dispatcher, which knows
// which commands control the transaction; EXEC replays the queue through Server::Call.
#include <fmt/format.h>

#include "server/acl.h"
#include "server/commands/util.h"

namespace sable {

namespace {

void ResetMulti(CommandContext& ctx) {
  ctx.conn.in_multi = false;
  ctx.conn.multi_dirty = false;
  ctx.conn.multi_queue.clear();
  ctx.server.UnwatchAll(ctx.conn);
}

void Multi(CommandContext& ctx) {
  if (ctx.conn.in_multi) {
    ctx.reply.Error("ERR MULTI calls can not be nested");
    return;
  }
  ctx.conn.in_multi = true;
  ctx.reply.Ok();
}

void Exec(CommandContext& ctx) {
  Connection& c = ctx.conn;
  if (!c.in_multi) {
    ctx.reply.Error("ERR EXEC without MULTI");
    return;
  }
  if (c.multi_dirty) {
    ResetMulti(ctx);
    ctx.reply.Error("EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  if (c.watch_dirty || ctx.server.WatchedKeyExpired(c)) {
    ResetMulti(ctx);
    ctx.reply.NullArray();
    return;
  }
  auto queue = std::move(c.multi_queue);
  c.multi_queue.clear();
  c.in_multi = false;
  ctx.server.UnwatchAll(c);
  ctx.reply.Array(queue.size());
  ++ctx.server.exec_depth;
  for (auto& [spec, args] : queue) {
    std::vector<std::string_view> views(args.begin(), args.end());
    ArgList qargs(views.data(), views.size());
    // ACL rules may have changed since the command was queued.
    int r = ctx.server.acl().CheckAndLog(c, *spec, qargs, kAclCtxMulti);
    if (r != kAclOk) {
      ctx.reply.Error(fmt::format(
          "NOPERM ACLs rules changed between the moment the transaction was accumulated and "
          "the EXEC call. This command is no longer allowed for the following reason: {}",
          r == kAclDeniedCmd   ? "no permission to execute the command or subcommand"
          : r == kAclDeniedKey ? "no permission to touch the specified keys"
                               : "no permission to access one of the channels used as "
                                 "arguments"));
      continue;
    }
    ctx.server.Call(c, *spec, qargs);
  }
  --ctx.server.exec_depth;
  // The transaction's effects reach the AOF and replicas as one MULTI/EXEC block, unless
  // there is only one (a single command is atomic by itself, as Redis 7.0 propagates it).
  if (ctx.server.exec_depth == 0) ctx.server.FlushPropagation(false);
}

void Discard(CommandContext& ctx) {
  if (!ctx.conn.in_multi) {
    ctx.reply.Error("ERR DISCARD without MULTI");
    return;
  }
  ResetMulti(ctx);
  ctx.reply.Ok();
}

void Watch(CommandContext& ctx) {
  if (ctx.conn.in_multi) {
    ctx.reply.Error("ERR WATCH inside MULTI is not allowed");
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); ++i) ctx.server.Watch(ctx.conn, ctx.db, ctx.args[i]);
  ctx.reply.Ok();
}

void Unwatch(CommandContext& ctx) {
  ctx.server.UnwatchAll(ctx.conn);
  ctx.reply.Ok();
}

}  // namespace

void RegisterTransactionCommands(CommandTable& t) {
  const char* g = "transactions";
  const char* f = "noscript loading stale fast allow_busy";
  t.Add({"multi", 1, f, 0, 0, 0, "@fast @transaction", Multi, g, "Start a transaction"});
  t.Add({"exec", 1, "noscript loading stale skip_slowlog", 0, 0, 0, "@slow @transaction", Exec, g,
         "Execute the queued commands"});
  t.Add({"discard", 1, f, 0, 0, 0, "@fast @transaction", Discard, g, "Discard the transaction"});
  t.Add({"watch", -2, f, 1, -1, 1, "@fast @transaction", Watch, g, "Watch keys for EXEC"});
  t.Add({"unwatch", 1, f, 0, 0, 0, "@fast @transaction", Unwatch, g, "Forget watched keys"});
}

}  // namespace sable
