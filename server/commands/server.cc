// Server commands: INFO CONFIG TIME MONITOR SLOWLOG LATENCY MEMORY SHUTDOWN LASTSAVE.
// COMMAND and DEBUG live in introspection.cc.
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmath>
#include <fstream>

#ifndef SABLE_NO_JEMALLOC
#include <jemalloc/jemalloc.h>
#endif

#include "datastructs/glob.h"
#include "datastructs/latency_histogram.h"
#include "server/aof.h"
#include "server/child.h"
#include "server/commands/util.h"
#include "server/lua_engine.h"
#include "server/objects.h"
#include "server/snapshot.h"
#include "server/log.h"
#include "server/objects.h"
#include "server/pubsub.h"
#include "server/tracking.h"

namespace sable {

namespace {

std::string Human(double n) {
  const char* units = "BKMGTPE";
  int u = 0;
  while (n >= 1024 && u < 6) {
    n /= 1024;
    ++u;
  }
  if (u == 0) return fmt::format("{}B", static_cast<int64_t>(n));
  return fmt::format("{:.2f}{}", n, units[u]);
}

double TimevalSec(const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; }

std::string InfoServer(Server& s) {
  utsname un{};
  uname(&un);
  int64_t up = s.now_ms() / 1000 - s.start_time_s();
  return fmt::format(
      "# Server\r\nredis_version:7.0.15\r\nredis_git_sha1:00000000\r\nredis_git_dirty:0\r\n"
      "redis_build_id:sable\r\nredis_mode:standalone\r\nos:{} {} {}\r\narch_bits:64\r\n"
      "monotonic_clock:POSIX clock_gettime\r\nmultiplexing_api:epoll (libuv {})\r\n"
      "atomicvar_api:c11-builtin\r\ngcc_version:{}.{}.{}\r\nprocess_id:{}\r\n"
      "process_supervised:no\r\nrun_id:{}\r\ntcp_port:{}\r\nserver_time_usec:{}\r\n"
      "uptime_in_seconds:{}\r\nuptime_in_days:{}\r\nhz:{}\r\nconfigured_hz:{}\r\n"
      "lru_clock:{}\r\nexecutable:{}\r\nconfig_file:{}\r\nio_threads_active:0\r\n"
      "sable_version:0.1.0\r\n",
      un.sysname, un.release, un.machine, uv_version_string(), __GNUC__, __GNUC_MINOR__,
      __GNUC_PATCHLEVEL__, getpid(), s.run_id(), s.config().port, s.now_us(), up, up / 86400,
      s.config().hz, s.config().hz, s.keyspace().lru_clock & 0xffffff, s.executable,
      s.config().file());
}

std::string InfoClients(Server& s) {
  size_t max_in = 0, max_out = 0, paused = 0;
  for (auto& [id, c] : s.clients()) {
    max_in = std::max(max_in, c->query_buffer_size());
    max_out = std::max(max_out, c->output_bytes());
    if (c->paused) ++paused;
  }
  return fmt::format(
      "# Clients\r\nconnected_clients:{}\r\ncluster_connections:0\r\nmaxclients:{}\r\n"
      "client_recent_max_input_buffer:{}\r\nclient_recent_max_output_buffer:{}\r\n"
      "blocked_clients:{}\r\ntracking_clients:{}\r\nclients_in_timeout_table:{}\r\n",
      s.clients().size(), s.config().maxclients, max_in, max_out, s.blocked_clients() + paused,
      s.tracking().clients(), s.blocked_clients());
}

std::string InfoMemory(Server& s) {
  size_t used = s.UsedMemory();
  size_t rss = s.UsedMemoryRss();
  long pages = sysconf(_SC_PHYS_PAGES), psize = sysconf(_SC_PAGESIZE);
  size_t total = static_cast<size_t>(pages) * static_cast<size_t>(psize);
  size_t lua_mem = s.lua().memory();
  size_t lua_scripts = s.lua().scripts_memory();
  size_t fn_mem = s.lua().functions_memory();
  size_t fn_code = s.lua().functions_code_memory();
  ServerStats& st = s.stats();
  st.peak_memory = std::max(st.peak_memory, used);
  size_t clients_mem = 0;
  for (auto& [id, c] : s.clients()) clients_mem += c->memory_usage();
  size_t aof_mem = s.aof_buffer().size();  // changes not yet written to the AOF
  size_t overhead = st.startup_memory + clients_mem + aof_mem + lua_scripts + fn_code;
  size_t dataset = used > overhead ? used - overhead : 0;
  return fmt::format(
      "# Memory\r\nused_memory:{}\r\nused_memory_human:{}\r\nused_memory_rss:{}\r\n"
      "used_memory_rss_human:{}\r\nused_memory_peak:{}\r\nused_memory_peak_human:{}\r\n"
      "used_memory_overhead:{}\r\nused_memory_startup:{}\r\nused_memory_dataset:{}\r\n"
      "allocator_allocated:{}\r\nallocator_resident:{}\r\ntotal_system_memory:{}\r\n"
      "total_system_memory_human:{}\r\nused_memory_lua:{}\r\nused_memory_vm_eval:{}\r\n"
      "used_memory_lua_human:{}\r\nused_memory_scripts_eval:{}\r\nnumber_of_cached_scripts:{}\r\n"
      "number_of_functions:{}\r\nused_memory_vm_functions:{}\r\n"
      "used_memory_vm_total:{}\r\nused_memory_vm_total_human:{}\r\n"
      "used_memory_functions:{}\r\nused_memory_scripts:{}\r\nused_memory_scripts_human:{}\r\n"
      "maxmemory:{}\r\nmaxmemory_human:{}\r\nmaxmemory_policy:{}\r\n"
      "mem_fragmentation_ratio:{:.2f}\r\nmem_fragmentation_bytes:{}\r\n"
      "mem_not_counted_for_evict:{}\r\nmem_replication_backlog:0\r\nmem_clients_slaves:0\r\n"
      "mem_clients_normal:{}\r\nmem_aof_buffer:{}\r\nmem_allocator:{}\r\n"
      "active_defrag_running:0\r\nlazyfree_pending_objects:{}\r\nlazyfreed_objects:{}\r\n",
      used, Human(static_cast<double>(used)), rss, Human(static_cast<double>(rss)),
      st.peak_memory, Human(static_cast<double>(st.peak_memory)), overhead, st.startup_memory,
      dataset, used, rss, total, Human(static_cast<double>(total)),
      lua_mem, lua_mem, Human(static_cast<double>(lua_mem)), lua_scripts,
      s.lua().num_scripts(), s.lua().num_functions(), fn_mem,
      lua_mem + fn_mem, Human(static_cast<double>(lua_mem + fn_mem)), fn_code,
      lua_scripts + fn_code, Human(static_cast<double>(lua_scripts + fn_code)),
      s.config().maxmemory, Human(static_cast<double>(s.config().maxmemory)),
      s.config().maxmemory_policy, used ? static_cast<double>(rss) / used : 0.0,
      static_cast<int64_t>(rss) - static_cast<int64_t>(used), s.MemoryNotCountedForEvict(),
      clients_mem, aof_mem,
      s.AllocatorName(), s.lazyfree().pending(), s.lazyfree().freed());
}

std::string InfoPersistence(Server& s) {
  Snapshotter& rdb = s.rdb();
  ChildProcess& child = s.child();
  Aof& aof = *s.aof();
  int64_t now_s = s.now_ms() / 1000;
  double fork_perc = child.keys_total
                         ? static_cast<double>(child.keys_processed) / child.keys_total * 100
                         : 0.0;
  int64_t cow_age = child.cow_updated_us
                        ? (ChildProcess::MonotonicUs() - child.cow_updated_us) / 1000000
                        : 0;
  bool rdb_child = child.type() == ChildType::kRdb, aof_child = child.type() == ChildType::kAof;
  std::string out = fmt::format(
      "# Persistence\r\nloading:{}\r\nasync_loading:0\r\ncurrent_cow_peak:{}\r\n"
      "current_cow_size:{}\r\ncurrent_cow_size_age:{}\r\ncurrent_fork_perc:{:.2f}\r\n"
      "current_save_keys_processed:{}\r\ncurrent_save_keys_total:{}\r\n"
      "rdb_changes_since_last_save:{}\r\nrdb_bgsave_in_progress:{}\r\n"
      "rdb_last_save_time:{}\r\nrdb_last_bgsave_status:{}\r\nrdb_last_bgsave_time_sec:{}\r\n"
      "rdb_current_bgsave_time_sec:{}\r\nrdb_saves:{}\r\nrdb_last_cow_size:{}\r\n"
      "rdb_last_load_keys_expired:{}\r\nrdb_last_load_keys_loaded:{}\r\naof_enabled:{}\r\n"
      "aof_rewrite_in_progress:{}\r\naof_rewrite_scheduled:{}\r\n"
      "aof_last_rewrite_time_sec:{}\r\naof_current_rewrite_time_sec:{}\r\n"
      "aof_last_bgrewrite_status:{}\r\naof_rewrites:{}\r\n"
      "aof_rewrites_consecutive_failures:{}\r\naof_last_write_status:{}\r\n"
      "aof_last_cow_size:{}\r\nmodule_fork_in_progress:0\r\nmodule_fork_last_cow_size:0\r\n",
      s.loading() ? 1 : 0, child.cow_peak, child.cow_bytes, cow_age, fork_perc, child.keys_processed,
      child.keys_total, s.stats().dirty, rdb_child ? 1 : 0, rdb.lastsave_s,
      rdb.last_bgsave_ok ? "ok" : "err", rdb.save_time_last_s,
      rdb_child ? now_s - rdb.save_time_start_s : -1, rdb.saves, child.rdb_cow_bytes,
      rdb.last_load_keys_expired, rdb.last_load_keys_loaded, aof.enabled() ? 1 : 0,
      aof_child ? 1 : 0, aof.rewrite_scheduled ? 1 : 0, aof.rewrite_time_last(),
      aof_child ? now_s - aof.rewrite_time_start() : -1,
      aof.last_bgrewrite_ok() ? "ok" : "err", aof.rewrites(), aof.consecutive_failures(),
      aof.last_write_ok() ? "ok" : "err", child.aof_cow_bytes);
  // Redis shows these when appendonly (the setting) is yes.
  if (s.config().GetValue("appendonly") == "yes") {
    out += fmt::format(
        "aof_current_size:{}\r\naof_base_size:{}\r\naof_pending_rewrite:{}\r\n"
        "aof_buffer_length:{}\r\naof_pending_bio_fsync:{}\r\naof_delayed_fsync:{}\r\n",
        aof.current_size(), aof.base_size(), aof.rewrite_scheduled ? 1 : 0,
        s.aof_buffer().size(), aof.pending_fsync_jobs(), aof.delayed_fsync());
  }
  if (s.loading()) {
    const LoadingState& l = s.loading_state();
    int64_t elapsed = static_cast<int64_t>(time(nullptr)) - l.start_s;
    uint64_t remaining = l.total_bytes > l.loaded_bytes ? l.total_bytes - l.loaded_bytes : 0;
    double perc = l.total_bytes ? static_cast<double>(l.loaded_bytes) / l.total_bytes * 100 : 0;
    // As Redis: a fake one second when there is not enough to go on yet.
    int64_t eta = elapsed == 0 ? 1
                               : static_cast<int64_t>(static_cast<double>(elapsed) * remaining /
                                                      (l.loaded_bytes + 1));
    out += fmt::format(
        "loading_start_time:{}\r\nloading_total_bytes:{}\r\nloading_rdb_used_mem:{}\r\n"
        "loading_loaded_bytes:{}\r\nloading_loaded_perc:{:.2f}\r\nloading_eta_seconds:{}\r\n",
        l.start_s, l.total_bytes, l.rdb_used_mem, l.loaded_bytes, perc, eta);
  }
  return out;
}

std::string InfoStats(Server& s) {
  ServerStats& st = s.stats();
  KeyspaceStats& ks = s.keyspace().stats;
  return fmt::format(
      "# Stats\r\ntotal_connections_received:{}\r\ntotal_commands_processed:{}\r\n"
      "instantaneous_ops_per_sec:{}\r\ntotal_net_input_bytes:{}\r\ntotal_net_output_bytes:{}\r\n"
      "total_net_repl_input_bytes:0\r\ntotal_net_repl_output_bytes:0\r\n"
      "instantaneous_input_kbps:{:.2f}\r\ninstantaneous_output_kbps:{:.2f}\r\n"
      "instantaneous_input_repl_kbps:0.00\r\ninstantaneous_output_repl_kbps:0.00\r\n"
      "rejected_connections:{}\r\nsync_full:0\r\nsync_partial_ok:0\r\nsync_partial_err:0\r\n"
      "expired_keys:{}\r\nexpired_stale_perc:0.00\r\nexpired_time_cap_reached_count:0\r\n"
      "expire_cycle_cpu_milliseconds:{}\r\nevicted_keys:{}\r\nevicted_clients:0\r\n"
      "total_eviction_exceeded_time:0\r\ncurrent_eviction_exceeded_time:0\r\n"
      "keyspace_hits:{}\r\nkeyspace_misses:{}\r\npubsub_channels:{}\r\npubsub_patterns:{}\r\n"
      "pubsubshard_channels:{}\r\nlatest_fork_usec:{}\r\ntotal_forks:{}\r\n"
      "migrate_cached_sockets:{}\r\nslave_expires_tracked_keys:0\r\nactive_defrag_hits:0\r\n"
      "active_defrag_misses:0\r\nactive_defrag_key_hits:0\r\nactive_defrag_key_misses:0\r\n"
      "total_active_defrag_time:0\r\ncurrent_active_defrag_time:0\r\ntracking_total_keys:{}\r\n"
      "tracking_total_items:{}\r\ntracking_total_prefixes:{}\r\nunexpected_error_replies:{}\r\n"
      "total_error_replies:{}\r\ndump_payload_sanitizations:0\r\ntotal_reads_processed:0\r\n"
      "total_writes_processed:0\r\nio_threaded_reads_processed:0\r\n"
      "io_threaded_writes_processed:0\r\nreply_buffer_shrinks:0\r\nreply_buffer_expands:0\r\n",
      st.total_connections, st.total_commands, st.ops_rate.PerSecond(), st.net_input_bytes,
      st.net_output_bytes, st.input_rate.PerSecond() / 1024.0,
      st.output_rate.PerSecond() / 1024.0,
      st.rejected_connections, ks.expired_keys, ks.expire_cycle_cpu_ms, st.evicted_keys,
      ks.keyspace_hits,
      ks.keyspace_misses, s.pubsub().channel_count(false), s.pubsub().pattern_count(),
      s.pubsub().channel_count(true), s.child().latest_fork_usec, s.child().total_forks,
      MigrateCachedSockets(),
      s.tracking().total_keys(), s.tracking().total_items(), s.tracking().total_prefixes(),
      st.unexpected_error_replies, st.total_error_replies);
}

std::string InfoReplication(Server& s) {
  std::string out = fmt::format("# Replication\r\nrole:master\r\nconnected_slaves:{}\r\n",
                                s.replicas().size());
  int i = 0;
  for (const Connection* r : s.replicas())
    out += fmt::format("slave{}:ip={},port={},state=online,offset={},lag={}\r\n", i++,
                       r->peer.substr(0, r->peer.rfind(':')), r->repl_listening_port,
                       r->repl_ack_offset, (s.now_ms() - r->repl_ack_ms) / 1000);
  out += fmt::format(
      "master_failover_state:no-failover\r\n"
      "master_replid:{}\r\nmaster_replid2:0000000000000000000000000000000000000000\r\n"
      "master_repl_offset:{}\r\nsecond_repl_offset:-1\r\nrepl_backlog_active:0\r\n"
      "repl_backlog_size:1048576\r\nrepl_backlog_first_byte_offset:0\r\n"
      "repl_backlog_histlen:0\r\n",
      s.run_id(), s.repl_offset());
  return out;
}

std::string InfoCpu(Server&) {
  rusage self{}, kids{};
  getrusage(RUSAGE_SELF, &self);
  getrusage(RUSAGE_CHILDREN, &kids);
  return fmt::format(
      "# CPU\r\nused_cpu_sys:{:.6f}\r\nused_cpu_user:{:.6f}\r\nused_cpu_sys_children:{:.6f}\r\n"
      "used_cpu_user_children:{:.6f}\r\nused_cpu_sys_main_thread:{:.6f}\r\n"
      "used_cpu_user_main_thread:{:.6f}\r\n",
      TimevalSec(self.ru_stime), TimevalSec(self.ru_utime), TimevalSec(kids.ru_stime),
      TimevalSec(kids.ru_utime), TimevalSec(self.ru_stime), TimevalSec(self.ru_utime));
}

void AppendCmdStats(std::string& out, const CommandSpec& c) {
  if (c.stats.calls || c.stats.rejected || c.stats.failed) {
    double per = c.stats.calls ? static_cast<double>(c.stats.usec) / c.stats.calls : 0.0;
    out += fmt::format(
        "cmdstat_{}:calls={},usec={},usec_per_call={:.2f},rejected_calls={},failed_calls={}\r\n",
        c.FullName(), c.stats.calls, c.stats.usec, per, c.stats.rejected, c.stats.failed);
  }
  for (const auto& sub : c.subcommands) AppendCmdStats(out, *sub);
}

std::string InfoCommandStats(Server& s) {
  std::string out = "# Commandstats\r\n";
  for (const CommandSpec* c : s.commands().all()) AppendCmdStats(out, *c);
  return out;
}

std::string InfoErrorStats(Server& s) {
  std::string out = "# Errorstats\r\n";
  for (const auto& [code, n] : s.stats().errors)
    out += fmt::format("errorstat_{}:count={}\r\n", code, n);
  return out;
}

void AppendLatencyStats(std::string& out, const CommandSpec& c,
                        const std::vector<std::string>& labels,
                        const std::vector<double>& percentiles) {
  if (c.stats.latency != nullptr) {
    out += "latency_percentiles_usec_";
    out += c.FullName();
    out += ':';
    for (size_t i = 0; i < percentiles.size(); ++i) {
      if (i) out += ',';
      double us = static_cast<double>(c.stats.latency->ValueAtPercentile(percentiles[i])) / 1000;
      out += fmt::format("p{}={:.3f}", labels[i], us);
    }
    out += "\r\n";
  }
  for (const auto& sub : c.subcommands) AppendLatencyStats(out, *sub, labels, percentiles);
}

// Percentiles of each command's latency histogram (none while latency-tracking is off).
std::string InfoLatencyStats(Server& s) {
  std::string out = "# Latencystats\r\n";
  s.FlushLatencySample();
  const Config& cfg = s.config();
  if (!cfg.latency_tracking) return out;
  std::vector<std::string> labels;
  for (double p : cfg.latency_tracking_info_percentiles) labels.push_back(PercentileText(p));
  for (const CommandSpec* c : s.commands().all())
    AppendLatencyStats(out, *c, labels, cfg.latency_tracking_info_percentiles);
  return out;
}

std::string InfoKeyspace(Server& s) {
  std::string out = "# Keyspace\r\n";
  Keyspace& ks = s.keyspace();
  for (int i = 0; i < ks.size(); ++i) {
    size_t n = ks.KeyCount(i);
    if (n == 0) continue;
    out += fmt::format("db{}:keys={},expires={},avg_ttl={}\r\n", i, n, ks.db(i).volatile_keys,
                       ks.db(i).avg_ttl);
  }
  return out;
}

struct Section {
  const char* name;
  std::string (*fn)(Server&);
  bool in_default;
};

const Section kSections[] = {
    {"server", InfoServer, true},
    {"clients", InfoClients, true},
    {"memory", InfoMemory, true},
    {"persistence", InfoPersistence, true},
    {"stats", InfoStats, true},
    {"replication", InfoReplication, true},
    {"cpu", InfoCpu, true},
    {"modules", [](Server&) { return std::string("# Modules\r\n"); }, true},
    {"commandstats", InfoCommandStats, false},
    {"errorstats", InfoErrorStats, true},
    {"latencystats", InfoLatencyStats, false},
    {"cluster", [](Server&) { return std::string("# Cluster\r\ncluster_enabled:0\r\n"); }, true},
    {"keyspace", InfoKeyspace, true},
};

void Info(CommandContext& ctx) {
  std::vector<bool> want(std::size(kSections), false);
  if (ctx.args.size() == 1) {
    for (size_t i = 0; i < want.size(); ++i) want[i] = kSections[i].in_default;
  }
  for (size_t a = 1; a < ctx.args.size(); ++a) {
    std::string_view arg = ctx.args[a];
    if (EqNoCase(arg, "all") || EqNoCase(arg, "everything")) {
      want.assign(want.size(), true);
    } else if (EqNoCase(arg, "default")) {
      for (size_t i = 0; i < want.size(); ++i) want[i] = want[i] || kSections[i].in_default;
    } else {
      for (size_t i = 0; i < want.size(); ++i)
        if (EqNoCase(arg, kSections[i].name)) want[i] = true;
    }
  }
  std::string out;
  for (size_t i = 0; i < want.size(); ++i) {
    if (!want[i]) continue;
    if (!out.empty()) out += "\r\n";
    out += kSections[i].fn(ctx.server);
  }
  ctx.reply.Verbatim(out);
}

// ---- CONFIG ----

void ConfigGet(CommandContext& ctx) {
  std::vector<std::pair<std::string, std::string>> all;
  for (size_t i = 2; i < ctx.args.size(); ++i) {
    for (auto& kv : ctx.server.config().Get(ctx.args[i])) {
      bool dup = false;
      for (auto& e : all)
        if (e.first == kv.first) dup = true;
      if (!dup) all.push_back(std::move(kv));
    }
  }
  ctx.reply.Map(all.size());
  for (auto& [k, v] : all) {
    ctx.reply.Bulk(k);
    ctx.reply.Bulk(v);
  }
}

void ConfigSet(CommandContext& ctx) {
  if ((ctx.args.size() - 2) % 2 != 0) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  Config& cfg = ctx.server.config();
  // Validate names and duplicates first, then apply all; roll back if one fails.
  std::vector<std::pair<std::string, std::string>> old;
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    if (!cfg.Exists(ctx.args[i])) {
      ctx.reply.Error(fmt::format(
          "ERR Unknown option or number of arguments for CONFIG SET - '{}'", ctx.args[i]));
      return;
    }
    for (size_t j = 2; j < i; j += 2)
      if (EqNoCase(ctx.args[i], ctx.args[j])) {
        ctx.reply.Error(fmt::format(
            "ERR CONFIG SET failed (possibly related to argument '{}') - duplicate parameter",
            ctx.args[i]));
        return;
      }
  }
  for (size_t i = 2; i < ctx.args.size(); i += 2) {
    old.emplace_back(std::string(ctx.args[i]), cfg.GetValue(ctx.args[i]));
    std::string e = cfg.Set(ctx.args[i], ctx.args[i + 1]);
    if (!e.empty()) {
      for (auto it = old.rbegin() + 1; it != old.rend(); ++it) cfg.Set(it->first, it->second);
      ctx.reply.Error("ERR " + e);
      return;
    }
  }
  ctx.reply.Ok();
}

void ConfigResetStat(CommandContext& ctx) {
  Server& s = ctx.server;
  ServerStats& st = s.stats();
  st.total_connections = st.rejected_connections = st.total_commands = 0;
  st.net_input_bytes = st.net_output_bytes = 0;
  st.total_error_replies = st.unexpected_error_replies = 0;
  st.errors.clear();
  s.keyspace().stats = KeyspaceStats{};
  s.lazyfree().ResetStats();
  s.FlushLatencySample();
  for (const CommandSpec* c : s.commands().all()) {
    c->stats = CommandStats{};
    for (const auto& sub : c->subcommands) sub->stats = CommandStats{};
  }
  ctx.reply.Ok();
}

void ConfigRewrite(CommandContext& ctx) {
  std::string e;
  if (!ctx.server.config().Rewrite(&e)) {
    Log(LogLevel::kWarning, "CONFIG REWRITE failed: {}", e);
    ctx.reply.Error("ERR " + e);
    return;
  }
  Log(LogLevel::kNotice, "CONFIG REWRITE executed with success.");
  ctx.reply.Ok();
}

void ConfigHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET <pattern>", "    Return parameters matching the glob-like <pattern> and their values.",
      "SET <directive> <value>", "    Set the configuration <directive> to <value>.",
      "RESETSTAT", "    Reset statistics reported by the INFO command.",
      "REWRITE", "    Rewrite the configuration file.",
      "HELP", "    Print this help."};
  ReplyHelp(ctx, kLines);
}

