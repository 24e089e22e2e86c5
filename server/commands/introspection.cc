// COMMAND (COUNT INFO DOCS LIST GETKEYS GETKEYSANDFLAGS HELP) and DEBUG.
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <thread>

#include "datastructs/glob.h"
#include "server/commands/util.h"
#include "server/lua_engine.h"
#include "server/aof.h"
#include "server/log.h"
#include "server/objects.h"
#include "server/snapshot.h"

namespace sable {

namespace {

// Space-separated words (generated flag and tip lists) as a RESP set of bulk strings or of
// status words.
void ReplyWords(ReplyWriter& w, std::string_view words, bool status) {
  std::vector<std::string_view> out;
  for (size_t i = 0; i < words.size();) {
    size_t j = words.find(' ', i);
    if (j == std::string_view::npos) j = words.size();
    if (j > i) out.push_back(words.substr(i, j - i));
    i = j + 1;
  }
  w.Set(out.size());
  for (auto s : out) {
    if (status) {
      w.Simple(s);
    } else {
      w.Bulk(s);
    }
  }
}

// A flag set in the fixed order Redis lists them (addReplyCommandFlags).
template <size_t N>
void ReplyFlagSet(ReplyWriter& w, uint32_t flags,
                  const std::pair<uint32_t, const char*> (&names)[N]) {
  size_t n = 0;
  for (const auto& [bit, name] : names) n += (flags & bit) ? 1 : 0;
  w.Set(n);
  for (const auto& [bit, name] : names)
    if (flags & bit) w.Simple(name);
}

void ReplyKeyFlags(ReplyWriter& w, uint32_t flags) {
  static constexpr std::pair<uint32_t, const char*> kNames[] = {
      {kKeyRo, "RO"},
      {kKeyRw, "RW"},
      {kKeyOw, "OW"},
      {kKeyRm, "RM"},
      {kKeyAccess, "access"},
      {kKeyUpdate, "update"},
      {kKeyInsert, "insert"},
      {kKeyDelete, "delete"},
      {kKeyNotKey, "not_key"},
      {kKeyIncomplete, "incomplete"},
      {kKeyVariableFlags, "variable_flags"}};
  ReplyFlagSet(w, flags, kNames);
}

// A "type"/"spec" map of begin_search or find_keys; `fields` are the spec's name/value pairs.
void ReplySearchSpec(ReplyWriter& w, const char* type,
                     std::initializer_list<std::pair<const char*, int>> fields,
                     const char* keyword = nullptr) {
  w.Map(2);
  w.Bulk("type");
  w.Bulk(type);
  w.Bulk("spec");
  w.Map(fields.size() + (keyword ? 1 : 0));
  if (keyword) {
    w.Bulk("keyword");
    w.Bulk(keyword);
  }
  for (const auto& [name, value] : fields) {
    w.Bulk(name);
    w.Integer(value);
  }
}

// addReplyCommandKeySpecs.
void ReplyKeySpecs(ReplyWriter& w, const CommandSpec& c) {
  w.Set(c.key_specs.size());
  for (const KeySpecRow& k : c.key_specs) {
    w.Map(k.notes ? 4 : 3);
    if (k.notes) {
      w.Bulk("notes");
      w.Bulk(k.notes);
    }
    w.Bulk("flags");
    ReplyKeyFlags(w, k.flags);
    w.Bulk("begin_search");
    if (k.bs == kBsIndex) {
      ReplySearchSpec(w, "index", {{"index", k.bs_index}});
    } else if (k.bs == kBsKeyword) {
      ReplySearchSpec(w, "keyword", {{"startfrom", k.startfrom}}, k.keyword);
    } else {
      ReplySearchSpec(w, "unknown", {});
    }
    w.Bulk("find_keys");
    if (k.fk == kFkRange) {
      ReplySearchSpec(w, "range", {{"lastkey", k.a}, {"keystep", k.b}, {"limit", k.c}});
    } else if (k.fk == kFkKeynum) {
      ReplySearchSpec(w, "keynum", {{"keynumidx", k.a}, {"firstkey", k.b}, {"keystep", k.c}});
    } else {
      ReplySearchSpec(w, "unknown", {});
    }
  }
}

// addReplyCommandInfo: subcommands in table order (Redis's come in its dict's hash order).
void ReplyCommandInfo(ReplyWriter& w, const CommandSpec& c) {
  static constexpr std::pair<uint32_t, const char*> kFlagNames[] = {
      {kCmdWrite, "write"},
      {kCmdReadonly, "readonly"},
      {kCmdDenyOom, "denyoom"},
      {kCmdAdmin, "admin"},
      {kCmdPubsub, "pubsub"},
      {kCmdNoscript, "noscript"},
      {kCmdBlocking, "blocking"},
      {kCmdLoading, "loading"},
      {kCmdStale, "stale"},
      {kCmdSkipMonitor, "skip_monitor"},
      {kCmdSkipSlowlog, "skip_slowlog"},
      {kCmdAsking, "asking"},
      {kCmdFast, "fast"},
      {kCmdNoAuth, "no_auth"},
      {kCmdNoMandatoryKeys, "no_mandatory_keys"},
      {kCmdNoAsyncLoading, "no_async_loading"},
      {kCmdNoMulti, "no_multi"},
      {kCmdMovableKeys, "movablekeys"},
      {kCmdAllowBusy, "allow_busy"}};
  w.Array(10);
  w.Bulk(c.FullName());
  w.Integer(c.arity);
  ReplyFlagSet(w, c.flags, kFlagNames);
  w.Integer(c.first_key);
  w.Integer(c.last_key);
  w.Integer(c.step);
  w.Set(c.acl_categories.size());
  for (const auto& a : c.acl_categories) w.Simple(a);
  ReplyWords(w, c.doc ? c.doc->tips : "", false);
  ReplyKeySpecs(w, c);
  if (c.subcommands.empty()) {
    w.Set(0);
    return;
  }
  w.Array(c.subcommands.size());
  for (const auto& s : c.subcommands) ReplyCommandInfo(w, *s);
}

void Command(CommandContext& ctx) {
  auto& all = ctx.server.commands().all();
  ctx.reply.Array(all.size());
  for (const CommandSpec* c : all) ReplyCommandInfo(ctx.reply, *c);
}

void CommandCount(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.commands().size()));
}

