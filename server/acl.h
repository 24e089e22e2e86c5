// Access control lists as Redis 7.0 has them: users (flags, SHA-256 password hashes) and their
// selectors (command bitmap + allowed first-args, key patterns with read/write permissions,
// channel patterns), the rule language of ACL SETUSER and its canonical description (ACL
// LIST / GETUSER), permission checks for the dispatcher, the ACL log, and the ACL file.
//
// A connection points at its user (Connection::user); nullptr means a superuser (internal
// clients such as the AOF loader), which skips every check. The default user object lives as
// long as the server (ACL LOAD copies the new rules into it).
#pragma once

#include <bitset>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "server/command_table.h"

namespace sable {

class Server;
class Connection;

// Results of a permission check (numerically as Redis's ACL_* codes: when several selectors
// deny, the highest reason wins).
enum AclResult : int {
  kAclOk = 0,
  kAclDeniedCmd = 1,
  kAclDeniedKey = 2,
  kAclDeniedAuth = 3,
  kAclDeniedChannel = 4,
};

enum AclLogContext : int { kAclCtxToplevel = 0, kAclCtxMulti = 1, kAclCtxLua = 2 };

inline constexpr int kAclCommandBits = 1024;  // the last bit means "future commands" (+@all)

struct AclKeyPattern {
  int perm;  // kPermRead | kPermWrite
  std::string pattern;
};

struct AclSelector {
  enum : uint32_t { kRoot = 1, kAllKeys = 2, kAllCommands = 4, kAllChannels = 8 };
  enum : int { kPermRead = 1, kPermWrite = 2, kPermAll = 3 };
  uint32_t flags = 0;
  std::bitset<kAclCommandBits> allowed;
  std::map<int, std::vector<std::string>> firstargs;  // command id → allowed first args
  std::vector<AclKeyPattern> patterns;
  std::vector<std::string> channels;
};

struct AclUser {
  enum : uint32_t {
    kEnabled = 1,
    kDisabled = 2,
    kNoPass = 4,
    kSanitizePayload = 8,
    kSkipSanitizePayload = 16
  };
  std::string name;
  uint32_t flags = kDisabled;
  std::vector<std::string> passwords;  // hex SHA-256
  std::vector<AclSelector> selectors;  // [0] is the root selector
  bool unrestricted = false;           // one selector with every command, key and channel
};

struct AclLogEntry {
  uint64_t count = 1;
  int reason = 0;
  int context = 0;
  std::string object;
  std::string username;
  int64_t ctime_ms = 0;
  std::string cinfo;
};

class Acl {
 public:
  explicit Acl(Server* server);
  ~Acl();

  AclUser* default_user() { return default_user_; }
  AclUser* Find(std::string_view name);
  const std::map<std::string, std::unique_ptr<AclUser>>& users() const { return users_; }

  // ACL SETUSER: creates or modifies `name` with `ops` atomically. "" or the error message
  // (without "ERR "). `current` is the calling client (pub/sub clients may be killed).
  std::string SetUser(std::string_view name, const std::vector<std::string>& ops,
                      Connection* current);
  // Deletes a user and disconnects its clients (the calling one after its reply).
  bool DeleteUser(std::string_view name, Connection* current);
  // "user NAME rules..." as ACL LIST shows it (without the "user NAME " prefix).
  std::string Describe(const AclUser& u);
  std::string DescribeCommandRules(const AclSelector& s);
  static std::string DescribeKeys(const AclSelector& s);
  static std::string DescribeChannels(const AclSelector& s);

  // Authentication. Returns true and switches `c` to the user, or logs the failure (object:
  // `cmdname`, the command as sent).
  bool Authenticate(Connection& c, std::string_view user, std::string_view pass,
                    std::string_view cmdname);
  // A new (or RESET) connection: default user, authenticated if it needs no password.
  void SetDefaultAuth(Connection& c);
  bool AuthRequired(const Connection& c) const;
  // requirepass: the default user's password (empty = nopass).
  void UpdateDefaultUserPassword(const std::string& pass);

