// Key specs and getkeys procedures by command name, and key extraction with them (Redis's
// getKeysFromCommandWithSpecs, db.c). The documentation rows are in command_docs.cc.
#include "server/command_meta.h"

#include <string>

#include "datastructs/numbers.h"
#include "server/command_table.h"
#include "server/commands/util.h"

namespace sable {

namespace {

#include "server/key_specs.inc"

constexpr KeySpecRow kKeySpecRows[] = {SABLE_KEY_SPECS};
struct GetKeysRow {
  const char* name;
  const char* proc;
};
constexpr GetKeysRow kGetKeysRows[] = {SABLE_GETKEYS_PROCS};

// getKeysUsingKeySpecs: false when a spec cannot tell (unknown, bad numkeys, incomplete).
bool UsingKeySpecs(std::span<const KeySpecRow> specs, ArgList args,
                   std::vector<std::pair<int, uint32_t>>* out) {
  int argc = static_cast<int>(args.size());
  for (const KeySpecRow& spec : specs) {
    if (spec.flags & kKeyNotKey) continue;
    int first = 0;
    if (spec.bs == kBsIndex) {
      first = spec.bs_index;
    } else if (spec.bs == kBsKeyword) {
      int start = spec.startfrom > 0 ? spec.startfrom : argc + spec.startfrom;
      int end = spec.startfrom > 0 ? argc - 1 : 1;
      for (int i = start; i != end; i = start <= end ? i + 1 : i - 1) {
        if (i >= argc || i < 1) break;
        if (EqNoCase(args[i], spec.keyword)) {
          first = i + 1;
          break;
        }
      }
      if (!first) continue;
    } else {
      return false;
    }
    int last, step;
    if (spec.fk == kFkRange) {
      step = spec.b;
      if (spec.a >= 0) {
        last = first + spec.a;
      } else if (!spec.c) {
        last = argc + spec.a;
      } else {
        last = first + ((argc - first) / spec.c + spec.a);
      }
    } else if (spec.fk == kFkKeynum) {
      step = spec.c;
      if (first + spec.a >= argc) return false;
      int64_t numkeys;
      if (!StringToInt64(args[first + spec.a], &numkeys) || numkeys < 0) return false;
      first += spec.b;
      last = first + static_cast<int>(numkeys) - 1;
    } else {
      return false;
    }
    if (last >= argc || last < first || first >= argc) return false;
    for (int i = first; i <= last; i += step) {
      if (i >= argc || i < first) continue;
      out->emplace_back(i, spec.flags);
    }
    if (spec.flags & kKeyIncomplete) return false;
  }
  return true;
}

}  // namespace

CommandMeta LookupCommandMeta(std::string_view full_name) {
  CommandMeta m;
  const KeySpecRow* begin = nullptr;
  size_t n = 0;
  for (const KeySpecRow& r : kKeySpecRows) {
    if (r.name != full_name) {
      if (begin) break;  // a command's rows are adjacent
      continue;
    }
    if (!begin) begin = &r;
    ++n;
  }
  if (begin) m.key_specs = std::span<const KeySpecRow>(begin, n);
  for (const GetKeysRow& r : kGetKeysRows)
    if (r.name == full_name) m.getkeys_proc = r.proc;
  m.doc = FindCommandDoc(full_name);
  return m;
}

bool CommandHasKeys(const CommandSpec& spec) {
  if (spec.getkeys_proc) return true;
  for (const KeySpecRow& k : spec.key_specs)
    if (!(k.flags & kKeyNotKey)) return true;
  return false;
}

void GetKeysWithFlags(const CommandSpec& spec, ArgList args,
                      std::vector<std::pair<int, uint32_t>>* out) {
  out->clear();
  bool has_keyspec = false, has_var = false;
  for (const KeySpecRow& k : spec.key_specs) {
    if (!(k.flags & kKeyNotKey)) has_keyspec = true;
    if (k.flags & kKeyVariableFlags) has_var = true;
  }
  if (has_keyspec && !has_var) {
    if (UsingKeySpecs(spec.key_specs, args, out)) return;
    out->clear();
  }
  int argc = static_cast<int>(args.size());
  std::string_view p = spec.getkeys_proc ? spec.getkeys_proc : "";
  if (p == "setGetKeys") {
    uint32_t f = kKeyOw | kKeyUpdate;
    for (int i = 3; i < argc; ++i)
      if (EqNoCase(args[i], "get")) f = kKeyRw | kKeyAccess | kKeyUpdate;
    out->emplace_back(1, f);
  } else if (p == "bitfieldGetKeys") {
    bool ro = true;
    for (int i = 2; i < argc; ++i) {
      int rem = argc - i - 1;
      if (EqNoCase(args[i], "get") && rem >= 2) {
        i += 2;
      } else if ((EqNoCase(args[i], "set") || EqNoCase(args[i], "incrby")) && rem >= 3) {
        ro = false;
        break;
      } else if (EqNoCase(args[i], "overflow") && rem >= 1) {
        i += 1;
      } else {
        ro = false;
        break;
      }
    }
    out->emplace_back(1, ro ? (kKeyRo | kKeyAccess) : (kKeyRw | kKeyAccess | kKeyUpdate));
  } else if (p == "sortROGetKeys") {
    out->emplace_back(1, kKeyRo | kKeyAccess);
  } else if (p == "sortGetKeys") {
    out->emplace_back(1, kKeyRo | kKeyAccess);
    int store = -1;
    for (int i = 2; i < argc; ++i) {
      if (EqNoCase(args[i], "limit")) {
        i += 2;
      } else if (EqNoCase(args[i], "get") || EqNoCase(args[i], "by")) {
        i += 1;
      } else if (EqNoCase(args[i], "store") && i + 1 < argc) {
        store = i + 1;
      }
    }
    if (store > 0) out->emplace_back(store, kKeyOw | kKeyUpdate);
  } else if (p == "migrateGetKeys") {
    int first = 3, num = 1;
    if (argc > 6) {
      for (int i = 6; i < argc; ++i) {
        if (EqNoCase(args[i], "keys")) {
          if (!args[3].empty()) {
            num = 0;
          } else {
            first = i + 1;
            num = argc - first;
          }
          break;
        }
        if (EqNoCase(args[i], "auth")) {
          i += 1;
        } else if (EqNoCase(args[i], "auth2")) {
          i += 2;
        }
      }
    }
    for (int i = 0; i < num; ++i) out->emplace_back(first + i, kKeyRw | kKeyAccess | kKeyDelete);
  } else if (!p.empty() || spec.key_specs.empty()) {
    // Other procedures (numkeys, STORE options...) give no flags in Redis either; Sable's
    // own key positions follow the same syntax.
    std::vector<int> pos;
    spec.KeyPositions(args, &pos);
    for (int i : pos) out->emplace_back(i, 0);
  }
}

}  // namespace sable
