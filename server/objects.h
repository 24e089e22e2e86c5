// Non-string values: every collection type is stored behind KvEntry's kPtr value. Each type
// family (server/commands/<family>.cc) implements its row of this table; the server installs
// the free/dup hooks at start-up so KvEntry::Free/Clone release and copy any value.
#pragma once

#include <cstddef>

#include "datastructs/kv_entry.h"

namespace sable {

struct ObjectOps {
  void (*free_fn)(void* obj) = nullptr;
  void* (*dup_fn)(const void* obj) = nullptr;
  const char* (*encoding)(const void* obj) = nullptr;  // OBJECT ENCODING name
  size_t (*memory)(const void* obj) = nullptr;         // MEMORY USAGE estimate
};

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