void CommandInfo(CommandContext& ctx) {
  if (ctx.args.size() == 2) return Command(ctx);
  ctx.reply.Array(ctx.args.size() - 2);
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    const CommandSpec* c = ctx.server.commands().FindByFullName(ctx.args[i]);
    if (c) {
      ReplyCommandInfo(ctx.reply, *c);
    } else {
      ctx.reply.Null();  // addReplyNull: "$-1" in RESP2
    }
  }
}

// addReplyCommandArgList over the generated rows; returns the row after the last one used.
const DocArgRow* ReplyArguments(ReplyWriter& w, const DocArgRow* row, int count) {
  w.Array(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const DocArgRow& a = *row++;
    bool nested = std::string_view(a.type) == "oneof" || std::string_view(a.type) == "block";
    w.Map(2 + (a.key_spec_index != -1) + (a.token != nullptr) + (a.summary != nullptr) +
          (a.since != nullptr) + (a.deprecated_since != nullptr) + (a.flags != nullptr) + nested);
    w.Bulk("name");
    w.Bulk(a.name);
    w.Bulk("type");
    w.Bulk(a.type);
    if (a.key_spec_index != -1) {
      w.Bulk("key_spec_index");
      w.Integer(a.key_spec_index);
    }
    for (auto [field, value] :
         {std::pair{"token", a.token}, std::pair{"summary", a.summary}, std::pair{"since", a.since},
          std::pair{"deprecated_since", a.deprecated_since}}) {
      if (value == nullptr) continue;
      w.Bulk(field);
      w.Bulk(value);
    }
    if (a.flags) {
      w.Bulk("flags");
      ReplyWords(w, a.flags, true);
    }
    if (nested) {
      w.Bulk("arguments");
      row = ReplyArguments(w, row, a.nargs);
    }
  }
  return row;
}