void Time(CommandContext& ctx) {
  ctx.server.UpdateClock();
  int64_t us = ctx.server.now_us();
  ctx.reply.Array(2);
  ctx.reply.BulkInt(us / 1000000);
  ctx.reply.BulkInt(us % 1000000);
}

void LastSave(CommandContext& ctx) { ctx.reply.Integer(ctx.server.rdb().lastsave_s); }

void Save(CommandContext& ctx) {
  Snapshotter& rdb = ctx.server.rdb();
  if (rdb.in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
    return;
  }
  ++rdb.saves;
  if (!rdb.Save()) {
    ctx.reply.Error("ERR");
    return;
  }
  ctx.reply.Ok();
}

// BGSAVE [SCHEDULE]
void BgSave(CommandContext& ctx) {
  bool schedule = false;
  if (ctx.args.size() > 1) {
    if (ctx.args.size() == 2 && EqNoCase(ctx.args[1], "SCHEDULE")) {
      schedule = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  Server& s = ctx.server;
  Snapshotter& rdb = s.rdb();
  if (rdb.in_progress()) {
    ctx.reply.Error("ERR Background save already in progress");
  } else if (s.child().active() || s.exec_depth > 0) {
    if (schedule || s.exec_depth > 0) {
      rdb.scheduled = true;
      ctx.reply.Simple("Background saving scheduled");
    } else {
      ctx.reply.Error(
          "ERR Another child process is active (AOF?): can't BGSAVE right now. Use BGSAVE "
          "SCHEDULE in order to schedule a BGSAVE whenever possible.");
    }
  } else if (rdb.BgSave()) {
    ctx.reply.Simple("Background saving started");
  } else {
    ctx.reply.Error("ERR");
  }
}

void BgRewriteAof(CommandContext& ctx) {
  Server& s = ctx.server;
  Aof& aof = *s.aof();
  if (aof.rewrite_in_progress()) {
    ctx.reply.Error("ERR Background append only file rewriting already in progress");
  } else if (s.child().active() || s.exec_depth > 0) {
    aof.rewrite_scheduled = true;
    aof.ResetFailures();
    ctx.reply.Simple("Background append only file rewriting scheduled");
  } else if (aof.StartRewrite()) {
    ctx.reply.Simple("Background append only file rewriting started");
  } else {
    ctx.reply.Error(
        "ERR Can't execute an AOF background rewriting. Please check the server logs for more "
        "information.");
  }
}

void Monitor(CommandContext& ctx) {
  if (ctx.conn.monitor) return;
  ctx.conn.monitor = true;
  ctx.server.monitors().push_back(&ctx.conn);
  ctx.reply.Ok();
}

// ---- SLOWLOG ----

void SlowlogGet(CommandContext& ctx) {
  int64_t count = 10;
  if (ctx.args.size() == 3) {
    if (!StringToInt64(ctx.args[2], &count) || count < -1) {
      ctx.reply.Error("ERR count should be greater than or equal to -1");
      return;
    }
    if (count == -1) count = INT64_MAX;
  }
  auto& log = ctx.server.slowlog();
  size_t n = std::min<size_t>(log.size(), static_cast<size_t>(count));
  ctx.reply.Array(n);
  for (size_t i = 0; i < n; ++i) {
    const SlowlogEntry& e = log[i];
    ctx.reply.Array(6);
    ctx.reply.Integer(static_cast<int64_t>(e.id));
    ctx.reply.Integer(e.time_s);
    ctx.reply.Integer(e.duration_us);
    ctx.reply.Array(e.args.size());
    for (const auto& a : e.args) ctx.reply.Bulk(a);
    ctx.reply.Bulk(e.peer);
    ctx.reply.Bulk(e.name);
  }
}

void SlowlogLen(CommandContext& ctx) {
  ctx.reply.Integer(static_cast<int64_t>(ctx.server.slowlog().size()));
}

void SlowlogReset(CommandContext& ctx) {
  ctx.server.slowlog().clear();
  ctx.reply.Ok();
}

void SlowlogHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "GET [<count>]",
      "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
      "    Entries are made of:",
      "    id, timestamp, time in microseconds, arguments array, client IP and port,",
      "    client name",
      "LEN", "    Return the length of the slowlog.",
      "RESET", "    Reset the slowlog.",
      "HELP", "    Print this help."};
  ReplyHelp(ctx, kLines);
}

