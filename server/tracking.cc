#include "server/tracking.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>

#include "server/connection.h"
#include "server/pubsub.h"
#include "server/server.h"

namespace sable {

namespace {

constexpr std::string_view kInvalidateChannel = "__redis__:invalidate";

// Two prefixes overlap when one starts with the other (so both would match some key).
bool Overlap(std::string_view a, std::string_view b) {
  size_t n = std::min(a.size(), b.size());
  return memcmp(a.data(), b.data(), n) == 0;
}

// Redis formats these with %s: a prefix stops at its first NUL.
std::string_view CStr(std::string_view s) { return s.substr(0, s.find('\0')); }

void AppendBulk(std::string* out, std::string_view s) {
  out->append(fmt::format("${}\r\n", s.size()));
  out->append(s);
  out->append("\r\n");
}

}  // namespace

std::string Tracking::CheckEnable(const Connection& c, uint16_t options,
                                  const std::vector<std::string_view>& prefixes) const {
  const ClientTracking& t = c.tracking;
  if (!(options & ClientTracking::kBcast) && !prefixes.empty())
    return "ERR PREFIX option requires BCAST mode to be enabled";
  if (t.on() &&
      t.has(ClientTracking::kBcast) != static_cast<bool>(options & ClientTracking::kBcast))
    return "ERR You can't switch BCAST mode on/off before disabling tracking for this client, "
           "and then re-enabling it with a different mode.";
  if ((options & ClientTracking::kBcast) &&
      (options & (ClientTracking::kOptin | ClientTracking::kOptout)))
    return "ERR OPTIN and OPTOUT are not compatible with BCAST";
  if ((options & ClientTracking::kOptin) && (options & ClientTracking::kOptout))
    return "ERR You can't specify both OPTIN mode and OPTOUT mode";
  if (((options & ClientTracking::kOptin) && t.has(ClientTracking::kOptout)) ||
      ((options & ClientTracking::kOptout) && t.has(ClientTracking::kOptin)))
    return "ERR You can't switch OPTIN/OPTOUT mode before disabling tracking for this client, "
           "and then re-enabling it with a different mode.";
  if (options & ClientTracking::kBcast) {
    for (size_t i = 0; i < prefixes.size(); ++i) {
      for (const std::string& have : t.prefixes)
        if (Overlap(have, prefixes[i]))
          return fmt::format(
              "ERR Prefix '{}' overlaps with an existing prefix '{}'. Prefixes for a single "
              "client must not overlap.",
              CStr(prefixes[i]), CStr(have));
      for (size_t j = i + 1; j < prefixes.size(); ++j)
        if (Overlap(prefixes[i], prefixes[j]))
          return fmt::format(
              "ERR Prefix '{}' overlaps with another provided prefix '{}'. Prefixes for a "
              "single client must not overlap.",
              CStr(prefixes[i]), CStr(prefixes[j]));
    }
  }
  return "";
}

void Tracking::Enable(Connection& c, uint64_t redirect, uint16_t options,
                      const std::vector<std::string_view>& prefixes) {
  ClientTracking& t = c.tracking;
  if (!t.on()) ++clients_;
  used_ = true;
  t.flags |= ClientTracking::kOn;
  t.flags &= ~(ClientTracking::kBrokenRedir | ClientTracking::kBcast | ClientTracking::kOptin |
               ClientTracking::kOptout | ClientTracking::kNoloop);
  t.redirect = redirect;
  if (options & ClientTracking::kBcast) {
    t.flags |= ClientTracking::kBcast;
    auto add = [&](std::string_view p) {
      Bcast& b = prefixes_[std::string(p)];
      if (std::find(b.clients.begin(), b.clients.end(), &c) != b.clients.end()) return;
      b.clients.push_back(&c);
      auto pos = std::lower_bound(t.prefixes.begin(), t.prefixes.end(), p);
      if (pos == t.prefixes.end() || *pos != p) t.prefixes.emplace(pos, p);
    };
    if (prefixes.empty()) add("");
    for (std::string_view p : prefixes) add(p);
  }
  t.flags |= options & (ClientTracking::kOptin | ClientTracking::kOptout | ClientTracking::kNoloop);
}

void Tracking::Disable(Connection& c) {
  ClientTracking& t = c.tracking;
  if (t.has(ClientTracking::kBcast)) {
    for (const std::string& p : t.prefixes) {
      auto it = prefixes_.find(p);
      if (it == prefixes_.end()) continue;
      std::erase(it->second.clients, &c);
      if (it->second.clients.empty()) prefixes_.erase(it);
    }
    t.prefixes.clear();
  }
  if (t.on()) {
    --clients_;
    t.flags = 0;
  }
}

void Tracking::RememberKeys(Connection& c, const CommandSpec& spec, ArgList args) {
  const ClientTracking& t = c.tracking;
  bool caching = t.has(ClientTracking::kCaching);
  if ((t.has(ClientTracking::kOptin) && !caching) || (t.has(ClientTracking::kOptout) && caching))
    return;
  const CommandSpec& top = spec.parent ? *spec.parent : spec;
  // Shard channels are declared as keys for cluster routing only.
  if ((spec.flags | top.flags) & kCmdPubsub) return;
  std::vector<int> pos;
  spec.KeyPositions(args, &pos);
  for (int i : pos) {
    auto& ids = table_[std::string(args[i])];
    if (std::find(ids.begin(), ids.end(), c.id()) != ids.end()) continue;
    ids.push_back(c.id());
    ++items_;
  }
}

void Tracking::Send(Connection& c, std::string_view payload, bool raw) {
  Connection* target = &c;
  bool redirected = false;
  if (c.tracking.redirect != 0) {
    target = server_->FindClient(c.tracking.redirect);
    if (target == nullptr) {
      // Tell the client (if it can hear pushes) that its invalidations have nowhere to go.
      c.tracking.flags |= ClientTracking::kBrokenRedir;
      if (c.writer().resp3()) {
        ReplyWriter& w = c.writer();
        PushScope push(w);
        w.Push(2);
        w.Bulk("tracking-redir-broken");
        w.Integer(static_cast<int64_t>(c.tracking.redirect));
        server_->ScheduleFlush(&c);
      }
      return;
    }
    redirected = true;
  }
  ReplyWriter& w = target->writer();
  PushScope push(w);
  if (w.resp3()) {
    w.Push(2);
    w.Bulk("invalidate");
  } else if (redirected && target->subscribed()) {
    // RESP2 has no pushes: a redirect client in Pub/Sub mode gets a channel message.
    PubSub::BeginMessage(w, "message", kInvalidateChannel);
  } else {
    return;  // a RESP2 client without redirection cannot receive anything
  }
  if (raw) {
    w.Raw(payload);
  } else {
    w.Array(1);
    w.Bulk(payload);
  }
  server_->ScheduleFlush(target);
  server_->CheckOutputLimit(*target);
}

void Tracking::RememberForBroadcast(Connection* by, std::string_view key) {
  for (auto& [prefix, b] : prefixes_) {
    if (prefix.size() > key.size() || key.compare(0, prefix.size(), prefix) != 0) continue;
    // The last modifier is kept so NOLOOP clients can skip their own changes.
    b.keys.insert_or_assign(std::string(key), by);
  }
}

void Tracking::InvalidateKey(Connection* by, std::string_view key, bool bcast) {
  if (!used_) return;
  if (bcast && !prefixes_.empty()) RememberForBroadcast(by, key);
  auto it = table_.find(std::string(key));
  if (it == table_.end()) return;
  // Detach the entry first: sending may not reenter, but the table must not hold it after.
  std::vector<uint64_t> ids = std::move(it->second);
  table_.erase(it);
  items_ -= ids.size();
  Connection* current = server_->current_client();
  for (uint64_t id : ids) {
    Connection* target = server_->FindClient(id);
    // A client that switched to BCAST since does not get its old default-mode keys.
    if (target == nullptr || !target->tracking.on() || target->tracking.has(ClientTracking::kBcast))
      continue;
    if (target->tracking.has(ClientTracking::kNoloop) && target == current) continue;
    // The current client's own invalidations follow its reply (and a whole EXEC).
    if (target == current && server_->in_call()) {
      pending_.emplace_back(std::string(key));
    } else {
      Send(*target, key, false);
    }
  }
}

void Tracking::HandlePending() {
  if (pending_.empty()) return;
  std::vector<std::optional<std::string>> keys;
  keys.swap(pending_);
  Connection* c = server_->current_client();
  if (c == nullptr || c->closing()) return;
  for (const auto& k : keys) {
    if (k) {
      Send(*c, *k, false);
    } else {
      Send(*c, c->writer().resp3() ? "_\r\n" : "$-1\r\n", true);
    }
  }
}

void Tracking::InvalidateAllOnFlush() {
  if (clients_ > 0) {
    Connection* current = server_->current_client();
    std::vector<Connection*> targets;
    for (const auto& [id, c] : server_->clients())
      if (c->tracking.on()) targets.push_back(c);
    std::sort(targets.begin(), targets.end(),
              [](Connection* a, Connection* b) { return a->id() < b->id(); });
    for (Connection* c : targets) {
      if (c == current) {
        pending_.emplace_back(std::nullopt);
      } else {
        // The null is in the tracking client's own protocol, even when redirected (as Redis).
        Send(*c, c->writer().resp3() ? "_\r\n" : "$-1\r\n", true);
      }
    }
  }
  table_.clear();
  items_ = 0;
}

void Tracking::LimitUsedSlots() {
  if (!used_) return;
  int64_t max_keys = server_->config().tracking_table_max_keys;
  if (max_keys <= 0) return;
  if (table_.size() <= static_cast<size_t>(max_keys)) {
    limit_rounds_ = 0;
    return;
  }
  // Evict like Redis: up to 100 keys per round, more each round the table stays over.
  int effort = 100 * static_cast<int>(limit_rounds_ + 1);
  while (effort-- > 0 && !table_.empty()) {
    std::string key = table_.begin()->first;
    InvalidateKey(nullptr, key, false);
    if (table_.size() <= static_cast<size_t>(max_keys)) {
      limit_rounds_ = 0;
      return;
    }
  }
  ++limit_rounds_;
}

std::string Tracking::BroadcastReply(const Bcast& b, const Connection* exclude) {
  size_t count = 0;
  for (const auto& [key, by] : b.keys)
    if (exclude == nullptr || by != exclude) ++count;
  if (count == 0) return "";
  std::string out = fmt::format("*{}\r\n", count);
  for (const auto& [key, by] : b.keys)
    if (exclude == nullptr || by != exclude) AppendBulk(&out, key);
  return out;
}

void Tracking::Broadcast() {
  if (!used_ || clients_ == 0) return;
  for (auto& [prefix, b] : prefixes_) {
    if (b.keys.empty()) continue;
    std::string all = BroadcastReply(b, nullptr);
    // Sending cannot change the prefix table (no client is freed here).
    for (Connection* c : b.clients) {
      if (c->tracking.has(ClientTracking::kNoloop)) {
        std::string mine = BroadcastReply(b, c);
        if (!mine.empty()) Send(*c, mine, true);
      } else {
        Send(*c, all, true);
      }
    }
    b.keys.clear();
  }
}

}  // namespace sable