// addReplyCommandDocs from the generated row; a command Redis lacks gets its table row's
// summary, since, group and complexity.
void ReplyDocs(ReplyWriter& w, const CommandSpec& c) {
  const CommandDocRow* d = c.doc;
  if (d == nullptr) {
    w.Map(3 + (c.complexity.empty() ? 0 : 1) + (c.subcommands.empty() ? 0 : 1));
    for (auto [field, value] : {std::pair{"summary", &c.summary}, std::pair{"since", &c.since},
                                std::pair{"group", &c.group}}) {
      w.Bulk(field);
      w.Bulk(*value);
    }
    if (!c.complexity.empty()) {
      w.Bulk("complexity");
      w.Bulk(c.complexity);
    }
  } else {
    w.Map(1 + (d->summary != nullptr) + (d->since != nullptr) + (d->complexity != nullptr) +
          (d->doc_flags != nullptr) + (d->deprecated_since != nullptr) +
          (d->replaced_by != nullptr) + (d->history_count > 0) + (d->args_count > 0) +
          !c.subcommands.empty());
    for (auto [field, value] :
         {std::pair{"summary", d->summary}, std::pair{"since", d->since},
          std::pair{"group", d->group}, std::pair{"complexity", d->complexity}}) {
      if (value == nullptr) continue;
      w.Bulk(field);
      w.Bulk(value);
    }
    if (d->doc_flags) {
      w.Bulk("doc_flags");
      ReplyWords(w, d->doc_flags, true);
    }
    for (auto [field, value] : {std::pair{"deprecated_since", d->deprecated_since},
                                std::pair{"replaced_by", d->replaced_by}}) {
      if (value == nullptr) continue;
      w.Bulk(field);
      w.Bulk(value);
    }
    if (d->history_count > 0) {
      w.Bulk("history");
      auto history = DocHistory(*d);
      w.Set(history.size());
      for (const DocHistoryRow& h : history) {
        w.Array(2);
        w.Bulk(h.since);
        w.Bulk(h.changes);
      }
    }
    if (d->args_count > 0) {
      w.Bulk("arguments");
      ReplyArguments(w, DocArgRows() + d->args_begin, d->args_count);
    }
  }
  if (!c.subcommands.empty()) {
    w.Bulk("subcommands");
    w.Map(c.subcommands.size());
    for (const auto& s : c.subcommands) {
      w.Bulk(s->FullName());
      ReplyDocs(w, *s);
    }
  }
}

void CommandDocs(CommandContext& ctx) {
  std::vector<const CommandSpec*> list;
  if (ctx.args.size() == 2) {
    list.assign(ctx.server.commands().all().begin(), ctx.server.commands().all().end());
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i)
      if (const CommandSpec* c = ctx.server.commands().FindByFullName(ctx.args[i]))
        list.push_back(c);
  }
  ctx.reply.Map(list.size());
  for (const CommandSpec* c : list) {
    ctx.reply.Bulk(c->FullName());
    ReplyDocs(ctx.reply, *c);
  }
}

void CommandList(CommandContext& ctx) {
  std::string_view kind, value;
  if (ctx.args.size() == 5 && EqNoCase(ctx.args[2], "FILTERBY")) {
    kind = ctx.args[3];
    value = ctx.args[4];
    if (!EqNoCase(kind, "MODULE") && !EqNoCase(kind, "ACLCAT") && !EqNoCase(kind, "PATTERN")) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  } else if (ctx.args.size() != 2) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  std::vector<std::string> out;
  auto consider = [&](const CommandSpec& c) {
    if (EqNoCase(kind, "MODULE")) return;
    if (EqNoCase(kind, "ACLCAT")) {
      bool found = false;
      for (const auto& a : c.acl_categories)
        if (EqNoCase(std::string_view(a).substr(1), value)) found = true;
      if (!found) return;
    }
    if (EqNoCase(kind, "PATTERN") && !GlobMatch(value, c.FullName(), true)) return;
    out.push_back(c.FullName());
  };
  for (const CommandSpec* c : ctx.server.commands().all()) {
    consider(*c);
    for (const auto& s : c->subcommands) consider(*s);
  }
  ctx.reply.Array(out.size());
  for (const auto& n : out) ctx.reply.Bulk(n);
}

