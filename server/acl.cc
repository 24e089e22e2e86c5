#include "server/acl.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include "datastructs/glob.h"
#include "datastructs/numbers.h"
#include "datastructs/sha256.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/acl_internal.h"
#include "server/commands/util.h"
#include "server/server.h"

namespace sable {

using namespace acl_detail;  // NOLINT: the ACL files' own tables

namespace {

std::string Lower(std::string_view s) {
  std::string r(s);
  for (char& c : r) c = static_cast<char>(tolower(static_cast<unsigned char>(c)));
  return r;
}

bool HasSpaces(std::string_view s) {
  for (char c : s)
    if (isspace(static_cast<unsigned char>(c)) || c == 0) return true;
  return false;
}

bool ValidHash(std::string_view h) {
  if (h.size() != 64) return false;
  for (char c : h)
    if ((c < 'a' || c > 'f') && (c < '0' || c > '9')) return false;
  return true;
}

// Error texts of ACLSetUserStringError.
constexpr const char* kErrUnknown = "Unknown command or category name in ACL";
constexpr const char* kErrSyntax = "Syntax error";
constexpr const char* kErrKeysAfterAll =
    "Adding a pattern after the * pattern (or the 'allkeys' flag) is not valid and does not "
    "have any effect. Try 'resetkeys' to start with an empty list of patterns";
constexpr const char* kErrChannelsAfterAll =
    "Adding a pattern after the * pattern (or the 'allchannels' flag) is not valid and does "
    "not have any effect. Try 'resetchannels' to start with an empty list of channels";
constexpr const char* kErrNoSuchPass =
    "The password you are trying to remove from the user does not exist";
constexpr const char* kErrBadHash =
    "The password hash must be exactly 64 characters and contain only lowercase hexadecimal "
    "characters";
constexpr const char* kErrDuplicate =
    "Duplicate user found. A user can only be defined once in config files";
constexpr const char* kErrFirstArgSub = "Allowing first-arg of a subcommand is not supported";

// Merges selector arguments spread across several arguments ("(~key1" "+get)"). Returns
// false (with *bad the index of the opening argument) on an unmatched parenthesis.
bool MergeSelectorArgs(const std::vector<std::string>& in, std::vector<std::string>* out,
                       size_t* bad) {
  out->clear();
  std::string sel;
  long open = -1;
  for (size_t j = 0; j < in.size(); ++j) {
    const std::string& op = in[j];
    if (!op.empty() && op[0] == '(' && op.back() != ')') {
      sel = op;
      open = static_cast<long>(j);
      continue;
    }
    if (open != -1) {
      sel += " ";
      sel += op;
      if (!op.empty() && op.back() == ')') {
        open = -1;
        out->push_back(sel);
      }
      continue;
    }
    out->push_back(op);
  }
  if (open != -1) {
    if (bad) *bad = static_cast<size_t>(open);
    return false;
  }
  return true;
}

std::vector<std::string> SplitSpaces(std::string_view s) {
  std::vector<std::string> out;
  size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && isspace(static_cast<unsigned char>(s[i]))) ++i;
    if (i >= s.size()) break;
    size_t j = i;
    while (j < s.size() && !isspace(static_cast<unsigned char>(s[j]))) ++j;
    out.emplace_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

}  // namespace

const std::vector<std::string>& Acl::CategoryNames() {
  static const std::vector<std::string> kNames = {
      "keyspace", "read",   "write", "set",       "sortedset",  "list",        "hash",
      "string",   "bitmap", "hyperloglog", "geo", "stream",     "pubsub",      "admin",
      "fast",     "slow",   "blocking",    "dangerous", "connection", "transaction",
      "scripting"};
  return kNames;
}

namespace {
uint32_t CategoryFlag(std::string_view name) {
  const auto& names = Acl::CategoryNames();
  for (size_t i = 0; i < names.size(); ++i)
    if (EqNoCase(name, names[i])) return 1u << i;
  return 0;
}
}  // namespace

std::string Acl::HashPassword(std::string_view pass) { return Sha256Hex(pass); }

Acl::Acl(Server* server) : server_(server) {
  InitCommands();
  auto u = NewUser("default");
  default_user_ = u.get();
  std::string e;
  ApplyOp(*u, "+@all", &e);
  ApplyOp(*u, "~*", &e);
  ApplyOp(*u, "&*", &e);
  ApplyOp(*u, "on", &e);
  ApplyOp(*u, "nopass", &e);
  RefreshUnrestricted(*u);
  users_["default"] = std::move(u);
}

Acl::~Acl() = default;

void Acl::InitCommands() {
  auto add = [&](const CommandSpec* s, int parent) {
    int id = static_cast<int>(cmds_.size());
    if (id == kAclCommandBits - 1) {  // reserved: "future commands"
      cmds_.emplace_back();
      ++id;
    }
    CmdInfo ci;
    ci.spec = s;
    ci.parent = parent;
    for (const auto& c : s->acl_categories)
      ci.categories |= CategoryFlag(std::string_view(c).substr(c.starts_with("@") ? 1 : 0));
    std::string full = s->FullName();
    if (parent < 0) {
      if (full == "subscribe" || full == "ssubscribe") ci.channel_flags = kChSubscribe;
      if (full == "unsubscribe" || full == "sunsubscribe") ci.channel_flags = kChUnsubscribe;
      if (full == "psubscribe") ci.channel_flags = kChPattern | kChSubscribe;
      if (full == "punsubscribe") ci.channel_flags = kChPattern | kChUnsubscribe;
      if (full == "publish" || full == "spublish") ci.channel_flags = kChPublish;
    }
    cmds_.push_back(std::move(ci));
    ids_[s] = id;
    return id;
  };
  for (const CommandSpec* s : server_->commands().all()) {
    int id = add(s, -1);
    top_ids_.push_back(id);
    for (const auto& sub : s->subcommands) {
      int sid = add(sub.get(), id);
      cmds_[id].subs.push_back(sid);
    }
  }
}

int Acl::IdOf(const CommandSpec& spec) const {
  auto it = ids_.find(&spec);
  return it == ids_.end() ? -1 : it->second;
}

AclUser* Acl::Find(std::string_view name) {
  auto it = users_.find(std::string(name));
  return it == users_.end() ? nullptr : it->second.get();
}

AclSelector Acl::NewSelector(uint32_t flags) const {
  AclSelector s;
  s.flags = flags;
  if (server_->config().GetValue("acl-pubsub-default") == "allchannels")
    s.flags |= AclSelector::kAllChannels;
  return s;
}

std::unique_ptr<AclUser> Acl::NewUser(std::string_view name) {
  auto u = std::make_unique<AclUser>();
  u->name = std::string(name);
  u->flags = AclUser::kDisabled;
  u->selectors.push_back(NewSelector(AclSelector::kRoot));
  return u;
}

AclUser* Acl::CreateUser(std::string_view name) {
  if (Find(name)) return nullptr;
  auto u = NewUser(name);
  AclUser* p = u.get();
  users_[std::string(name)] = std::move(u);
  return p;
}

void Acl::RefreshUnrestricted(AclUser& u) {
  const uint32_t all =
      AclSelector::kAllCommands | AclSelector::kAllKeys | AclSelector::kAllChannels;
  u.unrestricted = false;
  for (const auto& s : u.selectors)
    if ((s.flags & all) == all) u.unrestricted = true;
}

// ---- rules ----

void Acl::ChangePerm(AclSelector& s, int id, bool allow) {
  auto set = [&](int i) {
    s.allowed.set(static_cast<size_t>(i), allow);
    if (!allow) s.flags &= ~AclSelector::kAllCommands;
  };
  set(id);
  s.firstargs.erase(id);
  for (int sub : cmds_[id].subs) set(sub);
}

void Acl::SetCategoryBits(AclSelector& s, uint32_t cflag, bool allow) {
  for (int id : top_ids_) {
    if (cmds_[id].categories & cflag) ChangePerm(s, id, allow);
    for (int sub : cmds_[id].subs)
      if (cmds_[sub].categories & cflag) ChangePerm(s, sub, allow);
  }
}

bool Acl::SetCategory(AclSelector& s, std::string_view cat, bool allow) {
  uint32_t f = CategoryFlag(cat);
  if (f == 0) return false;
  SetCategoryBits(s, f, allow);
  return true;
}

void Acl::CountCategory(const AclSelector& s, uint32_t cflag, unsigned long* on,
                        unsigned long* off) {
  *on = *off = 0;
  auto count = [&](int id) {
    if (!(cmds_[id].categories & cflag)) return;
    if (s.allowed.test(static_cast<size_t>(id))) {
      ++*on;
    } else {
      ++*off;
    }
  };
  for (int id : top_ids_) {
    count(id);
    for (int sub : cmds_[id].subs) count(sub);
  }
}

const CommandSpec* Acl::LookupForAcl(std::string_view name) const {
  size_t bar = name.find('|');
  const CommandSpec* base = server_->commands().Find(name.substr(0, bar));
  if (bar == std::string_view::npos || base == nullptr) return base;
  std::string_view sub = name.substr(bar + 1);
  if (sub.find('|') != std::string_view::npos || base->subcommands.empty()) return nullptr;
  return base->FindSub(Lower(sub));
}

bool Acl::ApplySelectorOp(AclSelector& s, std::string_view op, std::string* err) {
  if (EqNoCase(op, "allkeys") || op == "~*") {
    s.flags |= AclSelector::kAllKeys;
    s.patterns.clear();
  } else if (EqNoCase(op, "resetkeys")) {
    s.flags &= ~AclSelector::kAllKeys;
    s.patterns.clear();
  } else if (EqNoCase(op, "allchannels") || op == "&*") {
    s.flags |= AclSelector::kAllChannels;
    s.channels.clear();
  } else if (EqNoCase(op, "resetchannels")) {
    s.flags &= ~AclSelector::kAllChannels;
    s.channels.clear();
  } else if (EqNoCase(op, "allcommands") || EqNoCase(op, "+@all")) {
    s.allowed.set();
    s.flags |= AclSelector::kAllCommands;
    s.firstargs.clear();
  } else if (EqNoCase(op, "nocommands") || EqNoCase(op, "-@all")) {
    s.allowed.reset();
    s.flags &= ~AclSelector::kAllCommands;
    s.firstargs.clear();
  } else if (!op.empty() && (op[0] == '~' || op[0] == '%')) {
    if (s.flags & AclSelector::kAllKeys) {
      *err = kErrKeysAfterAll;
      return false;
    }
    int perm = 0;
    size_t off = 1;
    if (op[0] == '%') {
      for (; off < op.size(); ++off) {
        char c = static_cast<char>(toupper(static_cast<unsigned char>(op[off])));
        if (c == 'R' && !(perm & AclSelector::kPermRead)) {
          perm |= AclSelector::kPermRead;
        } else if (c == 'W' && !(perm & AclSelector::kPermWrite)) {
          perm |= AclSelector::kPermWrite;
        } else if (op[off] == '~') {
          ++off;
          break;
        } else {
          *err = kErrSyntax;
          return false;
        }
      }
    } else {
      perm = AclSelector::kPermAll;
    }
    std::string_view pat = op.substr(std::min(off, op.size()));
    if (HasSpaces(pat)) {
      *err = kErrSyntax;
      return false;
    }
    bool found = false;
    for (auto& p : s.patterns)
      if (p.pattern == pat) {
        p.perm |= perm;
        found = true;
        break;
      }
    if (!found) s.patterns.push_back({perm, std::string(pat)});
    s.flags &= ~AclSelector::kAllKeys;
  } else if (!op.empty() && op[0] == '&') {
    if (s.flags & AclSelector::kAllChannels) {
      *err = kErrChannelsAfterAll;
      return false;
    }
    std::string_view pat = op.substr(1);
    if (HasSpaces(pat)) {
      *err = kErrSyntax;
      return false;
    }
    if (std::find(s.channels.begin(), s.channels.end(), pat) == s.channels.end())
      s.channels.emplace_back(pat);
    s.flags &= ~AclSelector::kAllChannels;
  } else if (!op.empty() && op[0] == '+' && (op.size() < 2 || op[1] != '@')) {
    std::string_view rest = op.substr(1);
    size_t bar = rest.rfind('|');
    if (bar == std::string_view::npos) {
      const CommandSpec* cmd = LookupForAcl(rest);
      if (cmd == nullptr) {
        *err = kErrUnknown;
        return false;
      }
      ChangePerm(s, IdOf(*cmd), true);
    } else {
      std::string_view base_name = rest.substr(0, bar), sub = rest.substr(bar + 1);
      const CommandSpec* cmd = LookupForAcl(base_name);
      if (cmd == nullptr) {
        *err = kErrUnknown;
        return false;
      }
      if (cmd->parent != nullptr) {
        *err = kErrFirstArgSub;
        return false;
      }
      if (sub.empty()) {
        *err = kErrSyntax;
        return false;
      }
      if (!cmd->subcommands.empty()) {
        const CommandSpec* sc = LookupForAcl(rest);
        if (sc == nullptr) {
          *err = kErrUnknown;
          return false;
        }
        ChangePerm(s, IdOf(*sc), true);
      } else {
        Log(LogLevel::kWarning,
            "Deprecation warning: Allowing a first arg of an otherwise blocked command is a "
            "misuse of ACL and may get disabled in the future (offender: +{})",
            rest);
        auto& v = s.firstargs[IdOf(*cmd)];
        bool dup = false;
        for (const auto& a : v)
          if (EqNoCase(a, sub)) dup = true;
        if (!dup) v.emplace_back(sub);
      }
    }
  } else if (!op.empty() && op[0] == '-' && (op.size() < 2 || op[1] != '@')) {
    const CommandSpec* cmd = LookupForAcl(op.substr(1));
    if (cmd == nullptr) {
      *err = kErrUnknown;
      return false;
    }
    ChangePerm(s, IdOf(*cmd), false);
  } else if (op.size() >= 2 && (op[0] == '+' || op[0] == '-') && op[1] == '@') {
    if (!SetCategory(s, op.substr(2), op[0] == '+')) {
      *err = kErrUnknown;
      return false;
    }
  } else {
    *err = kErrSyntax;
    return false;
  }
  return true;
}

bool Acl::ApplyOp(AclUser& u, std::string_view op, std::string* err) {
  if (op.empty()) return true;
  if (EqNoCase(op, "on")) {
    u.flags |= AclUser::kEnabled;
    u.flags &= ~AclUser::kDisabled;
  } else if (EqNoCase(op, "off")) {
    u.flags |= AclUser::kDisabled;
    u.flags &= ~AclUser::kEnabled;
  } else if (EqNoCase(op, "skip-sanitize-payload")) {
    u.flags |= AclUser::kSkipSanitizePayload;
    u.flags &= ~AclUser::kSanitizePayload;
  } else if (EqNoCase(op, "sanitize-payload")) {
    u.flags &= ~AclUser::kSkipSanitizePayload;
    u.flags |= AclUser::kSanitizePayload;
  } else if (EqNoCase(op, "nopass")) {
    u.flags |= AclUser::kNoPass;
    u.passwords.clear();
  } else if (EqNoCase(op, "resetpass")) {
    u.flags &= ~AclUser::kNoPass;
    u.passwords.clear();
  } else if (op[0] == '>' || op[0] == '#') {
    std::string h;
    if (op[0] == '>') {
      h = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) {
        *err = kErrBadHash;
        return false;
      }
      h = std::string(op.substr(1));
    }
    if (std::find(u.passwords.begin(), u.passwords.end(), h) == u.passwords.end())
      u.passwords.push_back(h);
    u.flags &= ~AclUser::kNoPass;
  } else if (op[0] == '<' || op[0] == '!') {
    std::string h;
    if (op[0] == '<') {
      h = HashPassword(op.substr(1));
    } else {
      if (!ValidHash(op.substr(1))) {
        *err = kErrBadHash;
        return false;
      }
      h = std::string(op.substr(1));
    }
    auto it = std::find(u.passwords.begin(), u.passwords.end(), h);
    if (it == u.passwords.end()) {
      *err = kErrNoSuchPass;
      return false;
    }
    u.passwords.erase(it);
  } else if (op[0] == '(' && op.back() == ')') {
    AclSelector s = NewSelector(0);
    for (const auto& sub : SplitSpaces(op.substr(1, op.size() - 2)))
      if (!ApplySelectorOp(s, sub, err)) return false;
    u.selectors.push_back(std::move(s));
  } else if (EqNoCase(op, "clearselectors")) {
    u.selectors.resize(1);
  } else if (EqNoCase(op, "reset")) {
    ApplyOp(u, "resetpass", err);
    ApplyOp(u, "resetkeys", err);
    ApplyOp(u, "resetchannels", err);
    if (server_->config().GetValue("acl-pubsub-default") == "allchannels")
      ApplyOp(u, "allchannels", err);
    ApplyOp(u, "off", err);
    ApplyOp(u, "sanitize-payload", err);
    ApplyOp(u, "clearselectors", err);
    ApplyOp(u, "-@all", err);
  } else {
    return ApplySelectorOp(u.selectors[0], op, err);
  }
  return true;
}