// ---- LATENCY ----

void LatencyLatest(CommandContext& ctx) {
  auto& ev = ctx.server.latency_events();
  ctx.reply.Array(ev.size());
  for (auto& [name, e] : ev) {
    ctx.reply.Array(4);
    ctx.reply.Bulk(name);
    ctx.reply.Integer(e.samples.empty() ? 0 : e.samples.back().time_s);
    ctx.reply.Integer(e.samples.empty() ? 0 : e.samples.back().ms);
    ctx.reply.Integer(e.max_ms);
  }
}

void LatencyHistory(CommandContext& ctx) {
  auto& ev = ctx.server.latency_events();
  auto it = ev.find(std::string(ctx.args[2]));
  if (it == ev.end()) {
    ctx.reply.Array(0);
    return;
  }
  ctx.reply.Array(it->second.samples.size());
  for (auto& s : it->second.samples) {
    ctx.reply.Array(2);
    ctx.reply.Integer(s.time_s);
    ctx.reply.Integer(s.ms);
  }
}

void LatencyReset(CommandContext& ctx) {
  auto& ev = ctx.server.latency_events();
  int64_t n = 0;
  if (ctx.args.size() == 2) {
    n = static_cast<int64_t>(ev.size());
    ev.clear();
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i) n += ev.erase(std::string(ctx.args[i]));
  }
  ctx.reply.Integer(n);
}

