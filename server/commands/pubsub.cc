// Pub/Sub commands: SUBSCRIBE UNSUBSCRIBE PSUBSCRIBE PUNSUBSCRIBE PUBLISH PUBSUB, and the shard
// variants SSUBSCRIBE SUNSUBSCRIBE SPUBLISH (a non-cluster server: shard channels are a
// second channel namespace without patterns). The RESP2 Pub/Sub-mode restrictions live in the
// dispatcher; delivery in server/pubsub.cc.
#include "server/pubsub.h"

#include <fmt/format.h>

#include "server/commands/util.h"

namespace sable {

namespace {

PubSub& Ps(CommandContext& ctx) { return ctx.server.pubsub(); }

void Subscribe(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.args.size(); ++i) Ps(ctx).Subscribe(ctx.conn, ctx.args[i], false);
}

void Unsubscribe(CommandContext& ctx) {
  if (ctx.args.size() == 1) {
    Ps(ctx).UnsubscribeAll(ctx.conn, false, true);
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); ++i)
    Ps(ctx).Unsubscribe(ctx.conn, ctx.args[i], false, true);
}

void PSubscribe(CommandContext& ctx) {
  for (size_t i = 1; i < ctx.args.size(); ++i) Ps(ctx).PSubscribe(ctx.conn, ctx.args[i]);
}

void PUnsubscribe(CommandContext& ctx) {
  if (ctx.args.size() == 1) {
    Ps(ctx).PUnsubscribeAll(ctx.conn, true);
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); ++i) Ps(ctx).PUnsubscribe(ctx.conn, ctx.args[i], true);
}

void SSubscribe(CommandContext& ctx) {
  // Inside EXEC the client cannot take more than one reply per command (Redis's
  // CLIENT_DENY_BLOCKING); plain SUBSCRIBE is let through there for compatibility.
  if (ctx.server.exec_depth > 0) {
    ctx.reply.Error("ERR SSUBSCRIBE isn't allowed for a DENY BLOCKING client");
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); ++i) Ps(ctx).Subscribe(ctx.conn, ctx.args[i], true);
}

void SUnsubscribe(CommandContext& ctx) {
  if (ctx.args.size() == 1) {
    Ps(ctx).UnsubscribeAll(ctx.conn, true, true);
    return;
  }
  for (size_t i = 1; i < ctx.args.size(); ++i)
    Ps(ctx).Unsubscribe(ctx.conn, ctx.args[i], true, true);
}

// Messages also reach replicas (not the AOF), whose own subscribers get them, as in Redis.
void Publish(CommandContext& ctx) {
  ctx.reply.Integer(Ps(ctx).Publish(ctx.args[1], ctx.args[2], false));
  ctx.server.PropagateToReplicas(ctx.db, ctx.args);
}

void SPublish(CommandContext& ctx) {
  ctx.reply.Integer(Ps(ctx).Publish(ctx.args[1], ctx.args[2], true));
  ctx.server.PropagateToReplicas(ctx.db, ctx.args);
}

void ReplyChannels(CommandContext& ctx, bool shard) {
  bool all = ctx.args.size() == 2;
  if (ctx.args.size() > 3) {
    ctx.reply.Error(fmt::format(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try PUBSUB HELP.",
        ctx.args[1]));
    return;
  }
  auto names = Ps(ctx).Channels(shard, all ? std::string_view() : ctx.args[2], all);
  ctx.reply.Array(names.size());
  for (std::string_view n : names) ctx.reply.Bulk(n);
}

void ReplyNumSub(CommandContext& ctx, bool shard) {
  ctx.reply.Array((ctx.args.size() - 2) * 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    ctx.reply.Bulk(ctx.args[i]);
    ctx.reply.Integer(static_cast<int64_t>(Ps(ctx).Subscribers(ctx.args[i], shard)));
  }
}

void PubsubChannels(CommandContext& ctx) { ReplyChannels(ctx, false); }
void PubsubShardChannels(CommandContext& ctx) { ReplyChannels(ctx, true); }
void PubsubNumSub(CommandContext& ctx) { ReplyNumSub(ctx, false); }
void PubsubShardNumSub(CommandContext& ctx) { ReplyNumSub(ctx, true); }

void PubsubNumPat(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(Ps(ctx).pattern_count()));
}

void PubsubHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "PUBSUB <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CHANNELS [<pattern>]",
      "    Return the currently active channels matching a <pattern> (default: '*').",
      "NUMPAT",
      "    Return number of subscriptions to patterns.",
      "NUMSUB [<channel> ...]",
      "    Return the number of subscribers for the specified channels, excluding",
      "    pattern subscriptions(default: no channels).",
      "SHARDCHANNELS [<pattern>]",
      // NOLINTNEXTLINE(bugprone-suspicious-missing-comma): one line, split for width
      "    Return the currently active shard level channels matching a <pattern> (default: "
      "'*').",
      "SHARDNUMSUB [<shardchannel> ...]",
      "    Return the number of subscribers for the specified shard level channel(s)",
      "HELP",
      "    Prints this help."};
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterPubSubCommands(CommandTable& t) {
  const char* g = "pubsub";
  const char* sub = "pubsub noscript loading stale";
  t.Add({"subscribe", -2, sub, 0, 0, 0, "@pubsub @slow", Subscribe, g,
         "Listen for messages published to the given channels", "2.0.0",
         "O(N) where N is the number of channels to subscribe to."});
  t.Add({"unsubscribe", -1, sub, 0, 0, 0, "@pubsub @slow", Unsubscribe, g,
         "Stop listening for messages posted to the given channels", "2.0.0",
         "O(N) where N is the number of clients already subscribed to a channel."});
  t.Add({"psubscribe", -2, sub, 0, 0, 0, "@pubsub @slow", PSubscribe, g,
         "Listen for messages published to channels matching the given patterns", "2.0.0",
         "O(N) where N is the number of patterns the client is already subscribed to."});
  t.Add({"punsubscribe", -1, sub, 0, 0, 0, "@pubsub @slow", PUnsubscribe, g,
         "Stop listening for messages posted to channels matching the given patterns", "2.0.0",
         "O(N+M) where N is the number of patterns the client is already subscribed and M is "
         "the number of total patterns subscribed in the system (by any client)."});
  // PUBLISH/SPUBLISH may replicate (Redis forces their propagation to replicas), which a
  // CLIENT PAUSE WRITE holds back; COMMAND INFO does not list that flag.
  CommandSpec* p = t.Add({"publish", 3, "pubsub loading stale fast", 0, 0, 0, "@pubsub @fast",
                          Publish, g, "Post a message to a channel", "2.0.0",
                          "O(N+M) where N is the number of clients subscribed to the receiving "
                          "channel and M is the total number of subscribed patterns (by any "
                          "client)."});
  p->flags |= kCmdMayReplicate;
  t.Add({"ssubscribe", -2, sub, 1, -1, 1, "@pubsub @slow", SSubscribe, g,
         "Listen for messages published to the given shard channels", "7.0.0",
         "O(N) where N is the number of shard channels to subscribe to."});
  t.Add({"sunsubscribe", -1, sub, 1, -1, 1, "@pubsub @slow", SUnsubscribe, g,
         "Stop listening for messages posted to the given shard channels", "7.0.0",
         "O(N) where N is the number of clients already subscribed to a shard channel."});
  p = t.Add({"spublish", 3, "pubsub loading stale fast", 1, 1, 1, "@pubsub @fast", SPublish, g,
             "Post a message to a shard channel", "7.0.0",
             "O(N) where N is the number of clients subscribed to the receiving shard "
             "channel."});
  p->flags |= kCmdMayReplicate;
  CommandSpec* ps = t.Add({"pubsub", -2, "", 0, 0, 0, "@slow", nullptr, g,
                           "A container for Pub/Sub commands", "2.8.0", "Depends on subcommand."});
  const char* intro = "pubsub loading stale";
  t.AddSub(ps, {"channels", -2, intro, 0, 0, 0, "@pubsub @slow", PubsubChannels, g,
                "List active channels", "2.8.0"});
  t.AddSub(ps, {"help", 2, "loading stale", 0, 0, 0, "@slow", PubsubHelp, g,
                "Show helpful text about the different subcommands", "6.2.0"});
  t.AddSub(ps, {"numpat", 2, intro, 0, 0, 0, "@pubsub @slow", PubsubNumPat, g,
                "Get the count of unique patterns pattern subscriptions", "2.8.0"});
  t.AddSub(ps, {"numsub", -2, intro, 0, 0, 0, "@pubsub @slow", PubsubNumSub, g,
                "Get the count of subscribers for channels", "2.8.0"});
  t.AddSub(ps, {"shardchannels", -2, intro, 0, 0, 0, "@pubsub @slow", PubsubShardChannels, g,
                "List active shard channels", "7.0.0"});
  t.AddSub(ps, {"shardnumsub", -2, intro, 0, 0, 0, "@pubsub @slow", PubsubShardNumSub, g,
                "Get the count of subscribers for shard channels", "7.0.0"});
}

}  // namespace sable