  // Permission checks. `idx` receives the argument index of the denied key/channel.
  int CheckCommand(const AclUser& u, const CommandSpec& spec, ArgList args, int* idx);
  // Checks `c` for its command; on denial logs it (context `ctx`) and returns the AclResult.
  int CheckAndLog(Connection& c, const CommandSpec& spec, ArgList args, int ctx);
  // The dispatcher's reply for a denial (without '-').
  static std::string DeniedMessage(int result, const CommandSpec& spec);
  // Scripting (redis.call): check with CheckAndLog(caller, spec, args, kAclCtxLua); a denial
  // fails the call with this error text (Redis's scriptVerifyACL).
  static std::string ScriptDeniedMessage(int result);
  // Pub/sub: may the user of `c` use `channel` (a pattern for PSUBSCRIBE)?
  bool CheckChannel(const Connection& c, std::string_view channel, bool is_pattern);
  // May `u` run `spec` with unrestricted access (kPermRead/kPermWrite) to every key? (SORT's
  // BY/GET patterns.)
  bool CheckCmdWithUnrestrictedKeyAccess(const AclUser* u, const CommandSpec& spec,
                                         ArgList args, int perm);
  // ACL LOG.
  void AddLog(Connection& c, int reason, int context, std::string object,
              std::string_view username = {});
  std::deque<AclLogEntry>& log() { return log_; }

  // ACL CAT.
  static const std::vector<std::string>& CategoryNames();
  bool CategoryCommands(std::string_view cat, std::vector<std::string>* out);

  // ACL file and `user` config lines. "" or the error.
  std::string LoadFile(const std::string& path, Connection* current);
  std::string SaveFile(const std::string& path);
  // At startup: `user` config lines, then the aclfile. "" or the error.
  std::string LoadAtStartup(const std::vector<std::vector<std::string>>& user_lines,
                            const std::string& aclfile);

  // Pub/sub integration: called for every pub/sub client of a user whose channel permissions
  // shrank; returns true if the client must be killed (it is subscribed to something that
  // `allowed(channel, is_pattern)` rejects). Unset (no pub/sub) means nothing to check.
  std::function<bool(Connection& c,
                     const std::function<bool(std::string_view, bool)>& allowed)>
      pubsub_violates;

  static std::string HashPassword(std::string_view pass);

 private:
  struct CmdInfo {
    const CommandSpec* spec = nullptr;
    uint32_t categories = 0;
    std::vector<int> subs;  // ids of subcommands (for containers)
    int parent = -1;
    uint32_t channel_flags = 0;
  };

  void InitCommands();
  AclUser* CreateUser(std::string_view name);
  std::unique_ptr<AclUser> NewUser(std::string_view name);
  AclSelector NewSelector(uint32_t flags) const;
  // ACLSetUser / ACLSetSelector: false with *err (the reason text).
  bool ApplyOp(AclUser& u, std::string_view op, std::string* err);
  bool ApplySelectorOp(AclSelector& s, std::string_view op, std::string* err);
  void ChangePerm(AclSelector& s, int id, bool allow);
  bool SetCategory(AclSelector& s, std::string_view cat, bool allow);
  void SetCategoryBits(AclSelector& s, uint32_t cflag, bool allow);
  void CountCategory(const AclSelector& s, uint32_t cflag, unsigned long* on, unsigned long* off);
  void DescribeSingleCommands(const AclSelector& s, AclSelector& fake, std::string& rules);
  const CommandSpec* LookupForAcl(std::string_view name) const;
  int SelectorCheckCmd(const AclSelector& s, const CommandSpec& spec, int id, ArgList args,
                       int* idx, std::vector<std::pair<int, uint32_t>>* keys, bool* keys_init);
  static bool SelectorCheckKey(const AclSelector& s, std::string_view key, uint32_t keyflags);
  static bool SelectorHasUnrestrictedKeyAccess(const AclSelector& s, int perm);
  static bool ChannelInList(const std::vector<std::string>& list, std::string_view ch,
                            bool is_pattern);
  void FreeUserAndKillClients(AclUser* u, Connection* current);
  void KillPubsubClientsIfNeeded(const AclUser& next, AclUser* original);
  void RefreshUnrestricted(AclUser& u);
  int IdOf(const CommandSpec& spec) const;

  Server* server_;
  std::map<std::string, std::unique_ptr<AclUser>> users_;
  AclUser* default_user_ = nullptr;
  std::deque<AclLogEntry> log_;
  std::vector<CmdInfo> cmds_;  // by command id
  std::unordered_map<const CommandSpec*, int> ids_;
  std::vector<int> top_ids_;  // top-level commands in table order
};

// Convenience for the pub/sub commands: may the user of `c` use `channel`?
bool AclCheckChannel(Server& server, const Connection& c, std::string_view channel,
                     bool is_pattern);

}  // namespace sable
