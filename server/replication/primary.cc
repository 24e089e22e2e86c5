// Primary side of replication. For now: SYNC/PSYNC answer with a full synchronisation (an RDB
// image of the dataset, then the live command stream from the Propagator); REPLCONF is
// accepted. Partial resync and the backlog arrive with the replication issue.
#include <fmt/format.h>

#include "server/commands/util.h"
#include "server/log.h"
#include "server/snapshot.h"

namespace sable {

namespace {

void FullSync(CommandContext& ctx, bool psync) {
  std::string image, err;
  if (!WriteRdbImage(ctx.server, &image, &err)) {
    ctx.reply.Error("ERR full sync failed: " + err);
    return;
  }
  ReplyWriter& w = ctx.reply;
  if (psync) w.Raw(fmt::format("+FULLRESYNC {} 0\r\n", ctx.server.run_id()));
  w.Raw(fmt::format("${}\r\n", image.size()));
  w.Raw(image);
  ctx.server.AddReplica(&ctx.conn);
  Log(LogLevel::kNotice, "Replica {} asks for synchronization; full sync sent ({} bytes)",
      ctx.conn.peer, image.size());
}

void Sync(CommandContext& ctx) { FullSync(ctx, false); }
void PSync(CommandContext& ctx) { FullSync(ctx, true); }
void ReplConf(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (ctx.args.size() >= 2 && EqNoCase(ctx.args[1], "ACK")) return;  // acks get no reply
  ctx.reply.Ok();
}

// A primary's ROLE: its replication offset and the attached replicas (none listen-port aware
// yet: address, port 0, offset 0).
void Role(CommandContext& ctx) {
  ctx.reply.Array(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(0);
  size_t n = 0;
  for (const auto& [id, c] : ctx.server.clients())
    if (ctx.server.ClientType(*c) == "slave") ++n;
  ctx.reply.Array(n);
  for (const auto& [id, c] : ctx.server.clients()) {
    if (ctx.server.ClientType(*c) != "slave") continue;
    ctx.reply.Array(3);
    ctx.reply.Bulk(c->peer.substr(0, c->peer.rfind(':')));
    ctx.reply.Bulk("0");
    ctx.reply.Bulk("0");
  }
}

// WAIT numreplicas timeout: replicas do not acknowledge offsets yet, so the count is 0: it
// answers at once when 0 suffices (or blocking is not possible), else after the timeout.
void Wait(CommandContext& ctx) {
  int64_t numreplicas, timeout;
  if (!ArgInt64(ctx, ctx.args[1], &numreplicas)) return;
  if (!ArgInt64(ctx, ctx.args[2], &timeout, "ERR timeout is not an integer or out of range"))
    return;
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  if (numreplicas <= 0 || DenyBlocking(ctx)) {
    ctx.reply.Integer(0);
    return;
  }
  int64_t deadline = timeout == 0 ? 0
                     : timeout > INT64_MAX - ctx.now_ms ? INT64_MAX
                                                        : ctx.now_ms + timeout;
  ctx.server.BlockClient(ctx.conn, ctx.db, {}, ObjType::kString, deadline, false,
                         *ctx.conn.last_cmd, ctx.args);
  ctx.conn.block.timeout_zero = true;
}

}  // namespace

void RegisterReplicationCommands(CommandTable& t) {
  const char* g = "server";
  const char* f = "admin noscript no_async_loading no_multi";
  t.Add({"sync", 1, f, 0, 0, 0, "@admin @slow @dangerous", Sync, g,
         "Internal command used for replication", "1.0.0"});
  t.Add({"psync", -3, f, 0, 0, 0, "@admin @slow @dangerous", PSync, g,
         "Internal command used for replication", "2.8.0"});
  t.Add({"role", 1, "noscript loading stale fast", 0, 0, 0, "@admin @fast @dangerous", Role, g,
         "Return the role of the instance in the context of replication", "2.8.12"});
  t.Add({"wait", 3, "noscript", 0, 0, 0, "@slow @connection", Wait, "generic",
         "Wait for the synchronous replication of all the write commands sent in the context "
         "of the current connection", "3.0.0"});
  t.Add({"replconf", -1, "admin noscript loading stale allow_busy", 0, 0, 0,
         "@admin @slow @dangerous", ReplConf, g, "Internal command used for replication",
         "3.0.0"});
}

}  // namespace sable
