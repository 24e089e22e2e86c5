#include "server/snapshot.h"

#include "datastructs/numbers.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <cstring>
#include <vector>

#include "persistence/crc64.h"
#include "persistence/rdb.h"
#include "server/child.h"
#include "server/config.h"
#include "server/log.h"
#include "server/lua_engine.h"
#include "server/objects.h"
#include "server/resp_parser.h"
#include "server/server.h"

namespace sable {

namespace {

ObjType ObjTypeOfRdb(uint8_t t, bool* ok) {
  *ok = true;
  switch (t) {
    case rdb::kString: return ObjType::kString;
    case rdb::kList:
    case rdb::kListZiplist:
    case rdb::kListQuicklist:
    case rdb::kListQuicklist2: return ObjType::kList;
    case rdb::kSet:
    case rdb::kSetIntset: return ObjType::kSet;
    case rdb::kZSet:
    case rdb::kZSet2:
    case rdb::kZSetZiplist:
    case rdb::kZSetListpack: return ObjType::kZSet;
    case rdb::kHash:
    case rdb::kHashZipmap:
    case rdb::kHashZiplist:
    case rdb::kHashListpack: return ObjType::kHash;
    case rdb::kStreamListpacks:
    case rdb::kStreamListpacks2: return ObjType::kStream;
    default: *ok = false; return ObjType::kString;
  }
}

}  // namespace

RdbLoadLimits RdbLoadLimitsOf(const Config& c) {
  auto size = [](int64_t v) { return v < 0 ? size_t{0} : static_cast<size_t>(v); };
  RdbLoadLimits l;
  l.list_max_listpack_size = c.list_max_listpack_size;
  l.hash_max_listpack_entries = size(c.hash_max_listpack_entries);
  l.hash_max_listpack_value = size(c.hash_max_listpack_value);
  l.set_max_intset_entries = size(c.set_max_intset_entries);
  l.zset_max_listpack_entries = size(c.zset_max_listpack_entries);
  l.zset_max_listpack_value = size(c.zset_max_listpack_value);
  return l;
}

bool RdbCompressionOf(const Config& c) { return c.GetValue("rdbcompression") == "yes"; }

namespace {

// Images are drained into a sink in chunks of about this size.
constexpr size_t kDrainBytes = 64 * 1024;

}  // namespace

bool WriteRdbImage(Server& s, std::string* out, std::string* err, const ImageOptions& opt) {
  size_t start = out->size();
  uint64_t crc = 0;  // of what was drained
  bool checksum = s.config().GetValue("rdbchecksum") == "yes";
  auto drain = [&]() {
    if (opt.sink == nullptr || out->size() - start < kDrainBytes) return true;
    std::string_view chunk(out->data() + start, out->size() - start);
    if (checksum) crc = Crc64(crc, chunk.data(), chunk.size());
    if (!opt.sink->Write(chunk)) return false;
    out->resize(start);
    return true;
  };
  RdbEncoder enc(out, RdbCompressionOf(s.config()));
  enc.Header();
  enc.Aux("redis-ver", "7.0.15");
  enc.Aux("redis-bits", "64");
  enc.Aux("ctime", std::to_string(s.now_ms() / 1000));
  enc.Aux("used-mem", std::to_string(s.UsedMemory()));
  enc.Aux("aof-base", opt.aof_preamble ? "1" : "0");
  for (const std::string& code : s.lua().LibraryCodes()) {
    enc.Type(rdb::kFunction2);
    enc.String(code);
  }
  Keyspace& ks = s.keyspace();
  bool ok = true;
  size_t keys = 0;
  for (int db = 0; db < ks.size() && ok; ++db) {
    size_t n = ks.KeyCount(db);
    if (n == 0) continue;
    enc.SelectDb(static_cast<uint64_t>(db));
    enc.ResizeDb(n, ks.db(db).volatile_keys);
    ks.db(db).table.ForEach([&](KvEntry* e) {
      if (!ok) return;
      if (e->has_expire()) enc.ExpireMs(e->expire_ms());
      if (e->type() == ObjType::kString) {
        enc.Type(rdb::kString);
        enc.String(e->key());
        char tmp[24];
        if (e->enc() == Enc::kInt) {
          enc.Int(e->int_value());
        } else {
          enc.String(e->StringView(tmp));
        }
      } else {
        const ObjectOps* ops = GetObjectOps(e->type());
        if (ops->rdb_type == nullptr || ops->rdb_save == nullptr) {
          *err = fmt::format("values of type {} cannot be saved yet",
                             static_cast<int>(e->type()));
          ok = false;
          return;
        }
        enc.Type(ops->rdb_type(e->ptr()));
        enc.String(e->key());
        ops->rdb_save(e->ptr(), enc);
      }
      ChildProcess::OnKeySaved(keys++, opt.pname);
      if (!drain()) {
        *err = strerror(errno);
        ok = false;
      }
    });
  }
  if (!ok) {
    out->resize(start);
    return false;
  }
  enc.Eof(start, checksum, crc);
  if (opt.sink != nullptr) {
    if (!opt.sink->Write(std::string_view(out->data() + start, out->size() - start))) {
      *err = strerror(errno);
      out->resize(start);
      return false;
    }
    out->resize(start);
  }
  return true;
}

bool LoadRdbImage(Server& s, std::string_view data, RdbLoadStats* stats, std::string* err,
                  bool merge_functions) {
  RdbDecoder dec(data);
  if (!dec.Header(err)) return false;
  Keyspace& ks = s.keyspace();
  int db = 0;
  std::vector<std::string> functions;  // library codes, loaded once the image is read
  RdbRecord rec;
  rec.limits = RdbLoadLimitsOf(s.config());
  size_t empty_keys_skipped = 0;
  size_t reported = 0;  // bytes of the image already counted as loaded
  // Entries are inserted in small batches: each one's bucket is prefetched when it is decoded,
  // so the cache misses of a batch overlap instead of stalling one insert after another.
  struct Pending {
    KvEntry* e;
    uint64_t hash;
  };
  constexpr size_t kBatch = 16;
  Pending pending[kBatch];
  size_t npending = 0;
  auto flush = [&] {
    for (size_t i = 0; i < npending; ++i) ks.UpsertHashed(db, pending[i].e, pending[i].hash);
    npending = 0;
  };
  while (true) {
    if (!dec.Next(&rec, err)) {
      flush();
      *err = fmt::format("{} (at offset {})", *err, dec.offset());
      return false;
    }
    if (rec.kind != RdbRecord::kKey) flush();
    if (dec.offset() - reported >= 4096) {
      bool due = s.LoadingAdvance(dec.offset() - reported);
      reported = dec.offset();
      if (due) {  // clients are served: what was decoded so far is in the keyspace first
        flush();
        s.LoadingProcessEvents();
      }
    }
    switch (rec.kind) {
      case RdbRecord::kEof:
        if (!dec.VerifyChecksum(err)) return false;
        stats->image_bytes = dec.EndOffset();
        if (!functions.empty() &&
            !s.lua().RestoreLibraries(functions,
                                      merge_functions ? LuaEngine::RestorePolicy::kReplace
                                                      : LuaEngine::RestorePolicy::kAppend,
                                      err)) {
          return false;
        }
        return true;
      case RdbRecord::kSelectDb:
        if (rec.db >= static_cast<uint64_t>(ks.size())) {
          *err = fmt::format("FATAL: Data file was created with a Redis server configured to "
                             "handle more than {} databases. Exiting\n", ks.size());
          return false;
        }
        db = static_cast<int>(rec.db);
        break;
      case RdbRecord::kFunction:
        functions.push_back(std::move(rec.str));
        break;
      case RdbRecord::kAux:
        if (rec.aux_key == "used-mem") {
          int64_t v = 0;
          if (StringToInt64(rec.aux_value, &v) && v >= 0) s.set_loading_rdb_used_mem(v);
        }
        break;
      case RdbRecord::kResizeDb:
        // Size the table once instead of growing it through every power of two.
        ks.db(db).table.Reserve(static_cast<size_t>(rec.db_keys));
        break;
      case RdbRecord::kKey: {
        s.LoadingKeyDelay();
        if (rec.expire_ms >= 0 && rec.expire_ms <= s.now_ms()) {
          ++stats->keys_expired;
          break;
        }
        KvEntry* e;
        if (rec.type == rdb::kString) {
          e = KvEntry::NewString(rec.key, rec.str, rec.expire_ms, s.keyspace().InitialAccess());
        } else {
          bool known;
          ObjType t = ObjTypeOfRdb(rec.type, &known);
          const ObjectOps* ops = known ? GetObjectOps(t) : nullptr;
          if (ops == nullptr || ops->rdb_load == nullptr) {
            flush();
            *err = fmt::format("Unknown or unsupported RDB value type {} for key '{}'",
                               static_cast<int>(rec.type), rec.key);
            return false;
          }
          void* obj = ops->rdb_load(rec, err);
          if (obj == nullptr && *err == rdb::kEmptyKeyError) {
            // As Redis: older versions could save empty collections; they are skipped.
            if (empty_keys_skipped++ < 10) {
              Log(LogLevel::kWarning, "rdbLoadObject skipping empty key: {}", rec.key);
            }
            err->clear();
            break;
          }
          if (obj == nullptr) {
            flush();
            *err = fmt::format("Corrupt value for key '{}': {}", rec.key, *err);
            return false;
          }
          e = KvEntry::NewPtr(rec.key, t, obj, rec.expire_ms, s.keyspace().InitialAccess());
        }
        // A duplicate key replaces the earlier one (Redis: DEBUG RELOAD MERGE).
        uint64_t hash = ks.db(db).table.HashKey(e->key());
        ks.db(db).table.Prefetch(hash);
        pending[npending++] = {e, hash};
        if (npending == kBatch) flush();
        ++stats->keys_loaded;
        break;
      }
    }
  }
}

}  // namespace sable