void LatencyDoctor(CommandContext& ctx) {
  std::string out;
  if (ctx.server.latency_events().empty()) {
    out = "Dave, no latency spike was observed during the lifetime of this Sable instance, not "
          "in the slightest bit. I honestly think you ought to sleep better.\n";
  } else {
    for (auto& [name, e] : ctx.server.latency_events())
      out += fmt::format("{}: {} latency spikes (max {} ms)\n", name, e.samples.size(), e.max_ms);
  }
  ctx.reply.Verbatim(out);
}

void LatencyGraph(CommandContext& ctx) {
  auto& ev = ctx.server.latency_events();
  auto it = ev.find(std::string(ctx.args[2]));
  if (it == ev.end()) {
    ctx.reply.Error(fmt::format("ERR No samples available for event '{}'", ctx.args[2]));
    return;
  }
  std::string out = fmt::format("{} - high {} ms, low ...\n", it->first, it->second.max_ms);
  for (auto& s : it->second.samples) out += fmt::format("{} {}\n", s.time_s, s.ms);
  ctx.reply.Verbatim(out);
}

// Command name -> {calls, histogram_usec: {usec: cumulative calls}} at powers of two from
// 1024 ns (fillCommandCDF). Named commands (a container stands for its subcommands) or all.
void LatencyHistogramCmd(CommandContext& ctx) {
  ctx.server.FlushLatencySample();
  std::vector<const CommandSpec*> with;
  auto add = [&with](const CommandSpec& c, bool subs) {
    if (c.stats.latency != nullptr) with.push_back(&c);
    if (subs)
      for (const auto& s : c.subcommands)
        if (s->stats.latency != nullptr) with.push_back(s.get());
  };
  if (ctx.args.size() == 2) {
    for (const CommandSpec* c : ctx.server.commands().all()) add(*c, true);
  } else {
    for (size_t i = 2; i < ctx.args.size(); ++i)
      if (const CommandSpec* c = ctx.server.commands().FindByFullName(ctx.args[i])) add(*c, true);
  }
  ReplyWriter& w = ctx.reply;
  w.Map(with.size());
  for (const CommandSpec* c : with) {
    w.Bulk(c->FullName());
    w.Map(2);
    w.Bulk("calls");
    w.Integer(static_cast<int64_t>(c->stats.latency->total()));
    w.Bulk("histogram_usec");
    auto cdf = c->stats.latency->LogCdf(1024);
    w.Map(cdf.size());
    for (const auto& p : cdf) {
      w.Integer(p.highest / 1000);
      w.Integer(static_cast<int64_t>(p.cumulative));
    }
  }
}

void LatencyHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "LATENCY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR", "    Return a human readable latency analysis report.",
      "GRAPH <event>", "    Return an ASCII latency graph for the <event> class.",
      "HISTORY <event>", "    Return time-latency samples for the <event> class.",
      "LATEST", "    Return the latest latency samples for all events.",
      "RESET [<event> ...]", "    Reset latency data of one or more <event> classes.",
      "    (default: reset all data for all event classes)",
      "HISTOGRAM [COMMAND ...]",
      "    Return a cumulative distribution of latencies in the format of a histogram for the specified command names.",
      "    If no commands are specified then all histograms are replied.",
      "HELP", "    Print this help."};
  ReplyHelp(ctx, kLines);
}

// ---- MEMORY ----

void MemoryUsage(CommandContext& ctx) {
  if (ctx.args.size() != 3 && !(ctx.args.size() == 5 && EqNoCase(ctx.args[3], "SAMPLES"))) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (ctx.args.size() == 5) {
    int64_t n;
    if (!ArgInt64(ctx, ctx.args[4], &n)) return;
    if (n < 0) {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  KvEntry* e = Ks(ctx).Find(ctx.db, ctx.args[2], ctx.now_ms);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  // The entry itself plus its share of the bucket array.
  ctx.reply.Integer(static_cast<int64_t>(EntryMemory(e) + sizeof(void*)));
}

void MemoryStats(CommandContext& ctx) {
  Server& s = ctx.server;
  size_t used = s.UsedMemory();
  size_t keys = 0;
  for (int i = 0; i < s.keyspace().size(); ++i) keys += s.keyspace().KeyCount(i);
  ctx.reply.Map(8);
  ctx.reply.Bulk("peak.allocated");
  ctx.reply.Integer(static_cast<int64_t>(used));
  ctx.reply.Bulk("total.allocated");
  ctx.reply.Integer(static_cast<int64_t>(used));
  ctx.reply.Bulk("startup.allocated");
  ctx.reply.Integer(0);
  ctx.reply.Bulk("clients.normal");
  ctx.reply.Integer(0);
  ctx.reply.Bulk("keys.count");
  ctx.reply.Integer(static_cast<int64_t>(keys));
  ctx.reply.Bulk("keys.bytes-per-key");
  ctx.reply.Integer(keys ? static_cast<int64_t>(used / keys) : 0);
  ctx.reply.Bulk("dataset.bytes");
  ctx.reply.Integer(static_cast<int64_t>(used));
  ctx.reply.Bulk("allocator.resident");
  ctx.reply.Integer(static_cast<int64_t>(s.UsedMemoryRss()));
}

void MemoryDoctor(CommandContext& ctx) {
  ctx.reply.Verbatim("Hi Sam, I can't find any memory issue in your instance. I can only account "
                     "for what occurs on this base.\n");
}

void MemoryMallocStats(CommandContext& ctx) {
  std::string out;
#ifndef SABLE_NO_JEMALLOC
  malloc_stats_print(
      [](void* o, const char* s) { static_cast<std::string*>(o)->append(s); }, &out, nullptr);
#else
  out = "Stats not supported for the current allocator";
#endif
  ctx.reply.Verbatim(out);
}

void MemoryPurge(CommandContext& ctx) {
#ifndef SABLE_NO_JEMALLOC
  std::string purge = fmt::format("arena.{}.purge", MALLCTL_ARENAS_ALL);
  mallctl(purge.c_str(), nullptr, nullptr, nullptr, 0);
#endif
  ctx.reply.Ok();
}

void MemoryHelp(CommandContext& ctx) {
  static const char* kLines[] = {
      "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
      "DOCTOR", "    Return memory problems reports.",
      "MALLOC-STATS", "    Return internal statistics report from the memory allocator.",
      "PURGE", "    Attempt to purge dirty pages for reclamation by the allocator.",
      "STATS", "    Return information about the memory usage of the server.",
      "USAGE <key> [SAMPLES <count>]",
      "    Return memory in bytes used by <key> and its value. Nested values are",
      "    sampled up to <count> times (default: 5, 0 means sample all).",
      "HELP", "    Print this help."};
  ReplyHelp(ctx, kLines);
}

void Shutdown(CommandContext& ctx) {
  bool nosave = false, save = false, force = false, abort = false, now = false;
  for (size_t i = 1; i < ctx.args.size(); ++i) {
    std::string_view a = ctx.args[i];
    if (EqNoCase(a, "NOSAVE")) {
      nosave = true;
    } else if (EqNoCase(a, "SAVE")) {
      save = true;
    } else if (EqNoCase(a, "FORCE")) {
      force = true;
    } else if (EqNoCase(a, "NOW")) {
      now = true;
    } else if (EqNoCase(a, "ABORT")) {
      abort = true;
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  if ((abort && (nosave || save || force || now)) || (nosave && save)) {
    ctx.reply.Error(err::kSyntax);
    return;
  }
  if (abort) {
    if (ctx.server.AbortShutdown()) {
      ctx.reply.Ok();
    } else {
      ctx.reply.Error("ERR No shutdown in progress.");
    }
    return;
  }
  // A script past busy-reply-threshold: only SHUTDOWN NOSAVE may stop the server.
  if (!nosave && ctx.server.lua().timed_out()) {
    ctx.reply.Error(ctx.server.lua().busy_error());
    return;
  }
  std::string err;
  auto mode = save ? Server::ShutdownMode::kSave
                   : nosave ? Server::ShutdownMode::kNoSave : Server::ShutdownMode::kDefault;
  if (!ctx.server.Shutdown(mode, force, &err)) ctx.reply.Error("ERR " + err);
}

}  // namespace

void RegisterServerCommands(CommandTable& t) {
  const char* g = "server";
  const char* adm = "admin noscript loading stale";
  const char* acl_adm = "@admin @slow @dangerous";
  t.Add({"info", -1, "loading stale", 0, 0, 0, "@slow @dangerous", Info, g,
         "Information and statistics about the server"});
  CommandSpec* c = t.Add({"config", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for server configuration commands", "2.0.0"});
  t.AddSub(c, {"rewrite", 2, adm, 0, 0, 0, acl_adm, ConfigRewrite, g});
  t.AddSub(c, {"resetstat", 2, adm, 0, 0, 0, acl_adm, ConfigResetStat, g});
  t.AddSub(c, {"help", 2, "loading stale", 0, 0, 0, "@slow", ConfigHelp, g});
  t.AddSub(c, {"get", -3, adm, 0, 0, 0, acl_adm, ConfigGet, g});
  t.AddSub(c, {"set", -4, adm, 0, 0, 0, acl_adm, ConfigSet, g});
  t.Add({"time", 1, "loading stale fast", 0, 0, 0, "@fast", Time, g, "Server time", "2.6.0"});
  t.Add({"lastsave", 1, "loading stale fast", 0, 0, 0, "@admin @fast @dangerous", LastSave, g,
         "Time of the last successful save"});
  t.Add({"monitor", 1, adm, 0, 0, 0, acl_adm, Monitor, g, "Stream every command received"});
  t.Add({"save", 1, "admin noscript no_async_loading no_multi", 0, 0, 0, acl_adm, Save, g,
         "Synchronously save the dataset to disk"});
  t.Add({"bgsave", -1, "admin noscript no_async_loading", 0, 0, 0, acl_adm, BgSave, g,
         "Save the dataset to disk", "1.0.0"});
  t.Add({"bgrewriteaof", 1, "admin noscript no_async_loading", 0, 0, 0, acl_adm, BgRewriteAof,
         g, "Rewrite the append-only file", "1.0.0"});
  CommandSpec* s = t.Add({"slowlog", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for slow log commands", "2.2.12"});
  t.AddSub(s, {"help", 2, "loading stale", 0, 0, 0, "@slow", SlowlogHelp, g});
  t.AddSub(s, {"get", -2, "admin loading stale", 0, 0, 0, acl_adm, SlowlogGet, g});
  t.AddSub(s, {"reset", 2, "admin loading stale", 0, 0, 0, acl_adm, SlowlogReset, g});
  t.AddSub(s, {"len", 2, "admin loading stale", 0, 0, 0, acl_adm, SlowlogLen, g});
  CommandSpec* l = t.Add({"latency", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for latency diagnostics commands", "2.8.13"});
  t.AddSub(l, {"graph", 3, adm, 0, 0, 0, acl_adm, LatencyGraph, g});
  t.AddSub(l, {"histogram", -2, adm, 0, 0, 0, acl_adm, LatencyHistogramCmd, g});
  t.AddSub(l, {"history", 3, adm, 0, 0, 0, acl_adm, LatencyHistory, g});
  t.AddSub(l, {"doctor", 2, adm, 0, 0, 0, acl_adm, LatencyDoctor, g});
  t.AddSub(l, {"help", 2, "loading stale", 0, 0, 0, "@slow", LatencyHelp, g});
  t.AddSub(l, {"latest", 2, adm, 0, 0, 0, acl_adm, LatencyLatest, g});
  t.AddSub(l, {"reset", -2, adm, 0, 0, 0, acl_adm, LatencyReset, g});
  CommandSpec* m = t.Add({"memory", -2, "", 0, 0, 0, "@slow", nullptr, g,
                          "A container for memory diagnostics commands", "4.0.0"});
  t.AddSub(m, {"purge", 2, "", 0, 0, 0, "@slow", MemoryPurge, g});
  t.AddSub(m, {"help", 2, "loading stale", 0, 0, 0, "@slow", MemoryHelp, g});
  t.AddSub(m, {"malloc-stats", 2, "", 0, 0, 0, "@slow", MemoryMallocStats, g});
  t.AddSub(m, {"stats", 2, "", 0, 0, 0, "@slow", MemoryStats, g});
  t.AddSub(m, {"usage", -3, "readonly", 2, 2, 1, "@read @slow", MemoryUsage, g});
  t.AddSub(m, {"doctor", 2, "", 0, 0, 0, "@slow", MemoryDoctor, g});
  t.Add({"shutdown", -1, "admin noscript loading stale no_multi allow_busy", 0, 0, 0, acl_adm,
         Shutdown, g, "Stop the server"});
}

}  // namespace sable
