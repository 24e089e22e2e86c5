// Non-string values: every collection type is stored behind KvEntry's kPtr value. Each type
// family (server/commands/<family>.cc) implements its row of this table; the server installs
// the free/dup hooks at start-up so KvEntry::Free/Clone release and copy any value.
#pragma once

#include <cstddef>

#include <string>

#include "datastructs/digest.h"
#include "datastructs/kv_entry.h"
#include "persistence/rdb.h"

namespace sable {

struct ObjectOps {
  void (*free_fn)(void* obj) = nullptr;
  void* (*dup_fn)(const void* obj) = nullptr;
  const char* (*encoding)(const void* obj) = nullptr;  // OBJECT ENCODING name
  size_t (*memory)(const void* obj) = nullptr;         // MEMORY USAGE estimate
  // RDB persistence (snapshots, AOF preamble, DUMP, full sync): the value's RDB type byte,
  // and its payload (written after the key). nullptr = the type cannot be saved yet (the
  // save fails loudly rather than writing an incomplete file).
  uint8_t (*rdb_type)(const void* obj) = nullptr;
  void (*rdb_save)(const void* obj, RdbEncoder& enc) = nullptr;
  // Builds a value from a decoded RDB record of this type (any of the type's RDB encodings),
  // converting it as rec.limits require; nullptr with *err on corrupt input, or with
  // *err == rdb::kEmptyKeyError for a value without elements.
  void* (*rdb_load)(const RdbRecord& rec, std::string* err) = nullptr;
  // DEBUG DIGEST / DIGEST-VALUE: mixes the value's content into *out as Redis 7.0's
  // xorObjectDigest does for the type (Digest::Mix for ordered elements, Digest::Add for
  // unordered ones); independent of the encoding.
  void (*digest)(const void* obj, Digest* out) = nullptr;
  // How many allocations freeing the value takes (Redis's lazyfreeGetFreeEffort): 1 for a
  // single-allocation encoding (listpack, intset), the elements or nodes otherwise.
  size_t (*free_effort)(const void* obj) = nullptr;
};

// The free effort of an entry's value (1 for strings).
size_t FreeEffort(const KvEntry* e);

// DUMP payload of one value: its RDB serialisation, the RDB version (2 bytes LE) and a
// CRC64 (8 bytes LE). Used by DUMP and by the RESP form of the AOF base (RESTORE).
// `compress`: LZF-compress long strings, as Redis does with rdbcompression yes.
bool DumpPayload(const KvEntry* e, std::string* out, std::string* err, bool compress);

// Mixes one value into *d as Redis 7.0's xorObjectDigest: the type (4 bytes, network order),
// the content (strings here, collections through their ObjectOps row), then "!!expire!!"
// XORed in if the key has an expiry (its time is not part of the digest in 7.0).
void ValueDigest(const KvEntry* e, Digest* d);

// Registers the ops for a type (called by each family's Register*Commands).
void RegisterObjectOps(ObjType type, const ObjectOps& ops);
const ObjectOps* GetObjectOps(ObjType type);
// Installs KvEntry's hooks (idempotent).
void InstallObjectHooks();

// OBJECT ENCODING name for any entry ("int", "embstr", "raw", "listpack", ...).
const char* EncodingName(const KvEntry* e);
// Bytes used by the entry and its value.
size_t EntryMemory(const KvEntry* e);

}  // namespace sable