std::string Acl::SetUser(std::string_view name, const std::vector<std::string>& ops,
                         Connection* current) {
  (void)current;
  std::vector<std::string> merged;
  size_t bad = 0;
  if (!MergeSelectorArgs(ops, &merged, &bad))
    return fmt::format("Unmatched parenthesis in acl selector starting at '{}'.", ops[bad]);
  AclUser* u = Find(name);
  std::unique_ptr<AclUser> temp = u ? std::make_unique<AclUser>(*u) : NewUser(name);
  for (const auto& op : merged) {
    std::string err;
    if (!ApplyOp(*temp, op, &err))
      return fmt::format("Error in ACL SETUSER modifier '{}': {}", op, err);
  }
  if (u) KillPubsubClientsIfNeeded(*temp, u);
  if (!u) u = CreateUser(name);
  std::string keep_name = u->name;
  *u = *temp;
  u->name = keep_name;
  RefreshUnrestricted(*u);
  return "";
}

void Acl::FreeUserAndKillClients(AclUser* u, Connection* current) {
  std::vector<Connection*> victims;
  for (auto& [id, c] : server_->clients())
    if (c->user == u) victims.push_back(c);
  for (Connection* c : victims) {
    c->user = default_user_;
    c->authenticated = false;
    if (c == current) {
      c->CloseAfterReply();
    } else {
      c->Close();
    }
  }
}