namespace sable {

bool WriteRespImage(Server& s, std::string* out, std::string* err, const ImageOptions& opt) {
  size_t start = out->size();
  // As Redis's rewriteAppendOnlyFile: a RESP base starts with a timestamp annotation when
  // aof-timestamp-enabled is on.
  if (s.config().aof_timestamp_enabled) *out += fmt::format("#TS:{}\r\n", s.now_ms() / 1000);
  auto cmd = [&](std::initializer_list<std::string_view> args) { AppendRespCommand(out, args); };
  auto drain = [&](bool all) {
    if (opt.sink == nullptr || (!all && out->size() - start < kDrainBytes)) return true;
    if (!opt.sink->Write(std::string_view(out->data() + start, out->size() - start))) {
      *err = strerror(errno);
      return false;
    }
    out->resize(start);
    return true;
  };
  for (const std::string& code : s.lua().LibraryCodes()) cmd({"FUNCTION", "LOAD", code});
  Keyspace& ks = s.keyspace();
  bool ok = true;
  size_t keys = 0;
  for (int db = 0; db < ks.size() && ok; ++db) {
    if (ks.KeyCount(db) == 0) continue;
    std::string d = std::to_string(db);
    cmd({"SELECT", d});
    ks.db(db).table.ForEach([&](KvEntry* e) {
      if (!ok) return;
      if (e->type() == ObjType::kString) {
        char tmp[24];
        cmd({"SET", e->key(), e->StringView(tmp)});
      } else {
        // Collections are rebuilt with RESTORE of their DUMP payload: one command per key
        // whatever the size, and loadable by redis-server as well.
        std::string payload;
        if (!DumpPayload(e, &payload, err, RdbCompressionOf(s.config()))) {
          ok = false;
          return;
        }
        cmd({"RESTORE", e->key(), "0", payload, "REPLACE"});
      }
      if (e->has_expire()) {
        std::string w = std::to_string(e->expire_ms());
        cmd({"PEXPIREAT", e->key(), w});
      }
      ChildProcess::OnKeySaved(keys++, opt.pname);
      ok = drain(false);
    });
  }
  return ok && drain(true);
}

namespace {

// A file written with write(2); fdatasync every 4 MB when `autosync` (Redis's
// REDIS_AUTOSYNC_BYTES with rdb-save-incremental-fsync / aof-rewrite-incremental-fsync).
class FileSink : public ImageSink {
 public:
  FileSink(int fd, bool autosync) : fd_(fd), autosync_(autosync) {}
  bool Write(std::string_view chunk) override {
    const char* p = chunk.data();
    size_t n = chunk.size();
    while (n > 0) {
      ssize_t w = ::write(fd_, p, n);
      if (w < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      if (w == 0) {
        errno = ENOSPC;
        return false;
      }
      p += w;
      n -= static_cast<size_t>(w);
    }
    unsynced_ += chunk.size();
    if (autosync_ && unsynced_ >= kAutoSyncBytes) {
      if (fdatasync(fd_) != 0) return false;
      unsynced_ = 0;
    }
    return true;
  }

 private:
  static constexpr size_t kAutoSyncBytes = 4 * 1024 * 1024;
  int fd_;
  bool autosync_;
  size_t unsynced_ = 0;
};

std::string Cwd() {
  char buf[4096];
  return getcwd(buf, sizeof(buf)) ? std::string(buf) : std::string("unknown");
}

// fsync of the directory holding `path` (Redis's fsyncFileDir).
bool FsyncFileDir(const std::string& path) {
  std::string dir = ".";
  size_t slash = path.rfind('/');
  if (slash != std::string::npos) dir = slash == 0 ? "/" : path.substr(0, slash);
  int fd = open(dir.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno == EACCES || errno == EPERM;  // as Redis: some fs refuse; not fatal
  int rc = fsync(fd);
  int e = errno;
  close(fd);
  errno = e;
  return rc == 0 || errno == EINVAL || errno == EBADF;
}

}  // namespace

bool RdbSaveFile(Server& s, const std::string& filename) {
  std::string tmp = fmt::format("temp-{}.rdb", getpid());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    Log(LogLevel::kWarning,
        "Failed opening the temp RDB file {} (in server root dir {}) for saving: {}", tmp, Cwd(),
        strerror(errno));
    return false;
  }
  FileSink sink(fd, s.config().GetValue("rdb-save-incremental-fsync") == "yes");
  ImageOptions opt;
  opt.sink = &sink;
  opt.pname = "RDB";
  std::string buf, err;
  const char* op = nullptr;
  if (!WriteRdbImage(s, &buf, &err, opt)) {
    op = "rdbSaveRio";
  } else if (fsync(fd) != 0) {
    op = "fsync";
  }
  if (op == nullptr && close(fd) != 0) {
    fd = -1;
    op = "fclose";
  }
  if (op != nullptr) {
    int e = errno;
    Log(LogLevel::kWarning, "Write error saving DB on disk({}): {}", op,
        err.empty() ? strerror(e) : err.c_str());
    if (fd >= 0) close(fd);
    unlink(tmp.c_str());
    return false;
  }
  if (rename(tmp.c_str(), filename.c_str()) != 0) {
    Log(LogLevel::kWarning,
        "Error moving temp DB file {} on the final destination {} (in server root dir {}): {}",
        tmp, filename, Cwd(), strerror(errno));
    unlink(tmp.c_str());
    return false;
  }
  if (!FsyncFileDir(filename)) {
    Log(LogLevel::kWarning, "Write error saving DB on disk(fsyncFileDir): {}", strerror(errno));
    return false;
  }
  Log(LogLevel::kNotice, "DB saved on disk");
  return true;
}

bool WriteImageFile(Server& s, const std::string& tmpfile, bool rdb_preamble) {
  int fd = open(tmpfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    Log(LogLevel::kWarning, "Opening the temp file for AOF rewrite in rewriteAppendOnlyFile(): {}",
        strerror(errno));
    return false;
  }
  FileSink sink(fd, s.config().GetValue("aof-rewrite-incremental-fsync") == "yes");
  ImageOptions opt;
  opt.sink = &sink;
  opt.aof_preamble = rdb_preamble;
  opt.pname = "AOF rewrite";
  std::string buf, err;
  bool ok = rdb_preamble ? WriteRdbImage(s, &buf, &err, opt) : WriteRespImage(s, &buf, &err, opt);
  if (ok && fsync(fd) != 0) ok = false;
  int e = errno;
  if (close(fd) != 0 && ok) {
    ok = false;
    e = errno;
  }
  if (!ok) {
    Log(LogLevel::kWarning, "Write error writing append only file on disk: {}",
        err.empty() ? strerror(e) : err.c_str());
    unlink(tmpfile.c_str());
  }
  return ok;
}

bool LoadRdbFile(Server& s, const std::string& path, bool* found, RdbLoadStats* stats,
                 std::string* err, bool merge_functions) {
  FILE* f = fopen(path.c_str(), "rb");
  *found = f != nullptr;
  if (f == nullptr) return true;
  std::string data;
  char buf[1 << 16];
  size_t n;
  while ((n = fread(buf, 1, sizeof(buf), f)) > 0) data.append(buf, n);
  fclose(f);
  s.keyspace().expiry_paused = true;
  s.StartLoading(data.size());
  bool ok = LoadRdbImage(s, data, stats, err, merge_functions);
  s.StopLoading(ok);
  s.keyspace().expiry_paused = false;
  return ok;
}

}  // namespace sable

namespace sable {

Snapshotter::Snapshotter(Server* s) : s_(s) { lastsave_s = s->now_ms() / 1000; }

std::string Snapshotter::Filename() const { return s_->config().GetValue("dbfilename"); }

bool Snapshotter::in_progress() const { return s_->child().type() == ChildType::kRdb; }

bool Snapshotter::WritesDenied() const {
  return !last_bgsave_ok && !s_->config().save.empty() &&
         s_->config().GetValue("stop-writes-on-bgsave-error") == "yes";
}

bool Snapshotter::Save() {
  if (!RdbSaveFile(*s_, Filename())) return false;
  s_->stats().dirty = 0;
  s_->UpdateClock();
  lastsave_s = s_->now_ms() / 1000;
  last_bgsave_ok = true;
  return true;
}

bool Snapshotter::BgSave() {
  ChildProcess& child = s_->child();
  if (child.active()) return false;
  ++saves;
  dirty_before_bgsave = s_->stats().dirty;
  s_->UpdateClock();
  last_bgsave_try_s = s_->now_ms() / 1000;
  size_t keys = 0;
  for (int i = 0; i < s_->keyspace().size(); ++i) keys += s_->keyspace().KeyCount(i);
  std::string filename = Filename();
  pid_t pid = child.Fork(*s_, ChildType::kRdb, keys, [this, &filename]() {
    bool ok = RdbSaveFile(*s_, filename);
    if (ok) ChildProcess::SendInfo(ChildInfoType::kRdbCowSize, 0, "RDB");
    return ok ? 0 : 1;
  });
  if (pid < 0) {
    last_bgsave_ok = false;
    Log(LogLevel::kWarning, "Can't save in background: fork: {}", strerror(errno));
    return false;
  }
  Log(LogLevel::kNotice, "Background saving started by pid {}", pid);
  save_time_start_s = s_->now_ms() / 1000;
  return true;
}

void Snapshotter::OnChildDone(int exitcode, int bysignal) {
  s_->UpdateClock();
  int64_t now_s = s_->now_ms() / 1000;
  if (bysignal == 0 && exitcode == 0) {
    Log(LogLevel::kNotice, "Background saving terminated with success");
    s_->stats().dirty -= std::min(s_->stats().dirty, dirty_before_bgsave);
    lastsave_s = now_s;
    last_bgsave_ok = true;
  } else if (bysignal == 0) {
    Log(LogLevel::kWarning, "Background saving error");
    last_bgsave_ok = false;
  } else {
    Log(LogLevel::kWarning, "Background saving terminated by signal {}", bysignal);
    unlink(fmt::format("temp-{}.rdb", s_->child().pid()).c_str());
    // SIGUSR1 is how the server stops its own child: not an error.
    if (bysignal != SIGUSR1) last_bgsave_ok = false;
  }
  save_time_last_s = now_s - save_time_start_s;
  save_time_start_s = -1;
}

void Snapshotter::KillChild() {
  if (!in_progress()) return;
  pid_t pid = s_->child().pid();
  s_->child().Kill(false);
  unlink(fmt::format("temp-{}.rdb", pid).c_str());
}

void Snapshotter::Cron() {
  if (s_->child().active()) return;
  int64_t now_s = s_->now_ms() / 1000;
  // Redis's CONFIG_BGSAVE_RETRY_DELAY: after a failed save, wait before trying again.
  constexpr int64_t kRetryDelay = 5;
  bool may_retry = last_bgsave_ok || now_s - last_bgsave_try_s > kRetryDelay;
  for (const SavePoint& sp : s_->config().save) {
    if (s_->stats().dirty >= static_cast<uint64_t>(sp.changes) &&
        now_s - lastsave_s > sp.seconds && may_retry) {
      Log(LogLevel::kNotice, "{} changes in {} seconds. Saving...", sp.changes, sp.seconds);
      BgSave();
      break;
    }
  }
}

}  // namespace sable
