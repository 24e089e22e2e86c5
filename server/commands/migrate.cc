// MIGRATE: keys move to another server as RESTORE commands carrying DUMP payloads, over a
// connection kept for 10 seconds per target (Redis's migrate socket cache). As in Redis the
// transfer is synchronous: the loop waits for the target, bounded by the timeout argument.
// Without COPY, the keys the target acknowledged are deleted here and propagated as DEL.
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fmt/format.h>

#include <cerrno>
#include <map>
#include <string>
#include <vector>

#include "server/commands/util.h"
#include "server/connection.h"
#include "server/objects.h"
#include "server/resp_parser.h"
#include "server/snapshot.h"

namespace sable {

namespace {

constexpr int64_t kSocketCacheTtlMs = 10000;  // Redis's MIGRATE_SOCKET_CACHE_TTL
constexpr size_t kSocketCacheMax = 64;        // MIGRATE_SOCKET_CACHE_ITEMS

struct CachedSocket {
  int fd = -1;
  int64_t last_db = -1;  // the target's selected db (-1: unknown, SELECT next time)
  int64_t last_use_ms = 0;
};

// One process, one loop thread: the cache lives as long as the server.
std::map<std::string, CachedSocket>& Cache() {
  static std::map<std::string, CachedSocket> cache;
  return cache;
}

void CloseCached(const std::string& name) {
  auto it = Cache().find(name);
  if (it == Cache().end()) return;
  close(it->second.fd);
  Cache().erase(it);
}

// Waits until fd is ready for `events`, at most timeout_ms. False on timeout (errno
// ETIMEDOUT) or error.
bool WaitFd(int fd, short events, int64_t timeout_ms) {
  pollfd p{fd, events, 0};
  int rc;
  do {
    rc = poll(&p, 1, static_cast<int>(timeout_ms));
  } while (rc < 0 && errno == EINTR);
  if (rc == 0) errno = ETIMEDOUT;
  return rc > 0;
}

int ConnectWithTimeout(const std::string& host, const std::string& port, int64_t timeout_ms) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host.c_str(), port.c_str(), &hints, &res) != 0) return -1;
  int fd = -1;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc == 0 || (errno == EINPROGRESS && WaitFd(fd, POLLOUT, timeout_ms))) {
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      if (err == 0) break;
      errno = err;
    }
    int saved = errno;
    close(fd);
    errno = saved;
    fd = -1;
  }
  int saved = errno;
  freeaddrinfo(res);
  errno = saved;
  if (fd >= 0) {
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  return fd;
}

// Writes all of `data` within the timeout (Redis's syncWrite).
bool SyncWrite(int fd, std::string_view data, int64_t timeout_ms) {
  size_t pos = 0;
  while (pos < data.size()) {
    ssize_t n = send(fd, data.data() + pos, data.size() - pos, MSG_NOSIGNAL);
    if (n > 0) {
      pos += static_cast<size_t>(n);
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFd(fd, POLLOUT, timeout_ms)) return false;
    } else {
      return false;
    }
  }
  return true;
}

// Reads one reply line (the target only answers +OK / -ERR lines here), without its CRLF.
bool SyncReadLine(int fd, std::string* line, int64_t timeout_ms) {
  line->clear();
  char ch;
  while (true) {
    ssize_t n = recv(fd, &ch, 1, 0);
    if (n == 1) {
      if (ch == '\n') break;
      line->push_back(ch);
      if (line->size() > 1024 * 1024) return false;
    } else if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
      if (!WaitFd(fd, POLLIN, timeout_ms)) return false;
    } else {
      if (n == 0) errno = ECONNRESET;
      return false;
    }
  }
  if (!line->empty() && line->back() == '\r') line->pop_back();
  return !line->empty();
}

struct MigrateArgs {
  bool copy = false, replace = false;
  std::string_view username, password;
  bool auth = false;
  size_t first_key = 3, num_keys = 1;
  int64_t db = 0, timeout_ms = 0;
};