bool Acl::DeleteUser(std::string_view name, Connection* current) {
  auto it = users_.find(std::string(name));
  if (it == users_.end() || it->second.get() == default_user_) return false;
  FreeUserAndKillClients(it->second.get(), current);
  users_.erase(it);
  return true;
}

void Acl::KillPubsubClientsIfNeeded(const AclUser& next, AclUser* original) {
  if (!pubsub_violates) return;
  for (const auto& s : next.selectors)
    if (s.flags & AclSelector::kAllChannels) return;
  std::vector<std::string> upcoming;
  for (const auto& s : next.selectors)
    upcoming.insert(upcoming.end(), s.channels.begin(), s.channels.end());
  bool match = true;
  for (const auto& s : original->selectors) {
    if (s.flags & AclSelector::kAllChannels) {
      match = false;
      break;
    }
    for (const auto& ch : s.channels)
      if (std::find(upcoming.begin(), upcoming.end(), ch) == upcoming.end()) match = false;
    if (!match) break;
  }
  if (match) return;
  auto allowed = [&upcoming](std::string_view ch, bool is_pattern) {
    return ChannelInList(upcoming, ch, is_pattern);
  };
  std::vector<Connection*> victims;
  for (auto& [id, c] : server_->clients())
    if (c->user == original && pubsub_violates(*c, allowed)) victims.push_back(c);
  for (Connection* c : victims) c->Close();
}

