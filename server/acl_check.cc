// ACL permission checks (commands, keys, channels) and the ACL LOG; rules, descriptions,
// users and files are in server/acl.cc.
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

// ---- checks ----

bool Acl::SelectorCheckKey(const AclSelector& s, std::string_view key, uint32_t keyflags) {
  if (s.flags & AclSelector::kAllKeys) return true;
  int need = 0;
  if (keyflags & kKeyAccess) need |= AclSelector::kPermRead;
  if (keyflags & (kKeyInsert | kKeyDelete | kKeyUpdate)) need |= AclSelector::kPermWrite;
  for (const auto& p : s.patterns) {
    if ((p.perm & need) != need) continue;
    if (GlobMatch(p.pattern, key)) return true;
  }
  return false;
}

bool Acl::SelectorHasUnrestrictedKeyAccess(const AclSelector& s, int perm) {
  if (s.flags & AclSelector::kAllKeys) return true;
  for (const auto& p : s.patterns) {
    if ((p.perm & perm) != perm) continue;
    if (p.pattern == "*") return true;
  }
  return false;
}

bool Acl::ChannelInList(const std::vector<std::string>& list, std::string_view ch,
                        bool is_pattern) {
  for (const auto& p : list) {
    if ((is_pattern && p == ch) || (!is_pattern && GlobMatch(p, ch))) return true;
  }
  return false;
}

int Acl::SelectorCheckCmd(const AclSelector& s, const CommandSpec& spec, int id, ArgList args,
                          int* idx, std::vector<std::pair<int, uint32_t>>* keys,
                          bool* keys_init) {
  const CmdInfo& ci = cmds_[id];
  uint32_t flags = spec.flags;
  if (!(s.flags & AclSelector::kAllCommands) && !(flags & kCmdNoAuth)) {
    if (!s.allowed.test(static_cast<size_t>(id))) {
      auto it = s.firstargs.find(id);
      if (args.size() < 2 || it == s.firstargs.end()) return kAclDeniedCmd;
      size_t ai = spec.parent ? 2 : 1;
      if (ai >= args.size()) return kAclDeniedCmd;
      bool found = false;
      for (const auto& a : it->second)
        if (EqNoCase(args[ai], a)) found = true;
      if (!found) return kAclDeniedCmd;
    }
  }
  bool has_keys = CommandHasKeys(spec) || spec.keys_fn != nullptr || spec.first_key > 0;
  if (!(s.flags & AclSelector::kAllKeys) && has_keys) {
    if (!*keys_init) {
      GetKeysWithFlags(spec, args, keys);
      *keys_init = true;
    }
    for (const auto& [pos, kf] : *keys) {
      if (!SelectorCheckKey(s, args[pos], kf)) {
        *idx = pos;
        return kAclDeniedKey;
      }
    }
  }
  if (!(s.flags & AclSelector::kAllChannels) &&
      (ci.channel_flags & (kChPublish | kChSubscribe))) {
    int argc = static_cast<int>(args.size());
    int stop = (ci.channel_flags & kChPublish) ? std::min(2, argc) : argc;
    for (int i = 1; i < stop; ++i) {
      if (!ChannelInList(s.channels, args[i], ci.channel_flags & kChPattern)) {
        *idx = i;
        return kAclDeniedChannel;
      }
    }
  }
  return kAclOk;
}

int Acl::CheckCommand(const AclUser& u, const CommandSpec& spec, ArgList args, int* idx) {
  int id = IdOf(spec);
  if (id < 0) return kAclOk;
  int relevant = kAclDeniedCmd, last_idx = 0;
  std::vector<std::pair<int, uint32_t>> keys;
  bool keys_init = false;
  for (const auto& s : u.selectors) {
    int local = 0;
    int r = SelectorCheckCmd(s, spec, id, args, &local, &keys, &keys_init);
    if (r == kAclOk) return kAclOk;
    if (r > relevant || (r == relevant && local > last_idx)) {
      relevant = r;
      last_idx = local;
    }
  }
  *idx = last_idx;
  return relevant;
}

