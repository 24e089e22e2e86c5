// Cluster-mode commands in a server without cluster support (Redis 7.0 with cluster-enabled
// no): CLUSTER and its subcommands, READONLY, READWRITE and ASKING exist with Redis's arity,
// flags and ACL categories (so ACL rules, COMMAND and scripts see them as Redis does) and all
// reply "This instance has cluster support disabled".
#include "server/commands/util.h"

namespace sable {

namespace {

void ClusterDisabled(CommandContext& ctx) {
  ctx.reply.Error("ERR This instance has cluster support disabled");
}

struct SubRow {
  const char* name;
  int arity;
  bool admin;  // "admin stale" + @admin @dangerous, else "stale"
  bool async_loading_ok;
};

}  // namespace

void RegisterClusterCommands(CommandTable& t) {
  const char* g = "cluster";
  CommandSpec* c = t.Add({"cluster", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for cluster commands", "3.0.0"});
  static const SubRow kSubs[] = {
      {"addslots", -3, true, false},         {"addslotsrange", -4, true, false},
      {"bumpepoch", 2, true, false},         {"count-failure-reports", 3, true, true},
      {"countkeysinslot", 3, false, true},   {"delslots", -3, true, false},
      {"delslotsrange", -4, true, false},    {"failover", -2, true, false},
      {"flushslots", 2, true, false},        {"forget", 3, true, false},
      {"getkeysinslot", 4, false, true},     {"info", 2, false, true},
      {"keyslot", 3, false, true},           {"links", 2, false, true},
      {"meet", -4, true, false},             {"myid", 2, false, true},
      {"nodes", 2, false, true},             {"replicas", 3, true, true},
      {"replicate", 3, true, false},         {"saveconfig", 2, true, false},
      {"set-config-epoch", 3, true, false},  {"setslot", -4, true, false},
      {"shards", 2, false, true},            {"slaves", 3, true, true},
      {"slots", 2, false, true},
  };
  for (const SubRow& s : kSubs) {
    const char* flags = !s.admin ? "stale"
                        : s.async_loading_ok ? "admin stale"
                                             : "admin stale no_async_loading";
    t.AddSub(c, {s.name, s.arity, flags, 0, 0, 0,
                 s.admin ? "@admin @slow @dangerous" : "@slow", ClusterDisabled, g});
  }
  t.AddSub(c, {"help", 2, "loading stale", 0, 0, 0, "@slow", ClusterDisabled, g});
  t.AddSub(c, {"reset", -2, "admin noscript stale", 0, 0, 0, "@admin @slow @dangerous",
               ClusterDisabled, g});
  t.Add({"readonly", 1, "loading stale fast", 0, 0, 0, "@fast @connection", ClusterDisabled, g,
         "Enables read queries for a connection to a cluster replica node", "3.0.0"});
  t.Add({"readwrite", 1, "loading stale fast", 0, 0, 0, "@fast @connection", ClusterDisabled,
         g, "Disables read queries for a connection to a cluster replica node", "3.0.0"});
  t.Add({"asking", 1, "fast", 0, 0, 0, "@fast @connection", ClusterDisabled, g,
         "Sent by cluster clients after an -ASK redirect", "3.0.0"});
}

}  // namespace sable