// ---- description ----

std::string Acl::DescribeKeys(const AclSelector& s) {
  if (s.flags & AclSelector::kAllKeys) return "~*";
  std::string out;
  for (const auto& p : s.patterns) {
    if (!out.empty()) out += ' ';
    if (p.perm == AclSelector::kPermAll) {
      out += "~";
    } else if (p.perm == AclSelector::kPermRead) {
      out += "%R~";
    } else {
      out += "%W~";
    }
    out += p.pattern;
  }
  return out;
}

std::string Acl::DescribeChannels(const AclSelector& s) {
  if (s.flags & AclSelector::kAllChannels) return "&*";
  std::string out;
  for (const auto& c : s.channels) {
    if (!out.empty()) out += ' ';
    out += '&';
    out += c;
  }
  return out;
}

void Acl::DescribeSingleCommands(const AclSelector& s, AclSelector& fake, std::string& rules) {
  std::function<void(int)> one = [&](int id) {
    bool userbit = s.allowed.test(static_cast<size_t>(id));
    bool fakebit = fake.allowed.test(static_cast<size_t>(id));
    const std::string full = cmds_[id].spec->FullName();
    if (userbit != fakebit) {
      rules += userbit ? "+" : "-";
      rules += full;
      rules += ' ';
      ChangePerm(fake, id, userbit);
    }
    for (int sub : cmds_[id].subs) one(sub);
    auto it = s.firstargs.find(id);
    if (!userbit && it != s.firstargs.end()) {
      for (const auto& a : it->second) {
        rules += '+';
        rules += full;
        rules += '|';
        rules += a;
        rules += ' ';
      }
    }
  };
  for (int id : top_ids_) one(id);
}

