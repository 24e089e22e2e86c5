// Primary side of replication: SYNC/PSYNC answer with a full synchronisation (an RDB image of
// the dataset, then the live command stream from the Propagator, whose bytes the master
// offset counts); replicas acknowledge offsets with REPLCONF ACK, which WAIT, ROLE, INFO and
// min-replicas-to-write read. Partial resync and the backlog arrive with the replication issue.
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
  // The replica's offset starts at the master's: its acknowledgements compare with WAIT's.
  if (psync)
    w.Raw(fmt::format("+FULLRESYNC {} {}\r\n", ctx.server.run_id(), ctx.server.repl_offset()));
  w.Raw(fmt::format("${}\r\n", image.size()));
  w.Raw(image);
  ctx.server.AddReplica(&ctx.conn);
  Log(LogLevel::kNotice, "Replica {} asks for synchronization; full sync sent ({} bytes)",
      ctx.conn.peer, image.size());
}

void Sync(CommandContext& ctx) { FullSync(ctx, false); }
void PSync(CommandContext& ctx) { FullSync(ctx, true); }
// REPLCONF option value ...: listening-port (kept for ROLE/INFO), ACK <offset> (no reply),
// GETACK (sent by masters only: ignored), anything else (capa, ip-address) accepted.
void ReplConf(CommandContext& ctx) {
  if (ctx.args.size() % 2 == 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  for (size_t i = 1; i + 1 < ctx.args.size(); i += 2) {
    std::string_view opt = ctx.args[i], val = ctx.args[i + 1];
    if (EqNoCase(opt, "ACK")) {
      int64_t off;
      if (StringToInt64(val, &off)) ctx.server.ReplicaAck(ctx.conn, off);
      return;  // acks get no reply
    }
    if (EqNoCase(opt, "GETACK")) return;
    if (EqNoCase(opt, "listening-port")) {
      int64_t port;
      if (!StringToInt64(val, &port) || port < 0 || port > 65535) {
        ctx.reply.Error("ERR value is out of range");
        return;
      }
      ctx.conn.repl_listening_port = static_cast<int>(port);
    }
  }
  ctx.reply.Ok();
}

std::string PeerIp(const Connection& c) { return c.peer.substr(0, c.peer.rfind(':')); }

// A primary's ROLE: its replication offset and each replica's address, announced port and
// acknowledged offset.
void Role(CommandContext& ctx) {
  const auto& replicas = ctx.server.replicas();
  ctx.reply.Array(3);
  ctx.reply.Bulk("master");
  ctx.reply.Integer(ctx.server.repl_offset());
  ctx.reply.Array(replicas.size());
  for (const Connection* c : replicas) {
    ctx.reply.Array(3);
    ctx.reply.Bulk(PeerIp(*c));
    ctx.reply.Bulk(std::to_string(c->repl_listening_port));
    ctx.reply.Bulk(std::to_string(c->repl_ack_offset));
  }
}

// WAIT numreplicas timeout: the number of replicas that acknowledged everything fed to them
// so far; blocks (asking them with REPLCONF GETACK) until enough did or the timeout passes.
void Wait(CommandContext& ctx) {
  int64_t numreplicas, timeout;
  if (!ArgInt64(ctx, ctx.args[1], &numreplicas)) return;
  if (!ArgInt64(ctx, ctx.args[2], &timeout, "ERR timeout is not an integer or out of range"))
    return;
  if (timeout < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  int64_t acked = static_cast<int64_t>(ctx.server.ReplicasAcked(ctx.server.repl_offset()));
  if (acked >= numreplicas || DenyBlocking(ctx)) {
    ctx.reply.Integer(acked);
    return;
  }
  int64_t deadline = timeout == 0 ? 0
                     : timeout > INT64_MAX - ctx.now_ms ? INT64_MAX
                                                        : ctx.now_ms + timeout;
  ctx.server.BlockClient(ctx.conn, ctx.db, {}, ObjType::kString, deadline, false,
                         *ctx.conn.last_cmd, ctx.args);
  ctx.server.WaitForReplicas(ctx.conn, numreplicas);
}

}  // namespace

void Server::AddReplica(Connection* c) {
  replicas_.push_back(c);
  repl_db_ = -1;
  c->repl_ack_offset = repl_offset_;
  c->repl_ack_ms = now_ms_;
}

size_t Server::ReplicasAcked(int64_t offset) const {
  size_t n = 0;
  for (const Connection* r : replicas_)
    if (r->repl_ack_offset >= offset) ++n;
  return n;
}

void Server::ReplicaAck(Connection& replica, int64_t offset) {
  if (std::find(replicas_.begin(), replicas_.end(), &replica) == replicas_.end()) return;
  if (offset > replica.repl_ack_offset) replica.repl_ack_offset = offset;
  replica.repl_ack_ms = now_ms_;
  std::vector<Connection*> done;
  for (Connection* w : waiting_acks_)
    if (static_cast<int64_t>(ReplicasAcked(w->block.wait_offset)) >= w->block.wait_replicas)
      done.push_back(w);
  for (Connection* w : done) UnblockClient(*w, false);  // replies with the count
}

void Server::WaitForReplicas(Connection& c, int64_t n) {
  if (!c.blocked) return;
  c.block.wait_offset = repl_offset_;
  c.block.wait_replicas = n;
  waiting_acks_.push_back(&c);
  getack_pending_ = true;
}

void Server::PingReplicas() {
  // The period runs from when the first replica attached (or from the last PING): a stream
  // attached with a long period set first (as the Redis suite's attach_to_replication_stream
  // does) sees no PING.
  if (replicas_.empty()) {
    last_replica_ping_ms_ = now_ms_;
    return;
  }
  int64_t period = 10;
  StringToInt64(config_->GetValue("repl-ping-replica-period"), &period);
  if (now_ms_ - last_replica_ping_ms_ < period * 1000) return;
  last_replica_ping_ms_ = now_ms_;
  std::string_view ping[] = {"PING"};
  FeedReplicas(-1, ArgList(ping, 1));
}

// Before the loop sleeps: one REPLCONF GETACK for all the WAITs of this iteration.
void Server::RequestReplicaAcks() {
  if (!getack_pending_) return;
  getack_pending_ = false;
  if (replicas_.empty()) return;
  std::string_view getack[] = {"REPLCONF", "GETACK", "*"};
  FeedReplicas(-1, ArgList(getack, 3));
}

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
