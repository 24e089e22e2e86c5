#include "server/objects.h"

#include "persistence/crc64.h"

namespace sable {

namespace {

ObjectOps g_ops[8];  // indexed by ObjType; filled once at start-up before any command runs

void FreeHook(ObjType t, void* obj) {
  const ObjectOps& ops = g_ops[static_cast<int>(t)];
  if (ops.free_fn && obj) ops.free_fn(obj);
}

void* DupHook(ObjType t, const void* obj) {
  const ObjectOps& ops = g_ops[static_cast<int>(t)];
  return ops.dup_fn && obj ? ops.dup_fn(obj) : nullptr;
}

}  // namespace

void RegisterObjectOps(ObjType type, const ObjectOps& ops) {
  g_ops[static_cast<int>(type)] = ops;
  InstallObjectHooks();
}

const ObjectOps* GetObjectOps(ObjType type) { return &g_ops[static_cast<int>(type)]; }

void InstallObjectHooks() {
  KvEntry::SetFreeObjectHook(FreeHook);
  KvEntry::SetDupObjectHook(DupHook);
}

size_t FreeEffort(const KvEntry* e) {
  if (e->enc() != Enc::kPtr) return 1;
  const ObjectOps& ops = g_ops[static_cast<int>(e->type())];
  return ops.free_effort ? ops.free_effort(e->ptr()) : 1;
}

const char* EncodingName(const KvEntry* e) {
  switch (e->enc()) {
    case Enc::kInt: return "int";
    case Enc::kEmbStr: return "embstr";
    case Enc::kRaw: return "raw";
    case Enc::kPtr: {
      const ObjectOps& ops = g_ops[static_cast<int>(e->type())];
      return ops.encoding ? ops.encoding(e->ptr()) : "unknown";
    }
  }
  return "unknown";
}

bool DumpPayload(const KvEntry* e, std::string* out, std::string* err, bool compress) {
  RdbEncoder enc(out, compress);
  if (e->type() == ObjType::kString) {
    enc.Type(rdb::kString);
    if (e->enc() == Enc::kInt) {
      enc.Int(e->int_value());
    } else {
      char tmp[24];
      enc.String(e->StringView(tmp));
    }
  } else {
    const ObjectOps& ops = g_ops[static_cast<int>(e->type())];
    if (!ops.rdb_type || !ops.rdb_save) {
      *err = "ERR DUMP is not supported for this type yet";
      return false;
    }
    enc.Type(ops.rdb_type(e->ptr()));
    ops.rdb_save(e->ptr(), enc);
  }
  out->push_back(static_cast<char>(rdb::kVersion & 0xff));
  out->push_back(static_cast<char>((rdb::kVersion >> 8) & 0xff));
  uint64_t crc = Crc64(0, out->data(), out->size());
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
  return true;
}

void ValueDigest(const KvEntry* e, Digest* d) {
  d->MixBigEndian32(static_cast<uint32_t>(e->type()));
  if (e->type() == ObjType::kString) {
    char tmp[24];
    d->Mix(e->StringView(tmp));
  } else if (const ObjectOps& ops = g_ops[static_cast<int>(e->type())]; ops.digest) {
    ops.digest(e->ptr(), d);
  }
  if (e->has_expire()) d->Add("!!expire!!");
}

size_t EntryMemory(const KvEntry* e) {
  size_t n = e->MemoryUsage();
  if (e->enc() == Enc::kPtr) {
    const ObjectOps& ops = g_ops[static_cast<int>(e->type())];
    if (ops.memory) n += ops.memory(e->ptr());
  }
  return n;
}

}  // namespace sable