std::string Acl::DescribeCommandRules(const AclSelector& s) {
  std::string rules;
  AclSelector fake;
  std::string e;
  bool additive;
  if (s.allowed.test(kAclCommandBits - 1)) {
    additive = false;
    rules = "+@all ";
    ApplySelectorOp(fake, "+@all", &e);
  } else {
    additive = true;
    rules = "-@all ";
    ApplySelectorOp(fake, "-@all", &e);
  }
  AclSelector temp;
  temp.allowed = s.allowed;
  const auto& names = CategoryNames();
  std::vector<bool> applied(names.size(), false);
  while (true) {
    int best = -1;
    unsigned long mindiff = INT32_MAX, maxsame = 0;
    for (size_t j = 0; j < names.size(); ++j) {
      if (applied[j]) continue;
      unsigned long on, off;
      CountCategory(temp, 1u << j, &on, &off);
      unsigned long diff = additive ? off : on;
      unsigned long same = additive ? on : off;
      if (same > diff && (diff < mindiff || (diff == mindiff && same > maxsame))) {
        best = static_cast<int>(j);
        mindiff = diff;
        maxsame = same;
      }
    }
    if (best == -1) break;
    SetCategoryBits(fake, 1u << best, additive);
    SetCategoryBits(temp, 1u << best, !additive);
    rules += additive ? "+@" : "-@";
    rules += names[best];
    rules += ' ';
    applied[best] = true;
  }
  DescribeSingleCommands(s, fake, rules);
  if (!rules.empty()) rules.pop_back();
  if (fake.allowed != s.allowed)
    Log(LogLevel::kWarning, "CRITICAL ERROR: User ACLs don't match final bitmap: '{}'", rules);
  return rules;
}

