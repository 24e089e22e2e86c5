// Connection commands: PING ECHO QUIT RESET AUTH HELLO SELECT CLIENT (incl. the client-side
// caching subcommands TRACKING, CACHING, GETREDIR, TRACKINGINFO).
#include <fmt/format.h>

#include "server/acl.h"
#include "server/commands/util.h"
#include "server/pubsub.h"
#include "server/tracking.h"

namespace sable {

namespace {

void Ping(CommandContext& ctx) {
  if (ctx.args.size() > 2) {
    ctx.reply.Error("ERR wrong number of arguments for 'ping' command");
    return;
  }
  if (ctx.conn.subscribed() && !ctx.reply.resp3()) {
    // RESP2 Pub/Sub mode: the reply has the shape of a message.
    ctx.reply.Array(2);
    ctx.reply.Bulk("pong");
    ctx.reply.Bulk(ctx.args.size() == 2 ? ctx.args[1] : std::string_view());
  } else if (ctx.args.size() == 2) {
    ctx.reply.Bulk(ctx.args[1]);
  } else {
    ctx.reply.Simple("PONG");
  }
}

void Echo(CommandContext& ctx) { ctx.reply.Bulk(ctx.args[1]); }

void Quit(CommandContext& ctx) {
  ctx.reply.Ok();
  ctx.conn.CloseAfterReply();
}

void Select(CommandContext& ctx) {
  int64_t id;
  if (!StringToInt64(ctx.args[1], &id)) {
    ctx.reply.Error(err::kNotInt);
    return;
  }
  if (id < 0 || id >= Ks(ctx).size()) {
    ctx.reply.Error(err::kDbIndex);
    return;
  }
  ctx.conn.db = static_cast<int>(id);
  ctx.reply.Ok();
}

// Returns "" on success (the connection is now `user`) or the error reply (logged).
std::string CheckAuth(CommandContext& ctx, std::string_view user, std::string_view pass) {
  if (ctx.server.acl().Authenticate(ctx.conn, user, pass, ctx.args[0])) return "";
  return "WRONGPASS invalid username-password pair or user is disabled.";
}

void Auth(CommandContext& ctx) {
  if (ctx.args.size() > 3) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::string_view user = "default", pass;
  if (ctx.args.size() == 2) {
    pass = ctx.args[1];
    if (ctx.server.acl().default_user()->flags & AclUser::kNoPass) {
      ctx.reply.Error(
          "ERR AUTH <password> called without any password configured for the default user. "
          "Are you sure your configuration is correct?");
      return;
    }
  } else {
    user = ctx.args[1];
    pass = ctx.args[2];
  }
  std::string e = CheckAuth(ctx, user, pass);
  if (!e.empty()) {
    ctx.reply.Error(e);
    return;
  }
  ctx.reply.Ok();
}

bool ValidClientName(std::string_view n) {
  for (unsigned char c : n)
    if (c < '!' || c > '~') return false;
  return true;
}

void Hello(CommandContext& ctx) {
  int64_t ver = 0;
  size_t i = 1;
  if (ctx.args.size() >= 2) {
    if (!StringToInt64(ctx.args[1], &ver)) {
      ctx.reply.Error("ERR Protocol version is not an integer or out of range");
      return;
    }
    if (ver < 2 || ver > 3) {
      ctx.reply.Error("NOPROTO unsupported protocol version");
      return;
    }
    i = 2;
  }
  std::string_view setname;
  bool has_setname = false;
  for (; i < ctx.args.size(); ++i) {
    size_t more = ctx.args.size() - i - 1;
    if (EqNoCase(ctx.args[i], "AUTH") && more >= 2) {
      std::string e = CheckAuth(ctx, ctx.args[i + 1], ctx.args[i + 2]);
      if (!e.empty()) {
        ctx.reply.Error(e);
        return;
      }
      i += 2;
    } else if (EqNoCase(ctx.args[i], "SETNAME") && more >= 1) {
      setname = ctx.args[i + 1];
      has_setname = true;
      if (!ValidClientName(setname)) {
        ctx.reply.Error(
            "ERR Client names cannot contain spaces, newlines or special characters.");
        return;
      }
      i += 1;
    } else {
      ctx.reply.Error(fmt::format("ERR Syntax error in HELLO option '{}'", ctx.args[i]));
      return;
    }
  }
  if (!ctx.conn.authenticated) {
    ctx.reply.Error(
        "NOAUTH HELLO must be called with the client already authenticated, otherwise the "
        "HELLO AUTH <user> <pass> option can be used to authenticate the client and "
        "select the RESP protocol version at the same time");
    return;
  }
  if (has_setname) ctx.conn.name = std::string(setname);
  if (ver) ctx.reply.set_proto(static_cast<int>(ver));
  ReplyWriter& w = ctx.reply;
  w.Map(7);
  w.Bulk("server");
  w.Bulk("redis");
  w.Bulk("version");
  w.Bulk("7.0.15");
  w.Bulk("proto");
  w.Integer(w.proto());
  w.Bulk("id");
  w.Integer(static_cast<int64_t>(ctx.conn.id()));
  w.Bulk("mode");
  w.Bulk("standalone");
  w.Bulk("role");
  w.Bulk("master");
  w.Bulk("modules");
  w.Array(0);
}

void Reset(CommandContext& ctx) {
  Connection& c = ctx.conn;
  c.in_multi = false;
  c.multi_dirty = false;
  c.multi_queue.clear();
  ctx.server.UnwatchAll(c);
  c.db = 0;
  c.name.clear();
  c.reply_mode = ReplyMode::kOn;
  c.no_evict = false;
  if (c.monitor) {
    c.monitor = false;
    std::erase(ctx.server.monitors(), &c);
  }
  ctx.server.tracking().Disable(c);
  ctx.server.pubsub().RemoveClient(c);
  ctx.reply.set_proto(2);
  ctx.server.acl().SetDefaultAuth(c);
  ctx.reply.set_muted(false);
  ctx.reply.Simple("RESET");
}

// ---- CLIENT ----

void ClientId(CommandContext& ctx) { ctx.reply.Integer(static_cast<int64_t>(ctx.conn.id())); }

void ClientSetName(CommandContext& ctx) {
  if (!ValidClientName(ctx.args[2])) {
    ctx.reply.Error("ERR Client names cannot contain spaces, newlines or special characters.");
    return;
  }
  ctx.conn.name = std::string(ctx.args[2]);
  ctx.reply.Ok();
}

void ClientGetName(CommandContext& ctx) {
  if (ctx.conn.name.empty()) {
    ctx.reply.Null();
  } else {
    ctx.reply.Bulk(ctx.conn.name);
  }
}

void ClientInfo(CommandContext& ctx) {
  ctx.reply.Verbatim(ctx.server.ClientInfoLine(ctx.conn) + "\n");
}

void ClientList(CommandContext& ctx) {
  std::vector<uint64_t> ids;
  bool filter_ids = false;
  std::string type;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    if (EqNoCase(ctx.args[i], "TYPE") && i + 1 < ctx.args.size()) {
      type = std::string(ctx.args[++i]);
      for (char& ch : type) ch = static_cast<char>(tolower(ch));
      if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
          type != "pubsub") {
        ctx.reply.Error(fmt::format("ERR Unknown client type '{}'", ctx.args[i]));
        return;
      }
      if (type == "replica") type = "slave";
    } else if (EqNoCase(ctx.args[i], "ID") && i + 1 < ctx.args.size()) {
      filter_ids = true;
      for (++i; i < ctx.args.size(); ++i) {
        int64_t id;
        if (!StringToInt64(ctx.args[i], &id) || id <= 0) {
          ctx.reply.Error("ERR Invalid client ID");
          return;
        }
        ids.push_back(static_cast<uint64_t>(id));
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  std::vector<Connection*> list;
  for (auto& [id, c] : ctx.server.clients()) list.push_back(c);
  std::sort(list.begin(), list.end(),
            [](Connection* a, Connection* b) { return a->id() < b->id(); });
  std::string out;
  for (Connection* c : list) {
    if (filter_ids && std::find(ids.begin(), ids.end(), c->id()) == ids.end()) continue;
    if (!type.empty() && ctx.server.ClientType(*c) != type) continue;
    out += ctx.server.ClientInfoLine(*c);
    out += '\n';
  }
  ctx.reply.Verbatim(out);
}

void ClientKill(CommandContext& ctx) {
  std::vector<Connection*> victims;
  auto& clients = ctx.server.clients();
  if (ctx.args.size() == 3) {  // old form: CLIENT KILL addr:port
    for (auto& [id, c] : clients)
      if (c->peer == ctx.args[2]) victims.push_back(c);
    if (victims.empty()) {
      ctx.reply.Error("ERR No such client");
      return;
    }
  } else {
    if ((ctx.args.size() - 2) % 2 != 0) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
    int64_t id = -1;
    std::string addr, laddr, type, user;
    bool skipme = true;
    for (size_t i = 2; i + 1 < ctx.args.size(); i += 2) {
      std::string_view opt = ctx.args[i], val = ctx.args[i + 1];
      if (EqNoCase(opt, "ID")) {
        if (!StringToInt64(val, &id) || id <= 0) {
          ctx.reply.Error("ERR client-id should be greater than 0");
          return;
        }
      } else if (EqNoCase(opt, "ADDR")) {
        addr = std::string(val);
      } else if (EqNoCase(opt, "LADDR")) {
        laddr = std::string(val);
      } else if (EqNoCase(opt, "TYPE")) {
        type = std::string(val);
        for (char& ch : type) ch = static_cast<char>(tolower(ch));
        if (type != "normal" && type != "master" && type != "replica" && type != "slave" &&
            type != "pubsub") {
          ctx.reply.Error(fmt::format("ERR Unknown client type '{}'", val));
          return;
        }
        if (type == "replica") type = "slave";
      } else if (EqNoCase(opt, "USER")) {
        user = std::string(val);
        if (ctx.server.acl().Find(user) == nullptr) {
          ctx.reply.Error(fmt::format("ERR No such user '{}'", val));
          return;
        }
      } else if (EqNoCase(opt, "SKIPME")) {
        if (EqNoCase(val, "yes")) {
          skipme = true;
        } else if (EqNoCase(val, "no")) {
          skipme = false;
        } else {
          ctx.reply.Error(err::kSyntax);
          return;
        }
      } else {
        ctx.reply.Error(err::kSyntax);
        return;
      }
    }
    for (auto& [cid, c] : clients) {
      if (id > 0 && c->id() != static_cast<uint64_t>(id)) continue;
      if (!addr.empty() && c->peer != addr) continue;
      if (!laddr.empty() && c->local != laddr) continue;
      if (!type.empty() && ctx.server.ClientType(*c) != type) continue;
      if (!user.empty() && (c->user == nullptr || c->user->name != user)) continue;
      if (skipme && c == &ctx.conn) continue;
      victims.push_back(c);
    }
  }
  for (Connection* c : victims) {
    if (c == &ctx.conn) {
      c->CloseAfterReply();
    } else {
      c->Close();
    }
  }
  if (ctx.args.size() == 3) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Integer(static_cast<int64_t>(victims.size()));
  }
}

void ClientReply(CommandContext& ctx) {
  std::string_view m = ctx.args[2];
  if (EqNoCase(m, "ON")) {
    ctx.conn.reply_mode = ReplyMode::kOn;
    ctx.reply.set_muted(false);
    ctx.reply.Ok();
  } else if (EqNoCase(m, "OFF")) {
    ctx.conn.reply_mode = ReplyMode::kOff;
  } else if (EqNoCase(m, "SKIP")) {
    if (ctx.conn.reply_mode != ReplyMode::kOff) ctx.conn.reply_mode = ReplyMode::kSkipNext;
  } else {
    ctx.reply.Error(err::kSyntax);
  }
}

void ClientNoEvict(CommandContext& ctx) {
  if (EqNoCase(ctx.args[2], "ON")) {
    ctx.conn.no_evict = true;
  } else if (EqNoCase(ctx.args[2], "OFF")) {
    ctx.conn.no_evict = false;
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

void ClientPause(CommandContext& ctx) {
  int64_t ms;
  if (!StringToInt64(ctx.args[2], &ms)) {
    ctx.reply.Error("ERR timeout is not an integer or out of range");
    return;
  }
  if (ms < 0) {
    ctx.reply.Error("ERR timeout is negative");
    return;
  }
  bool all = true;
  if (ctx.args.size() == 4) {
    if (EqNoCase(ctx.args[3], "WRITE")) {
      all = false;
    } else if (!EqNoCase(ctx.args[3], "ALL")) {
      ctx.reply.Error("ERR CLIENT PAUSE mode must be WRITE or ALL");
      return;
    }
  } else if (ctx.args.size() > 4) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  Server& s = ctx.server;
  int64_t end = ctx.now_ms + ms;
  // A stricter pause (ALL) or a later end wins, as in Redis.
  s.pause_all = all || (s.pause_end_ms != 0 && s.pause_all);
  if (end > s.pause_end_ms) s.pause_end_ms = end;
  s.keyspace().expire_deletes_paused = true;
  ctx.reply.Ok();
}

void ClientUnpause(CommandContext& ctx) {
  ctx.server.Unpause();
  ctx.reply.Ok();
}

void ClientUnblock(CommandContext& ctx) {
  int64_t id;
  if (!StringToInt64(ctx.args[2], &id)) {
    ctx.reply.Error(err::kNotInt);
    return;
  }
  bool with_error = false;
  if (ctx.args.size() == 4) {
    if (EqNoCase(ctx.args[3], "ERROR")) {
      with_error = true;
    } else if (!EqNoCase(ctx.args[3], "TIMEOUT")) {
      ctx.reply.Error("ERR CLIENT UNBLOCK reason should be TIMEOUT or ERROR");
      return;
    }
  } else if (ctx.args.size() > 4) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  Connection* c = id > 0 ? ctx.server.FindClient(static_cast<uint64_t>(id)) : nullptr;
  ctx.reply.Integer(c != nullptr && ctx.server.UnblockClient(*c, with_error) ? 1 : 0);
}

// CLIENT TRACKING (on|off) [REDIRECT id] [BCAST] [PREFIX p]... [OPTIN] [OPTOUT] [NOLOOP]
void ClientTrackingCmd(CommandContext& ctx) {
  uint64_t redirect = 0;
  uint16_t options = 0;
  std::vector<std::string_view> prefixes;
  for (size_t j = 3; j < ctx.args.size(); ++j) {
    bool more = j + 1 < ctx.args.size();
    std::string_view o = ctx.args[j];
    if (EqNoCase(o, "redirect") && more) {
      ++j;
      if (redirect != 0) {
        ctx.reply.Error("ERR A client can only redirect to a single other client");
        return;
      }
      int64_t id;
      if (!ArgInt64(ctx, ctx.args[j], &id)) return;
      // The target must exist now (it may go away later: the client is then told so).
      if (id <= 0 || ctx.server.FindClient(static_cast<uint64_t>(id)) == nullptr) {
        ctx.reply.Error("ERR The client ID you want redirect to does not exist");
        return;
      }
      redirect = static_cast<uint64_t>(id);
    } else if (EqNoCase(o, "bcast")) {
      options |= ClientTracking::kBcast;
    } else if (EqNoCase(o, "optin")) {
      options |= ClientTracking::kOptin;
    } else if (EqNoCase(o, "optout")) {
      options |= ClientTracking::kOptout;
    } else if (EqNoCase(o, "noloop")) {
      options |= ClientTracking::kNoloop;
    } else if (EqNoCase(o, "prefix") && more) {
      prefixes.push_back(ctx.args[++j]);
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  Tracking& t = ctx.server.tracking();
  if (EqNoCase(ctx.args[2], "on")) {
    std::string e = t.CheckEnable(ctx.conn, options, prefixes);
    if (!e.empty()) {
      ctx.reply.Error(e);
      return;
    }
    t.Enable(ctx.conn, redirect, options, prefixes);
  } else if (EqNoCase(ctx.args[2], "off")) {
    t.Disable(ctx.conn);
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  ctx.reply.Ok();
}

void ClientCaching(CommandContext& ctx) {
  ClientTracking& t = ctx.conn.tracking;
  if (!t.on()) {
    ctx.reply.Error(
        "ERR CLIENT CACHING can be called only when the client is in tracking mode with OPTIN "
        "or OPTOUT mode enabled");
    return;
  }
  if (EqNoCase(ctx.args[2], "yes")) {
    if (!t.has(ClientTracking::kOptin)) {
      ctx.reply.Error(
          "ERR CLIENT CACHING YES is only valid when tracking is enabled in OPTIN mode.");
      return;
    }
  } else if (EqNoCase(ctx.args[2], "no")) {
    if (!t.has(ClientTracking::kOptout)) {
      ctx.reply.Error(
          "ERR CLIENT CACHING NO is only valid when tracking is enabled in OPTOUT mode.");
      return;
    }
  } else {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  t.flags |= ClientTracking::kCaching;  // for the next command (see Server::Execute)
  ctx.reply.Ok();
}

void ClientGetRedir(CommandContext& ctx) {
  const ClientTracking& t = ctx.conn.tracking;
  ctx.reply.Integer(t.on() ? static_cast<int64_t>(t.redirect) : -1);
}

void ClientTrackingInfo(CommandContext& ctx) {
  const ClientTracking& t = ctx.conn.tracking;
  ReplyWriter& w = ctx.reply;
  std::vector<const char*> flags;
  flags.push_back(t.on() ? "on" : "off");
  if (t.has(ClientTracking::kBcast)) flags.push_back("bcast");
  if (t.has(ClientTracking::kOptin)) {
    flags.push_back("optin");
    if (t.has(ClientTracking::kCaching)) flags.push_back("caching-yes");
  }
  if (t.has(ClientTracking::kOptout)) {
    flags.push_back("optout");
    if (t.has(ClientTracking::kCaching)) flags.push_back("caching-no");
  }
  if (t.has(ClientTracking::kNoloop)) flags.push_back("noloop");
  if (t.has(ClientTracking::kBrokenRedir)) flags.push_back("broken_redirect");
  w.Map(3);
  w.Bulk("flags");
  w.Set(flags.size());
  for (const char* f : flags) w.Bulk(f);
  w.Bulk("redirect");
  w.Integer(t.on() ? static_cast<int64_t>(t.redirect) : -1);
  w.Bulk("prefixes");
  w.Array(t.prefixes.size());
  for (const std::string& p : t.prefixes) w.Bulk(p);
}

void ClientHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "CLIENT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "CACHING (YES|NO)",
      "    Enable/disable tracking of the keys for next command in OPTIN/OPTOUT modes.",
      "GETREDIR",
      "    Return the client ID we are redirecting to when tracking is enabled.",
      "GETNAME",
      "    Return the name of the current connection.",
      "ID",
      "    Return the ID of the current connection.",
      "INFO",
      "    Return information about the current client connection.",
      "KILL <ip:port>",
      "    Kill connection made from <ip:port>.",
      "KILL <option> <value> [<option> <value> [...]]",
      "    Kill connections. Options are:",
      "    * ADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made from the specified address",
      "    * LADDR (<ip:port>|<unixsocket>:0)",
      "      Kill connections made to specified local address",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Kill connections by type.",
      "    * USER <username>",
      "      Kill connections authenticated by <username>.",
      "    * SKIPME (YES|NO)",
      "      Skip killing current connection (default: yes).",
      "LIST [options ...]",
      "    Return information about client connections. Options:",
      "    * TYPE (NORMAL|MASTER|REPLICA|PUBSUB)",
      "      Return clients of specified type.",
      "UNPAUSE",
      "    Stop the current client pause, resuming traffic.",
      "PAUSE <timeout> [WRITE|ALL]",
      "    Suspend all, or just write, clients for <timeout> milliseconds.",
      "REPLY (ON|OFF|SKIP)",
      "    Control the replies sent to the current connection.",
      "SETNAME <name>",
      "    Assign the name <name> to the current connection.",
      "UNBLOCK <clientid> [TIMEOUT|ERROR]",
      "    Unblock the specified blocked client.",
      "TRACKING (ON|OFF) [REDIRECT <id>] [BCAST] [PREFIX <prefix> [...]]",
      "         [OPTIN] [OPTOUT] [NOLOOP]",
      "    Control server assisted client side caching.",
      "TRACKINGINFO",
      "    Report tracking status for the current connection.",
      "NO-EVICT (ON|OFF)",
      "    Protect current client connection from eviction.",
      "HELP",
      "    Prints this help."};
  ReplyHelp(ctx, kLines);
}

}  // namespace

void RegisterConnectionCommands(CommandTable& t) {
  const char* g = "connection";
  t.Add({"ping", -1, "fast", 0, 0, 0, "@fast @connection", Ping, g, "Ping the server", "1.0.0"});
  t.Add({"echo", 2, "loading stale fast", 0, 0, 0, "@fast @connection", Echo, g,
         "Echo the given string", "1.0.0"});
  t.Add({"quit", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0,
         "@fast @connection", Quit, g, "Close the connection", "1.0.0"});
  t.Add({"reset", 1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0,
         "@fast @connection", Reset, g, "Reset the connection", "6.2.0"});
  t.Add({"auth", -2, "noscript loading stale fast no_auth allow_busy", 0, 0, 0,
         "@fast @connection", Auth, g, "Authenticate to the server", "1.0.0"});
  t.Add({"hello", -1, "noscript loading stale fast no_auth allow_busy", 0, 0, 0,
         "@fast @connection", Hello, g, "Handshake with the server", "6.0.0"});
  t.Add({"select", 2, "loading stale fast", 0, 0, 0, "@fast @connection", Select, g,
         "Change the selected database", "1.0.0"});
  CommandSpec* c = t.Add({"client", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for client connection commands", "2.4.0"});
  const char* adm = "admin noscript loading stale";
  const char* acl_adm = "@admin @slow @dangerous @connection";
  const char* plain = "noscript loading stale";
  const char* acl_plain = "@slow @connection";
  t.AddSub(c, {"getredir", 2, plain, 0, 0, 0, acl_plain, ClientGetRedir, g});
  t.AddSub(c, {"info", 2, plain, 0, 0, 0, acl_plain, ClientInfo, g});
  t.AddSub(c, {"getname", 2, plain, 0, 0, 0, acl_plain, ClientGetName, g});
  t.AddSub(c, {"kill", -3, adm, 0, 0, 0, acl_adm, ClientKill, g});
  t.AddSub(c, {"setname", 3, plain, 0, 0, 0, acl_plain, ClientSetName, g});
  t.AddSub(c, {"id", 2, plain, 0, 0, 0, acl_plain, ClientId, g});
  t.AddSub(c, {"pause", -3, adm, 0, 0, 0, acl_adm, ClientPause, g});
  t.AddSub(c, {"help", 2, "loading stale", 0, 0, 0, acl_plain, ClientHelp, g});
  t.AddSub(c, {"no-evict", 3, adm, 0, 0, 0, acl_adm, ClientNoEvict, g});
  t.AddSub(c, {"tracking", -3, plain, 0, 0, 0, acl_plain, ClientTrackingCmd, g});
  t.AddSub(c, {"unpause", 2, adm, 0, 0, 0, acl_adm, ClientUnpause, g});
  t.AddSub(c, {"trackinginfo", 2, plain, 0, 0, 0, acl_plain, ClientTrackingInfo, g});
  t.AddSub(c, {"caching", 3, plain, 0, 0, 0, acl_plain, ClientCaching, g});
  t.AddSub(c, {"list", -2, adm, 0, 0, 0, acl_adm, ClientList, g});
  t.AddSub(c, {"unblock", -3, adm, 0, 0, 0, acl_adm, ClientUnblock, g});
  t.AddSub(c, {"reply", 3, plain, 0, 0, 0, acl_plain, ClientReply, g});
}

}  // namespace sable
