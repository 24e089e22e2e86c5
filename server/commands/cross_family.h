// Read access to one family's values for another family's commands (SORT reads the members of
// a set and BY/GET `key->field` reads hash fields). The encodings stay private to their family
// files; these functions are defined there.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "datastructs/kv_entry.h"

namespace sable {

// The value of `field` in the hash held by `e` into *out; false if the field is absent.
// REQUIRES: e->type() == ObjType::kHash. (hashes.cc)
bool HashFieldValue(const KvEntry* e, std::string_view field, std::string* out);

// Appends every member of the set held by `e` to *out, in the set's iteration order.
// REQUIRES: e->type() == ObjType::kSet. (sets.cc)
void SetMembers(const KvEntry* e, std::vector<std::string>* out);

}  // namespace sable