std::string Acl::Describe(const AclUser& u) {
  std::string res;
  static const std::pair<uint32_t, const char*> kFlags[] = {
      {AclUser::kEnabled, "on"},
      {AclUser::kDisabled, "off"},
      {AclUser::kNoPass, "nopass"},
      {AclUser::kSkipSanitizePayload, "skip-sanitize-payload"},
      {AclUser::kSanitizePayload, "sanitize-payload"}};
  for (const auto& [f, n] : kFlags)
    if (u.flags & f) {
      res += n;
      res += ' ';
    }
  for (const auto& p : u.passwords) {
    res += '#';
    res += p;
    res += ' ';
  }
  for (size_t i = 0; i < u.selectors.size(); ++i) {
    const AclSelector& s = u.selectors[i];
    std::string d;
    if (s.flags & AclSelector::kAllKeys) {
      d += "~* ";
    } else {
      for (const auto& p : s.patterns) {
        d += p.perm == AclSelector::kPermAll    ? "~"
             : p.perm == AclSelector::kPermRead ? "%R~"
                                                : "%W~";
        d += p.pattern;
        d += ' ';
      }
    }
    if (s.flags & AclSelector::kAllChannels) {
      d += "&* ";
    } else {
      d += "resetchannels ";
      for (const auto& c : s.channels) {
        d += '&';
        d += c;
        d += ' ';
      }
    }
    d += DescribeCommandRules(s);
    if (i == 0) {
      res += d;
    } else {
      res += " (";
      res += d;
      res += ")";
    }
  }
  return res;
}

// ---- authentication ----

bool Acl::Authenticate(Connection& c, std::string_view user, std::string_view pass,
                       std::string_view cmdname) {
  AclUser* u = Find(user);
  bool ok = false;
  if (u != nullptr && !(u->flags & AclUser::kDisabled)) {
    if (u->flags & AclUser::kNoPass) {
      ok = true;
    } else {
      std::string h = HashPassword(pass);
      for (const auto& p : u->passwords) {
        int diff = 0;
        for (size_t i = 0; i < 64; ++i) diff |= h[i] ^ p[i];
        if (diff == 0) ok = true;
      }
    }
  }
  if (ok) {
    c.authenticated = true;
    c.user = u;
    return true;
  }
  AddLog(c, kAclDeniedAuth, c.in_multi ? kAclCtxMulti : kAclCtxToplevel, std::string(cmdname),
         user);
  return false;
}