// getKeysSubcommandImpl: the command as the dispatcher would look it up (a container with a
// subcommand argument must name a known one), Redis's key specs and getkeys procedures.
void CommandGetKeys(CommandContext& ctx) {
  ArgList cmd = ctx.args.subspan(2);
  const CommandSpec* c = ctx.server.commands().Find(cmd[0]);
  if (c && !c->subcommands.empty() && cmd.size() >= 2) c = c->FindSub(cmd[1]);
  if (c == nullptr) {
    ctx.reply.Error("ERR Invalid command specified");
    return;
  }
  if (!CommandHasKeys(*c)) {
    ctx.reply.Error("ERR The command has no key arguments");
    return;
  }
  size_t argc = cmd.size();
  if ((c->arity > 0 && static_cast<size_t>(c->arity) != argc) ||
      (c->arity < 0 && argc < static_cast<size_t>(-c->arity))) {
    ctx.reply.Error("ERR Invalid number of arguments specified for command");
    return;
  }
  std::vector<std::pair<int, uint32_t>> keys;
  GetKeysWithFlags(*c, cmd, &keys);
  if (keys.empty()) {
    if (c->flags & kCmdNoMandatoryKeys) {
      ctx.reply.Array(0);
    } else {
      ctx.reply.Error("ERR Invalid arguments specified for command");
    }
    return;
  }
  bool with_flags = ctx.spec.name == "getkeysandflags";
  ctx.reply.Array(keys.size());
  for (auto [pos, flags] : keys) {
    if (with_flags) {
      ctx.reply.Array(2);
      ctx.reply.Bulk(cmd[static_cast<size_t>(pos)]);
      ReplyKeyFlags(ctx.reply, flags);
    } else {
      ctx.reply.Bulk(cmd[static_cast<size_t>(pos)]);
    }
  }
}

void CommandHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "(no subcommand)", "    Return details about all Redis commands.",
      "COUNT", "    Return the total number of commands in this Redis server.",
      "LIST", "    Return a list of all commands in this Redis server.",
      "INFO [<command-name> ...]",
      "    Return details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "DOCS [<command-name> ...]",
      "    Return documentation details about multiple Redis commands.",
      "    If no command names are given, documentation details for all",
      "    commands are returned.",
      "GETKEYS <full-command>", "    Return the keys from a full Redis command.",
      "GETKEYSANDFLAGS <full-command>",
      "    Return the keys and the access flags from a full Redis command.",
      "HELP", "    Print this help."};
  ReplyHelp(ctx, kLines);
}

// ---- DEBUG ----

void DebugProtocol(CommandContext& ctx, std::string_view type) {
  ReplyWriter& w = ctx.reply;
  if (EqNoCase(type, "string")) {
    w.Bulk("Hello World");
  } else if (EqNoCase(type, "integer")) {
    w.Integer(12345);
  } else if (EqNoCase(type, "double")) {
    w.Double(3.141);
  } else if (EqNoCase(type, "bignum")) {
    w.BigNumber("1234567999999999999999999999999999999");
  } else if (EqNoCase(type, "null")) {
    w.Null();
  } else if (EqNoCase(type, "array")) {
    w.Array(3);
    for (int i = 0; i < 3; ++i) w.Integer(i);
  } else if (EqNoCase(type, "set")) {
    w.Set(3);
    for (int i = 0; i < 3; ++i) w.Integer(i);
  } else if (EqNoCase(type, "map")) {
    w.Map(3);
    for (int i = 0; i < 3; ++i) {
      w.Integer(i);
      w.Bool(i == 1);
    }
  } else if (EqNoCase(type, "attrib")) {
    if (w.resp3()) {
      w.Raw("|1\r\n");
      w.Bulk("key-popularity");
      w.Array(2);
      w.Bulk("key:123");
      w.Integer(90);
    }
    w.Bulk("Some real reply following the attribute");
  } else if (EqNoCase(type, "push")) {
    if (!w.resp3()) {
      w.Error("ERR RESP2 is not supported by this command");
      return;
    }
    w.Push(2);
    w.Bulk("server-cpu-usage");
    w.Integer(42);
    w.Bulk("Some real reply following the push reply");
  } else if (EqNoCase(type, "true")) {
    w.Bool(true);
  } else if (EqNoCase(type, "false")) {
    w.Bool(false);
  } else if (EqNoCase(type, "verbatim")) {
    w.Verbatim("This is a verbatim\nstring");
  } else {
    w.Error(
        "ERR Wrong protocol type name. Please use one of the following: "
        "string|integer|double|bignum|null|array|set|map|attrib|push|verbatim|true|false");
  }
}