bool ParseMigrate(CommandContext& ctx, MigrateArgs* m) {
  size_t argc = ctx.args.size();
  for (size_t j = 6; j < argc; ++j) {
    size_t more = argc - 1 - j;
    std::string_view o = ctx.args[j];
    if (EqNoCase(o, "COPY")) {
      m->copy = true;
    } else if (EqNoCase(o, "REPLACE")) {
      m->replace = true;
    } else if (EqNoCase(o, "AUTH") && more >= 1) {
      m->auth = true;
      m->password = ctx.args[++j];
    } else if (EqNoCase(o, "AUTH2") && more >= 2) {
      m->auth = true;
      m->username = ctx.args[++j];
      m->password = ctx.args[++j];
    } else if (EqNoCase(o, "KEYS")) {
      if (!ctx.args[3].empty()) {
        ctx.reply.Error(
            "ERR When using MIGRATE KEYS option, the key argument must be set to the empty "
            "string");
        return false;
      }
      m->first_key = j + 1;
      m->num_keys = argc - j - 1;
      break;
    } else {
      ctx.reply.Error(err::kSyntax);
      return false;
    }
  }
  if (!ArgInt64(ctx, ctx.args[5], &m->timeout_ms) || !ArgInt64(ctx, ctx.args[4], &m->db))
    return false;
  if (m->timeout_ms <= 0) m->timeout_ms = 1000;
  return true;
}

void Migrate(CommandContext& ctx) {
  MigrateArgs m;
  if (!ParseMigrate(ctx, &m)) return;
  // The keys that are here (all missing: +NOKEY, not an error: they may just have expired).
  std::vector<std::string_view> keys;
  for (size_t j = 0; j < m.num_keys; ++j)
    if (LookupRead(ctx, ctx.args[m.first_key + j]) != nullptr)
      keys.push_back(ctx.args[m.first_key + j]);
  if (keys.empty()) {
    ctx.reply.Simple("NOKEY");
    return;
  }
  std::string target = fmt::format("{}:{}", ctx.args[1], ctx.args[2]);
  bool may_retry = true;
  while (true) {
    auto it = Cache().find(target);
    if (it == Cache().end()) {
      if (Cache().size() >= kSocketCacheMax) CloseCached(Cache().begin()->first);
      int fd = ConnectWithTimeout(std::string(ctx.args[1]), std::string(ctx.args[2]),
                                  m.timeout_ms);
      if (fd < 0) {
        // As redis-server: a connection attempt that times out is reported as such; one
        // the target refuses shows up as a failed write.
        ctx.reply.Error(errno == ETIMEDOUT
                            ? "IOERR error or timeout connecting to the client"
                            : "IOERR error or timeout writing to target instance");
        return;
      }
      it = Cache().emplace(target, CachedSocket{fd, -1, ctx.now_ms}).first;
    }
    CachedSocket& cs = it->second;
    cs.last_use_ms = ctx.now_ms;
    std::string cmd;
    if (m.auth) {
      if (m.username.empty()) {
        AppendRespCommand(&cmd, {"AUTH", m.password});
      } else {
        AppendRespCommand(&cmd, {"AUTH", m.username, m.password});
      }
    }
    bool select = cs.last_db != m.db;
    if (select) AppendRespCommand(&cmd, {"SELECT", std::to_string(m.db)});
    // Keys that expired since the lookup above are left out.
    std::vector<std::string_view> sent;
    for (std::string_view k : keys) {
      KvEntry* e = Ks(ctx).Find(ctx.db, k, ctx.now_ms);
      if (e == nullptr) continue;
      int64_t ttl = 0;
      if (e->has_expire()) ttl = std::max<int64_t>(e->expire_ms() - ctx.now_ms, 1);
      std::string payload, err;
      if (!DumpPayload(e, &payload, &err, RdbCompressionOf(ctx.server.config()))) {
        ctx.reply.Error(err);
        return;
      }
      std::string ttl_text = std::to_string(ttl);
      if (m.replace) {
        AppendRespCommand(&cmd, {"RESTORE", k, ttl_text, payload, "REPLACE"});
      } else {
        AppendRespCommand(&cmd, {"RESTORE", k, ttl_text, payload});
      }
      sent.push_back(k);
    }
    bool write_error = false, socket_error = false;
    std::string auth_reply, select_reply, line;
    std::string target_error;
    std::vector<std::string_view> moved;
    size_t replies = 0;
    errno = 0;
    if (!SyncWrite(cs.fd, cmd, m.timeout_ms)) {
      write_error = socket_error = true;
    } else if ((m.auth && !SyncReadLine(cs.fd, &auth_reply, m.timeout_ms)) ||
               (select && !SyncReadLine(cs.fd, &select_reply, m.timeout_ms))) {
      socket_error = true;
    } else {
      for (; replies < sent.size(); ++replies) {
        if (!SyncReadLine(cs.fd, &line, m.timeout_ms)) {
          socket_error = true;
          break;
        }
        const std::string* err_line = nullptr;
        if (m.auth && auth_reply[0] == '-') {
          err_line = &auth_reply;
        } else if (select && select_reply[0] == '-') {
          err_line = &select_reply;
        } else if (line[0] == '-') {
          err_line = &line;
        }
        if (err_line != nullptr) {
          if (target_error.empty()) {
            cs.last_db = -1;  // after an error the target's db is not known
            target_error = "ERR Target instance replied with error: " + err_line->substr(1);
          }
        } else if (!m.copy) {
          moved.push_back(sent[replies]);
        }
      }
    }
    int saved_errno = errno;
    // A cached connection the target closed meanwhile: one retry on a new one, as long as
    // nothing was acknowledged and it was not a timeout.
    if (socket_error && target_error.empty() && replies == 0 && may_retry &&
        saved_errno != ETIMEDOUT) {
      CloseCached(target);
      may_retry = false;
      continue;
    }
    if (socket_error) CloseCached(target);
    // What the target acknowledged leaves this server (DEL for the AOF and replicas).
    if (!moved.empty()) {
      std::vector<std::string> del{"DEL"};
      for (std::string_view k : moved) {
        Ks(ctx).Delete(ctx.db, k);
        SignalModifiedKey(ctx, k);
        NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", k);
        del.emplace_back(k);
      }
      Dirty(ctx, static_cast<int64_t>(moved.size()));
      if (ctx.server.propagating()) ctx.server.PropagateAs(ctx.db, std::move(del));
    } else {
      PropagateNothing(ctx);
    }
    if (!target_error.empty()) {
      ctx.reply.Error(target_error);
    } else if (socket_error) {
      ctx.reply.Error(fmt::format("IOERR error or timeout {} to target instance",
                                  write_error ? "writing" : "reading"));
    } else {
      if (!socket_error) Cache()[target].last_db = m.db;
      ctx.reply.Ok();
    }
    return;
  }
}