void Acl::SetDefaultAuth(Connection& c) {
  c.user = default_user_;
  c.authenticated =
      (default_user_->flags & AclUser::kNoPass) && !(default_user_->flags & AclUser::kDisabled);
}

bool Acl::AuthRequired(const Connection& c) const {
  return (!(default_user_->flags & AclUser::kNoPass) ||
          (default_user_->flags & AclUser::kDisabled)) &&
         !c.authenticated;
}

void Acl::UpdateDefaultUserPassword(const std::string& pass) {
  std::string e;
  ApplyOp(*default_user_, "resetpass", &e);
  if (!pass.empty()) {
    ApplyOp(*default_user_, ">" + pass, &e);
  } else {
    ApplyOp(*default_user_, "nopass", &e);
  }
}

// ---- categories ----

bool Acl::CategoryCommands(std::string_view cat, std::vector<std::string>* out) {
  uint32_t f = CategoryFlag(cat);
  if (f == 0) return false;
  for (int id : top_ids_) {
    if (cmds_[id].categories & f) out->push_back(cmds_[id].spec->FullName());
    for (int sub : cmds_[id].subs)
      if (cmds_[sub].categories & f) out->push_back(cmds_[sub].spec->FullName());
  }
  return true;
}

// ---- files ----

std::string Acl::LoadFile(const std::string& path, Connection* current) {
  std::ifstream f(path);
  if (!f) return fmt::format("Error loading ACLs, opening file '{}': {}", path, strerror(errno));
  std::stringstream ss;
  ss << f.rdbuf();
  std::string text = ss.str();
  const std::string& fname = path;
  std::string errors;
  std::map<std::string, std::unique_ptr<AclUser>> fresh;
  size_t linenum = 0, start = 0;
  while (start <= text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string::npos) nl = text.size();
    std::string line = text.substr(start, nl - start);
    start = nl + 1;
    ++linenum;
    size_t b = line.find_first_not_of(" \t\r\n");
    if (b == std::string::npos) {
      if (nl == text.size()) break;
      continue;
    }
    size_t e = line.find_last_not_of(" \t\r\n");
    line = line.substr(b, e - b + 1);
    std::vector<std::string> argv;
    size_t p = 0;
    while (true) {
      size_t sp = line.find(' ', p);
      argv.push_back(line.substr(p, sp == std::string::npos ? std::string::npos : sp - p));
      if (sp == std::string::npos) break;
      p = sp + 1;
    }
    if (argv[0] != "user" || argv.size() < 2) {
      errors += fmt::format("{}:{} should start with user keyword followed by the username. ",
                            fname, linenum);
      continue;
    }
    if (HasSpaces(argv[1])) {
      errors += fmt::format("'{}:{}: username '{}' contains invalid characters. ", fname,
                            linenum, argv[1]);
      continue;
    }
    if (fresh.count(argv[1])) {
      errors += fmt::format("WARNING: Duplicate user '{}' found on line {}. ", argv[1], linenum);
      continue;
    }
    auto u = NewUser(argv[1]);
    std::vector<std::string> ops(argv.begin() + 2, argv.end()), merged;
    if (!MergeSelectorArgs(ops, &merged, nullptr)) {
      errors += fmt::format("{}:{}: Unmatched parenthesis in selector definition.", fname,
                            linenum);
      merged.clear();
    }
    bool syntax_error = false;
    for (auto& op : merged) {
      size_t ob = op.find_first_not_of("\t\r\n"), oe = op.find_last_not_of("\t\r\n");
      op = ob == std::string::npos ? std::string() : op.substr(ob, oe - ob + 1);
      std::string err;
      if (!ApplyOp(*u, op, &err)) {
        if (err == kErrUnknown) {
          errors += fmt::format("{}:{}: Error in applying operation '{}': {}. ", fname, linenum,
                                op, err);
        } else if (!syntax_error) {
          errors += fmt::format("{}:{}: {}. ", fname, linenum, err);
          syntax_error = true;
        }
      }
    }
    fresh[argv[1]] = std::move(u);
    if (nl == text.size()) break;
  }
  if (!errors.empty()) {
    errors += "WARNING: ACL errors detected, no change to the previously active ACL rules was "
              "performed";
    return errors;
  }
  // The default user object stays: the new rules are copied into it.
  auto it = fresh.find("default");
  std::unique_ptr<AclUser> nd;
  if (it != fresh.end()) {
    nd = std::move(it->second);
    fresh.erase(it);
  } else {
    nd = NewUser("default");
    std::string e;
    for (const char* op : {"+@all", "~*", "&*", "on", "nopass"}) ApplyOp(*nd, op, &e);
  }
  *default_user_ = *nd;
  RefreshUnrestricted(*default_user_);
  auto old = std::move(users_);
  users_.clear();
  for (auto& [name, u] : old) {
    if (u.get() == default_user_) {
      users_["default"] = std::move(u);
    } else {
      FreeUserAndKillClients(u.get(), current);
    }
  }
  for (auto& [name, u] : fresh) {
    RefreshUnrestricted(*u);
    users_[name] = std::move(u);
  }
  return "";
}