int Acl::CheckAndLog(Connection& c, const CommandSpec& spec, ArgList args, int ctx) {
  if (c.user == nullptr || c.user->unrestricted) return kAclOk;
  int idx = 0;
  int r = CheckCommand(*c.user, spec, args, &idx);
  if (r == kAclOk) return r;
  std::string object =
      r == kAclDeniedCmd ? spec.FullName() : std::string(args[static_cast<size_t>(idx)]);
  AddLog(c, r, ctx, std::move(object));
  return r;
}

std::string Acl::DeniedMessage(int r, const CommandSpec& spec) {
  switch (r) {
    case kAclDeniedCmd:
      return fmt::format("NOPERM this user has no permissions to run the '{}' command",
                         spec.FullName());
    case kAclDeniedKey:
      return "NOPERM this user has no permissions to access one of the keys used as arguments";
    case kAclDeniedChannel:
      return "NOPERM this user has no permissions to access one of the channels used as "
             "arguments";
    default:
      return "ERR no permission";
  }
}

std::string Acl::ScriptDeniedMessage(int r) {
  const char* why = r == kAclDeniedCmd   ? "can't run this command or subcommand"
                    : r == kAclDeniedKey ? "can't access at least one of the keys mentioned in "
                                           "the command arguments"
                    : r == kAclDeniedChannel
                        ? "can't publish to the channel mentioned in the command"
                        : "lacking the permissions for the command";
  return std::string("The user executing the script ") + why;
}

bool Acl::CheckChannel(const Connection& c, std::string_view channel, bool is_pattern) {
  if (c.user == nullptr) return true;
  for (const auto& s : c.user->selectors) {
    if (s.flags & AclSelector::kAllChannels) return true;
    if (ChannelInList(s.channels, channel, is_pattern)) return true;
  }
  return false;
}

bool Acl::CheckCmdWithUnrestrictedKeyAccess(const AclUser* u, const CommandSpec& spec,
                                            ArgList args, int perm) {
  if (u == nullptr || u->unrestricted) return true;
  int id = IdOf(spec);
  if (id < 0) return true;
  std::vector<std::pair<int, uint32_t>> keys;
  bool keys_init = false;
  for (const auto& s : u->selectors) {
    int local = 0;
    if (SelectorCheckCmd(s, spec, id, args, &local, &keys, &keys_init) == kAclOk &&
        SelectorHasUnrestrictedKeyAccess(s, perm))
      return true;
  }
  return false;
}

bool AclCheckChannel(Server& server, const Connection& c, std::string_view channel,
                     bool is_pattern) {
  return server.acl().CheckChannel(c, channel, is_pattern);
}

// ---- log ----

void Acl::AddLog(Connection& c, int reason, int context, std::string object,
                 std::string_view username) {
  AclLogEntry le;
  le.reason = reason;
  le.context = context;
  le.object = std::move(object);
  le.username = username.data() != nullptr ? std::string(username)
                : c.user != nullptr        ? c.user->name
                                           : std::string("default");
  le.ctime_ms = server_->now_ms();
  le.cinfo = server_->ClientInfoLine(c);
  size_t toscan = 10;
  for (size_t i = 0; i < log_.size() && i < toscan; ++i) {
    AclLogEntry& cur = log_[i];
    int64_t delta = cur.ctime_ms - le.ctime_ms;
    if (delta < 0) delta = -delta;
    if (cur.reason == le.reason && cur.context == le.context && delta <= 60000 &&
        cur.object == le.object && cur.username == le.username) {
      AclLogEntry m = std::move(cur);
      log_.erase(log_.begin() + static_cast<long>(i));
      m.cinfo = std::move(le.cinfo);
      m.ctime_ms = le.ctime_ms;
      ++m.count;
      log_.push_front(std::move(m));
      return;
    }
  }
  log_.push_front(std::move(le));
  int64_t max = 128;
  StringToInt64(server_->config().GetValue("acllog-max-len"), &max);
  while (static_cast<int64_t>(log_.size()) > std::max<int64_t>(max, 0)) log_.pop_back();
}


}  // namespace sable