// COMMAND GETKEYS: the key argument, or the keys after KEYS.
void MigrateKeys(ArgList args, std::vector<int>* out) {
  size_t argc = args.size();
  for (size_t i = 6; i < argc; ++i) {
    if (EqNoCase(args[i], "AUTH")) {
      ++i;
    } else if (EqNoCase(args[i], "AUTH2")) {
      i += 2;
    } else if (EqNoCase(args[i], "KEYS")) {
      if (!args[3].empty()) return;
      for (size_t k = i + 1; k < argc; ++k) out->push_back(static_cast<int>(k));
      return;
    }
  }
  out->push_back(3);
}

}  // namespace

void MigrateCloseIdleSockets(int64_t now_ms) {
  std::vector<std::string> idle;
  for (const auto& [name, cs] : Cache())
    if (now_ms - cs.last_use_ms > kSocketCacheTtlMs) idle.push_back(name);
  for (const std::string& name : idle) CloseCached(name);
}

size_t MigrateCachedSockets() { return Cache().size(); }

void RegisterMigrateCommands(CommandTable& t) {
  t.Add({"migrate", -6, "write movablekeys", 3, 3, 1,
         "@keyspace @write @slow @dangerous", Migrate, "generic",
         "Atomically transfer a key from a Redis instance to another one.", "2.6.0"})
      ->keys_fn = MigrateKeys;
}

}  // namespace sable