std::string Acl::SaveFile(const std::string& path) {
  std::string out;
  for (const auto& [name, u] : users_) out += "user " + name + " " + Describe(*u) + "\n";
  std::string tmp = fmt::format("{}.tmp-{}-{}", path, getpid(), server_->now_ms());
  int fd = open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  bool ok = fd != -1;
  if (!ok) Log(LogLevel::kWarning, "Opening temp ACL file for ACL SAVE: {}", strerror(errno));
  if (ok && write(fd, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    Log(LogLevel::kWarning, "Writing ACL file for ACL SAVE: {}", strerror(errno));
    ok = false;
  }
  if (fd != -1) close(fd);
  if (ok && rename(tmp.c_str(), path.c_str()) == -1) {
    Log(LogLevel::kWarning, "Renaming ACL file for ACL SAVE: {}", strerror(errno));
    ok = false;
  }
  if (!ok) {
    unlink(tmp.c_str());
    return "There was an error trying to save the ACLs. Please check the server logs for more "
           "information";
  }
  return "";
}

std::string Acl::LoadAtStartup(const std::vector<std::vector<std::string>>& user_lines,
                               const std::string& aclfile) {
  if (!aclfile.empty() && !user_lines.empty())
    return "Configuring Redis with users defined in redis.conf and at the same setting an ACL "
           "file path is invalid. This setup is very likely to lead to configuration errors "
           "and security holes, please define either an ACL file or declare users directly "
           "in your redis.conf, but not both.";
  std::vector<std::string> seen;
  for (const auto& line : user_lines) {
    if (line.empty()) return "Bad directive or wrong number of arguments";
    if (std::find(seen.begin(), seen.end(), line[0]) != seen.end())
      return fmt::format("Error in user declaration '{}': {}", line[0], kErrDuplicate);
    seen.push_back(line[0]);
    if (HasSpaces(line[0])) return "Spaces not allowed in ACL usernames";
  }
  for (const auto& line : user_lines) {
    AclUser* u = Find(line[0]);
    std::string e;
    if (u == nullptr) {
      u = CreateUser(line[0]);
    } else {
      ApplyOp(*u, "reset", &e);
    }
    std::vector<std::string> ops(line.begin() + 1, line.end()), merged;
    size_t bad = 0;
    if (!MergeSelectorArgs(ops, &merged, &bad))
      return fmt::format("Unmatched parenthesis in acl selector starting at '{}'.", ops[bad]);
    for (const auto& op : merged) {
      if (!ApplyOp(*u, op, &e))
        return fmt::format("Error loading ACL rule '{}' for the user named '{}': {}", op,
                           line[0], e);
    }
    RefreshUnrestricted(*u);
    if (u->flags & AclUser::kDisabled)
      Log(LogLevel::kNotice,
          "The user '{}' is disabled (there is no 'on' modifier in the user description). "
          "Make sure this is not a configuration error.",
          line[0]);
  }
  if (!aclfile.empty()) {
    std::string err = LoadFile(aclfile, nullptr);
    if (!err.empty()) return "Aborting Redis startup because of ACL errors: " + err;
  }
  return "";
}

}  // namespace sable