// One table of a keyspace dict in Redis's dictGetStatsHt words (DEBUG HTSTATS).
std::string TableStatsText(const KvTable& table, int t) {
  std::string out = fmt::format("Hash table {} stats ({}):\n", t,
                                t == 0 ? "main hash table" : "rehashing target");
  KvTable::TableStats st = table.Stats(t);
  if (st.used == 0) return out + "No stats available for empty dictionaries\n";
  out += fmt::format(
      " table size: {}\n number of elements: {}\n different slots: {}\n max chain length: {}\n"
      " avg chain length (counted): {:.2f}\n avg chain length (computed): {:.2f}\n"
      " Chain length distribution:\n",
      st.slots, st.used, st.nonempty, st.max_chain,
      static_cast<float>(st.total_chain) / st.nonempty,
      static_cast<float>(st.used) / st.nonempty);
  for (size_t i = 0; i + 1 < KvTable::kStatsLengths; ++i) {
    if (st.lengths[i] == 0) continue;
    out += fmt::format("   {}: {} ({:.2f}%)\n", i, st.lengths[i],
                       static_cast<float>(st.lengths[i]) / st.slots * 100);
  }
  return out;
}

void Debug(CommandContext& ctx) {
  if (!ctx.server.debug_allowed(ctx.conn)) {
    ctx.reply.Error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", "
        "you can run it from a local connection, otherwise you need to set this option in the "
        "configuration file, and then restart the server.");
    return;
  }
  std::string_view sub = ctx.args[1];
  size_t argc = ctx.args.size();
  if (EqNoCase(sub, "help")) {
    static const char* kLines[] = {
        "DEBUG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "AOF-FLUSH-SLEEP <microsec>",
        "    Server will sleep before flushing the AOF, this is used for testing.",
        "DIGEST", "    Output a hex signature representing the current DB content.",
        "DIGEST-VALUE <key> [<key> ...]",
        "    Output a hex signature of the values of all the specified keys.",
        "LOADAOF", "    Flush the AOF buffers on disk and reload the AOF in memory.",
        "LOG <message>", "    Write <message> to the server log.",
        "OBJECT <key>", "    Show low level info about the key and associated value.",
        "POPULATE <count> [<prefix>] [<size>]",
        "    Create <count> string keys named key:<num>. If <prefix> is specified then",
        "    it is used instead of the 'key' prefix. These are not propagated to",
        "    replicas. Cluster slots are not respected so keys from different slots may",
        "    end up in the same node.",
        "PROTOCOL <type>", "    Reply with a test value of the specified type.",
        "RELOAD [option ...]",
        "    Save the RDB on disk and reload it back to memory. Options: MERGE, NOFLUSH, NOSAVE.",
        "SET-ACTIVE-EXPIRE <0|1>", "    Enable or disable the active expiry cycle.",
        "SLEEP <seconds>", "    Stop the server for <seconds>. Decimals allowed.",
        "JMAP", "    Not supported.",
        "HELP", "    Print this help."};
    ReplyHelp(ctx, kLines);
  } else if (EqNoCase(sub, "sleep") && argc == 3) {
    double secs;
    if (!StringToDouble(ctx.args[2], &secs)) {
      ctx.reply.Error(err::kNotFloat);
      return;
    }
    std::this_thread::sleep_for(std::chrono::microseconds(static_cast<int64_t>(secs * 1e6)));
    ctx.server.UpdateClock();
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "aof-flush-sleep") && argc == 3) {
    // Redis reads the value with atoi(): junk means 0 (no sleep).
    ctx.server.aof_flush_sleep_us = atoi(std::string(ctx.args[2]).c_str());
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "populate") && argc >= 3 && argc <= 5) {
    // As Redis: "<prefix>:<n>" keys (prefix "key") holding "value:<n>", or that text cut or
    // zero-padded to <size> bytes; existing keys are left alone. Not propagated, not dirty.
    int64_t count, size = 0;
    if (!StringToInt64(ctx.args[2], &count) || count < 0) {
      ctx.reply.Error("ERR value is out of range, must be positive");
      return;
    }
    if (argc == 5 && (!StringToInt64(ctx.args[4], &size) || size < 0)) {
      ctx.reply.Error("ERR value is out of range, must be positive");
      return;
    }
    std::string prefix = argc >= 4 ? std::string(ctx.args[3]) : "key";
    Keyspace& ks = Ks(ctx);
    std::string key, val;
    for (int64_t j = 0; j < count; ++j) {
      key = fmt::format("{}:{}", prefix, j);
      if (ks.Find(ctx.db, key, ctx.now_ms) != nullptr) continue;
      val = fmt::format("value:{}", j);
      if (size > 0) val.resize(static_cast<size_t>(size), '\0');
      ks.Insert(ctx.db, KvEntry::NewString(key, val, -1, LruClock(ctx), false));
    }
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "pause-cron") && argc == 3) {
    ctx.server.cron_paused = atoi(std::string(ctx.args[2]).c_str()) != 0;
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "set-active-expire") && argc == 3) {
    Ks(ctx).active_expire_enabled = ctx.args[2] != "0";
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "set-disable-deny-scripts") && argc == 3) {
    ctx.server.lua().disable_deny_script = atoi(std::string(ctx.args[2]).c_str()) != 0;
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "protocol") && argc == 3) {
    DebugProtocol(ctx, ctx.args[2]);
  } else if (EqNoCase(sub, "log") && argc == 3) {
    Log(LogLevel::kWarning, "DEBUG LOG: {}", ctx.args[2]);
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "object") && argc == 3) {
    KvEntry* e = Ks(ctx).Peek(ctx.db, ctx.args[2]);  // no lazy expiry, as debug.c
    if (e == nullptr) {
      ctx.reply.Error(err::kNoKey);
      return;
    }
    const char* enc = EncodingName(e);
    uint32_t now = Ks(ctx).lru_clock;
    ctx.reply.Simple(fmt::format(
        "Value at:{} refcount:1 encoding:{} serializedlength:{} lru:{} lru_seconds_idle:{}",
        static_cast<const void*>(e), enc, e->StringLength(), e->lru(), e->IdleSeconds(now)));
  } else if ((EqNoCase(sub, "loadaof") || EqNoCase(sub, "reload")) && ctx.server.loading()) {
    // DEBUG may run while a load is under way; a second load inside it may not.
    ctx.reply.Error("LOADING Redis is loading the dataset in memory");
  } else if (EqNoCase(sub, "loadaof") && argc == 2) {
    std::string err;
    if (!ctx.server.aof()->Reload(&err)) {
      Log(LogLevel::kWarning, "DEBUG LOADAOF failed: {}", err);
      ctx.reply.Error("ERR Error loading the AOF: " + err);
      return;
    }
    Log(LogLevel::kNotice, "Append Only File loaded by DEBUG LOADAOF");
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "reload")) {
    bool save = true, flush = true, merge = false;
    for (size_t i = 2; i < argc; ++i) {
      if (EqNoCase(ctx.args[i], "NOSAVE")) {
        save = false;
      } else if (EqNoCase(ctx.args[i], "NOFLUSH")) {
        flush = false;
      } else if (EqNoCase(ctx.args[i], "MERGE")) {
        flush = false;
        merge = true;
      } else {
        ctx.reply.Error("ERR DEBUG RELOAD only supports the MERGE, NOFLUSH and NOSAVE options.");
        return;
      }
    }
    std::string err;
    if (save && !ctx.server.SaveSnapshot(&err)) {
      ctx.reply.Error("ERR Error trying to save the DB: " + err);
      return;
    }
    if (flush) {
      ctx.server.SignalFlushedDb(-1);
      Ks(ctx).FlushAll();
      ctx.server.lua().FlushFunctions();  // emptyData() drops the functions too
    }
    bool found = false;
    RdbLoadStats st;
    std::string path = ctx.server.config().dir + "/" + ctx.server.config().GetValue("dbfilename");
    if (!LoadRdbFile(ctx.server, path, &found, &st, &err, merge) || !found) {
      ctx.reply.Error("ERR Error trying to load the RDB dump" + (err.empty() ? "" : ": " + err));
      return;
    }
    Log(LogLevel::kNotice, "DB reloaded by DEBUG RELOAD");
    ctx.reply.Ok();
  } else if (EqNoCase(sub, "htstats") && argc == 3) {
    int64_t id;
    if (!ArgInt64(ctx, ctx.args[2], &id)) return;
    if (id < 0 || id >= Ks(ctx).size()) {
      ctx.reply.Error("ERR Out of range database");
      return;
    }
    Db& d = Ks(ctx).db(static_cast<int>(id));
    std::string out = "[Dictionary HT]\n" + TableStatsText(d.table, 0);
    if (d.table.IsRehashing()) out += TableStatsText(d.table, 1);
    // No separate expires table: expiry times live in the entries.
    out += "[Expires HT]\n";
    out += d.volatile_keys == 0
               ? "Hash table 0 stats (main hash table):\nNo stats available for empty "
                 "dictionaries\n"
               : fmt::format("Keys with an expiry: {} (kept in their entries, no separate "
                             "table)\n", d.volatile_keys);
    ctx.reply.Verbatim(out);
  } else if (EqNoCase(sub, "digest") && argc == 2) {
    // computeDatasetDigest: each non-empty db mixes its id in, then XORs in every key's
    // digest (the key, then its value). Logically expired keys still count, as in Redis.
    Digest all;
    Keyspace& ks = Ks(ctx);
    for (int db = 0; db < ks.size(); ++db) {
      if (ks.KeyCount(db) == 0) continue;
      all.MixBigEndian32(static_cast<uint32_t>(db));
      ks.db(db).table.ForEach([&](KvEntry* e) {
        Digest k;
        k.Mix(e->key());
        ValueDigest(e, &k);
        all.Add(k);
      });
    }
    ctx.reply.Simple(all.Hex());
  } else if (EqNoCase(sub, "digest-value")) {
    // A debug command: logically expired keys are digested too (no lazy expiry here).
    ctx.reply.Array(argc - 2);
    for (size_t i = 2; i < argc; ++i) {
      Digest d;
      if (KvEntry* e = Ks(ctx).Peek(ctx.db, ctx.args[i])) ValueDigest(e, &d);
      ctx.reply.Simple(d.Hex());
    }
  } else if (EqNoCase(sub, "jmap") || EqNoCase(sub, "quicklist-packed-threshold") ||
             EqNoCase(sub, "stringmatch-len") || EqNoCase(sub, "change-repl-id")) {
    ctx.reply.Ok();
  } else {
    ctx.reply.Error(fmt::format(
        "ERR unknown subcommand or wrong number of arguments for '{}'. Try DEBUG HELP.",
        sub.substr(0, 128)));
  }
}

}  // namespace

void RegisterIntrospectionCommands(CommandTable& t) {
  const char* g = "server";
  const char* fl = "loading stale";
  const char* acl = "@slow @connection";
  CommandSpec* c = t.Add({"command", -1, fl, 0, 0, 0, acl, Command, g,
                          "Details about all commands", "2.8.13"});
  t.AddSub(c, {"info", -2, fl, 0, 0, 0, acl, CommandInfo, g});
  t.AddSub(c, {"getkeys", -4, fl, 0, 0, 0, acl, CommandGetKeys, g});
  t.AddSub(c, {"getkeysandflags", -4, fl, 0, 0, 0, acl, CommandGetKeys, g});
  t.AddSub(c, {"docs", -2, fl, 0, 0, 0, acl, CommandDocs, g});
  t.AddSub(c, {"list", -2, fl, 0, 0, 0, acl, CommandList, g});
  t.AddSub(c, {"help", 2, fl, 0, 0, 0, acl, CommandHelp, g});
  t.AddSub(c, {"count", 2, fl, 0, 0, 0, acl, CommandCount, g});
  t.Add({"debug", -2, "admin noscript loading stale", 0, 0, 0, "@admin @slow @dangerous", Debug,
         g, "Debugging commands"});
}

}  // namespace sable
