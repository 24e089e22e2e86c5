// DUMP and RESTORE with Redis's payload format: the RDB serialisation of one value, then the
// RDB version (2 bytes LE) and a CRC64 (8 bytes LE) of everything before it.
#include <fmt/format.h>

#include <climits>

#include "persistence/crc64.h"
#include "persistence/rdb.h"
#include "server/commands/util.h"
#include "server/objects.h"
#include "server/snapshot.h"

namespace sable {

namespace {

void Dump(CommandContext& ctx) {
  KvEntry* e = LookupRead(ctx, ctx.args[1]);
  if (e == nullptr) {
    ctx.reply.Null();
    return;
  }
  std::string payload, err;
  if (!DumpPayload(e, &payload, &err, RdbCompressionOf(ctx.server.config()))) {
    ctx.reply.Error(err);
    return;
  }
  ctx.reply.Bulk(payload);
}

bool VerifyPayload(std::string_view p) {
  if (p.size() < 10) return false;
  const auto* b = reinterpret_cast<const unsigned char*>(p.data());
  size_t n = p.size();
  int ver = b[n - 10] | (b[n - 9] << 8);
  if (ver > rdb::kVersion) return false;
  uint64_t stored = 0;
  for (int i = 7; i >= 0; --i) stored = (stored << 8) | b[n - 8 + i];
  return Crc64(0, p.data(), n - 8) == stored;
}

void Restore(CommandContext& ctx) {
  std::string_view key = ctx.args[1];
  bool replace = false, absttl = false;
  int64_t idle = -1, freq = -1;
  for (size_t i = 4; i < ctx.args.size(); ++i) {
    std::string_view o = ctx.args[i];
    bool more = i + 1 < ctx.args.size();
    if (EqNoCase(o, "REPLACE")) {
      replace = true;
    } else if (EqNoCase(o, "ABSTTL")) {
      absttl = true;
    } else if (EqNoCase(o, "IDLETIME") && more && freq == -1) {
      if (!ArgInt64(ctx, ctx.args[++i], &idle)) return;
      if (idle < 0) {
        ctx.reply.Error("ERR Invalid IDLETIME value, must be >= 0");
        return;
      }
    } else if (EqNoCase(o, "FREQ") && more && idle == -1) {
      if (!ArgInt64(ctx, ctx.args[++i], &freq)) return;
      if (freq < 0 || freq > 255) {
        ctx.reply.Error("ERR Invalid FREQ value, must be >= 0 and <= 255");
        return;
      }
    } else {
      ctx.reply.Error(err::kSyntax);
      return;
    }
  }
  int64_t ttl;
  if (!ArgInt64(ctx, ctx.args[2], &ttl)) return;
  if (ttl < 0) {
    ctx.reply.Error("ERR Invalid TTL value, must be >= 0");
    return;
  }
  Keyspace& ks = Ks(ctx);
  bool exists = LookupWrite(ctx, key) != nullptr;
  if (exists && !replace) {
    ctx.reply.Error("BUSYKEY Target key name already exists.");
    return;
  }
  std::string_view payload = ctx.args[3];
  if (!VerifyPayload(payload)) {
    ctx.reply.Error("ERR DUMP payload version or checksum are wrong");
    return;
  }
  if (payload.size() < 11) {  // nothing before the footer, not even a type byte
    ctx.reply.Error("ERR Bad data format");
    return;
  }
  uint8_t type = static_cast<uint8_t>(payload[0]);
  std::string_view body = payload.substr(1, payload.size() - 11);
  RdbDecoder vdec(body);
  RdbRecord rec;
  rec.type = type;
  rec.key = std::string(key);
  rec.limits = RdbLoadLimitsOf(ctx.server.config());
  std::string err;
  if (!vdec.ReadValue(type, &rec, &err) || vdec.offset() != body.size()) {
    ctx.reply.Error("ERR Bad data format");
    return;
  }
  int64_t when = -1;
  if (ttl > 0) {
    when = absttl ? ttl : ctx.now_ms + ttl;
    if (!absttl && ttl > LLONG_MAX - ctx.now_ms) when = LLONG_MAX;
  }
  KvEntry* e;
  // As Redis's objectSetLRUOrLFU: FREQ counts only under an LFU policy, IDLETIME only under
  // the others; an idle time past the clock's start gives a time half-way in the future.
  uint32_t lru = LruClock(ctx);
  if (Ks(ctx).lfu) {
    if (freq >= 0) lru = Ks(ctx).LfuAccess(static_cast<uint8_t>(freq));
  } else if (idle >= 0) {
    int64_t abs = static_cast<int64_t>(Ks(ctx).lru_clock) - idle;
    if (abs < 0) abs = (Ks(ctx).lru_clock + KvEntry::kLruMax / 2) % KvEntry::kLruMax;
    lru = static_cast<uint32_t>(abs);
  }
  if (type == rdb::kString) {
    e = KvEntry::NewString(key, rec.str, -1, lru);
  } else {
    ObjType t;
    switch (type) {
      case rdb::kList: case rdb::kListZiplist: case rdb::kListQuicklist:
      case rdb::kListQuicklist2: t = ObjType::kList; break;
      case rdb::kSet: case rdb::kSetIntset: t = ObjType::kSet; break;
      case rdb::kZSet: case rdb::kZSet2: case rdb::kZSetZiplist:
      case rdb::kZSetListpack: t = ObjType::kZSet; break;
      case rdb::kHash: case rdb::kHashZipmap: case rdb::kHashZiplist:
      case rdb::kHashListpack: t = ObjType::kHash; break;
      case rdb::kStreamListpacks: case rdb::kStreamListpacks2: t = ObjType::kStream; break;
      default:
        ctx.reply.Error("ERR Bad data format");
        return;
    }
    const ObjectOps* ops = GetObjectOps(t);
    void* obj = ops->rdb_load ? ops->rdb_load(rec, &err) : nullptr;
    if (obj == nullptr) {
      ctx.reply.Error("ERR Bad data format");
      return;
    }
    e = KvEntry::NewPtr(key, t, obj, -1, lru);
  }
  if (exists) ks.Delete(ctx.db, key);
  if (when >= 0 && when <= ctx.now_ms) {
    // Already expired: nothing is created (an existing key was replaced by nothing).
    KvEntry::Free(e);
    if (exists) {
      Dirty(ctx);
      PropagateAs(ctx, {"DEL", key});
      NotifyKeyspaceEvent(ctx, kNotifyGeneric, "del", key);
    } else {
      PropagateNothing(ctx);
    }
    ctx.reply.Ok();
    return;
  }
  ks.Insert(ctx.db, e);
  if (when >= 0) {
    KvEntry** link = ks.FindLink(ctx.db, key, ctx.now_ms);
    ks.SetExpire(ctx.db, link, when);
  }
  KeyReady(ctx, key);
  NotifyKeyspaceEvent(ctx, kNotifyGeneric, "restore", key);
  Dirty(ctx);
  if (ttl > 0 && !absttl) {
    // Propagate the absolute expiry so replicas and the AOF agree on when it ends.
    std::vector<std::string> args(ctx.args.begin(), ctx.args.end());
    args[2] = std::to_string(when);
    args.push_back("ABSTTL");
    ctx.server.PropagateAs(ctx.db, std::move(args));
  }
  ctx.reply.Ok();
}

}  // namespace

void RegisterDumpCommands(CommandTable& t) {
  t.Add({"dump", 2, "readonly", 1, 1, 1, "@keyspace @read @slow", Dump, "generic",
         "Serialized value of a key", "2.6.0"});
  t.Add({"restore", -4, "write denyoom", 1, 1, 1, "@keyspace @write @slow @dangerous", Restore,
         "generic", "Create a key from a DUMP payload", "2.6.0"});
  // Without cluster support, RESTORE-ASKING is RESTORE (the ASKING part only matters to a
  // cluster node importing a slot).
  t.Add({"restore-asking", -4, "write denyoom asking", 1, 1, 1,
         "@keyspace @write @slow @dangerous", Restore, "server",
         "An internal command for migrating keys in a cluster", "3.0.0"});
}

}  // namespace sable
