#include "server/command_table.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "datastructs/latency_histogram.h"
#include "datastructs/numbers.h"

namespace sable {

namespace {

uint32_t FlagBit(const std::string& f) {
  static const std::pair<const char*, uint32_t> kFlags[] = {
      {"write", kCmdWrite},         {"readonly", kCmdReadonly},
      {"denyoom", kCmdDenyOom},     {"admin", kCmdAdmin},
      {"pubsub", kCmdPubsub},       {"noscript", kCmdNoscript},
      {"blocking", kCmdBlocking},   {"loading", kCmdLoading},
      {"stale", kCmdStale},         {"skip_monitor", kCmdSkipMonitor},
      {"skip_slowlog", kCmdSkipSlowlog}, {"fast", kCmdFast},
      {"no_auth", kCmdNoAuth},      {"may_replicate", kCmdMayReplicate},
      {"no_multi", kCmdNoMulti},    {"allow_busy", kCmdAllowBusy},
      {"sentinel", kCmdSentinel},   {"only_sentinel", kCmdOnlySentinel},
      {"no_mandatory_keys", kCmdNoMandatoryKeys}, {"no_async_loading", kCmdNoAsyncLoading},
      {"touches_arbitrary_keys", kCmdTouchesArbitraryKeys}, {"protected", kCmdProtected},
      {"asking", kCmdAsking},
  };
  for (const auto& [n, b] : kFlags)
    if (f == n) return b;
  return 0;
}

std::vector<std::string> Words(const char* s) {
  std::vector<std::string> out;
  std::istringstream is(s ? s : "");
  std::string w;
  while (is >> w) out.push_back(w);
  return out;
}

std::unique_ptr<CommandSpec> MakeSpec(const CommandRow& row) {
  auto spec = std::make_unique<CommandSpec>();
  spec->name = row.name;
  spec->arity = row.arity;
  for (const auto& f : Words(row.flags)) spec->flags |= FlagBit(f);
  spec->first_key = row.first_key;
  spec->last_key = row.last_key;
  spec->step = row.step;
  spec->acl_categories = Words(row.acl);
  spec->handler = row.handler;
  spec->group = row.group ? row.group : "generic";
  spec->summary = row.summary ? row.summary : "";
  spec->since = row.since ? row.since : "1.0.0";
  spec->complexity = row.complexity ? row.complexity : "";
  return spec;
}

// Redis's metadata by full name. Movable keys as populateCommandLegacyRangeSpec decides: some
// key is outside the glued legacy range (a spec that is not index + range, has a step other
// than 1, does not follow the previous one, or is incomplete).
void AttachMeta(CommandSpec* spec) {
  CommandMeta m = LookupCommandMeta(spec->FullName());
  spec->key_specs = m.key_specs;
  spec->getkeys_proc = m.getkeys_proc;
  spec->doc = m.doc;
  bool movable = false;
  int prev_last = 0;
  for (const KeySpecRow& k : m.key_specs) {
    if (k.flags & kKeyIncomplete) movable = true;
    if (k.bs != kBsIndex || k.fk != kFkRange) {
      movable = true;
      continue;
    }
    if (m.key_specs.size() == 1) break;
    if (k.b != 1 || (prev_last && prev_last != k.bs_index - 1)) {
      movable = true;
      continue;
    }
    int last = k.a >= 0 ? k.a + k.bs_index : k.a;
    prev_last = std::max(static_cast<unsigned>(prev_last), static_cast<unsigned>(last));
  }
  if (movable) spec->flags |= kCmdMovableKeys;
}

}  // namespace

size_t CommandTable::CiHash::operator()(std::string_view s) const {
  size_t h = 1469598103934665603ULL;
  for (char c : s) h = (h ^ static_cast<unsigned char>(c | 0x20)) * 1099511628211ULL;
  return h;
}

bool CommandTable::CiEq::operator()(std::string_view a, std::string_view b) const {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

const CommandSpec* CommandSpec::FindSub(std::string_view n) const {
  for (const auto& s : subcommands) {
    if (s->name.size() != n.size()) continue;
    bool eq = true;
    for (size_t i = 0; i < n.size(); ++i)
      if (tolower(static_cast<unsigned char>(n[i])) != s->name[i]) {
        eq = false;
        break;
      }
    if (eq) return s.get();
  }
  return nullptr;
}

void NumKeysAt(ArgList args, size_t idx, std::vector<int>* out) {
  int64_t n;
  if (idx >= args.size() || !StringToInt64(args[idx], &n) || n < 1 ||
      n > static_cast<int64_t>(args.size() - idx - 1))
    return;
  for (int64_t i = 1; i <= n; ++i) out->push_back(static_cast<int>(idx + i));
}

void NumKeysAfter1(ArgList args, std::vector<int>* out) { NumKeysAt(args, 1, out); }
void NumKeysAfter2(ArgList args, std::vector<int>* out) { NumKeysAt(args, 2, out); }

void StoreThenNumKeys(ArgList args, std::vector<int>* out) {
  std::vector<int> src;
  NumKeysAt(args, 2, &src);
  if (src.empty()) return;
  out->push_back(1);
  out->insert(out->end(), src.begin(), src.end());
}

void CommandSpec::KeyPositions(ArgList args, std::vector<int>* out) const {
  if (keys_fn != nullptr) {
    keys_fn(args, out);
    return;
  }
  if (first_key <= 0) return;
  int argc = static_cast<int>(args.size());
  int last = last_key < 0 ? argc + last_key : last_key;
  for (int i = first_key; i <= last && i < argc; i += step) out->push_back(i);
}

std::string CommandSpec::FullName() const {
  return parent ? parent->name + "|" + name : name;
}

void LatencyHistogramFree::operator()(LatencyHistogram* h) const { delete h; }

CommandTable::CommandTable() {
  RegisterStringCommands(*this);
  RegisterKeyCommands(*this);
  RegisterServerCommands(*this);
  RegisterConnectionCommands(*this);
  RegisterIntrospectionCommands(*this);
  RegisterScriptingCommands(*this);
  RegisterTransactionCommands(*this);
  RegisterListCommands(*this);
  RegisterSetCommands(*this);
  RegisterHashCommands(*this);
  RegisterZSetCommands(*this);
  RegisterReplicationCommands(*this);
  RegisterDumpCommands(*this);
  RegisterMigrateCommands(*this);
  RegisterClusterCommands(*this);
  RegisterModuleCommands(*this);
  RegisterBitmapCommands(*this);
  RegisterHyperLogLogCommands(*this);
  RegisterSortCommands(*this);
  RegisterGeoCommands(*this);
  RegisterStreamCommands(*this);
  RegisterAclCommands(*this);
  RegisterPubSubCommands(*this);
}

CommandSpec* CommandTable::Add(const CommandRow& row) {
  auto spec = MakeSpec(row);
  CommandSpec* p = spec.get();
  AttachMeta(p);
  ordered_.push_back(p);
  by_name_[p->name] = std::move(spec);
  return p;
}

CommandSpec* CommandTable::AddSub(CommandSpec* parent, const CommandRow& row) {
  auto spec = MakeSpec(row);
  spec->parent = parent;
  CommandSpec* p = spec.get();
  AttachMeta(p);
  parent->subcommands.push_back(std::move(spec));
  return p;
}

const CommandSpec* CommandTable::Find(std::string_view name) const {
  auto it = by_name_.find(name);
  return it == by_name_.end() ? nullptr : it->second.get();
}

const CommandSpec* CommandTable::FindByFullName(std::string_view name) const {
  size_t bar = name.find('|');
  if (bar == std::string_view::npos) return Find(name);
  const CommandSpec* p = Find(name.substr(0, bar));
  return p ? p->FindSub(name.substr(bar + 1)) : nullptr;
}

}  // namespace sable
