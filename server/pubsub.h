// Pub/Sub as Redis 7.0's pubsub.c: channel and pattern subscriptions, shard channels (which in
// a non-cluster server behave like a separate channel namespace without patterns), and message
// delivery. Messages and (un)subscribe confirmations are "pushes": they reach a client even
// under CLIENT REPLY OFF/SKIP, as RESP3 push frames or RESP2 arrays.
//
// Invariants: a client is in the subscriber list of a channel/pattern iff the channel/pattern
// is in its ClientPubSub; server-side entries with no subscriber are removed. A Connection
// leaves every list in RemoveClient (RESET, disconnect).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "server/reply_writer.h"

namespace sable {

class Connection;
class Server;

// Unmutes a writer for the lifetime of the scope (Redis's CLIENT_PUSHING).
class PushScope {
 public:
  explicit PushScope(ReplyWriter& w) : w_(w), was_muted_(w.muted()) { w_.set_muted(false); }
  ~PushScope() { w_.set_muted(was_muted_); }
  PushScope(const PushScope&) = delete;
  PushScope& operator=(const PushScope&) = delete;

 private:
  ReplyWriter& w_;
  bool was_muted_;
};

// One client's subscriptions.
struct ClientPubSub {
  std::unordered_set<std::string> channels;
  std::vector<std::string> patterns;  // in subscription order (Redis keeps a list)
  std::unordered_set<std::string> shard_channels;
  // The count (P)(UN)SUBSCRIBE replies carry: channels + patterns.
  int64_t count() const { return static_cast<int64_t>(channels.size() + patterns.size()); }
  int64_t shard_count() const { return static_cast<int64_t>(shard_channels.size()); }
  bool empty() const { return channels.empty() && patterns.empty() && shard_channels.empty(); }
};

class PubSub {
 public:
  explicit PubSub(Server* server) : server_(server) {}
  PubSub(const PubSub&) = delete;
  PubSub& operator=(const PubSub&) = delete;

  // Each of these replies the confirmation push to `c` (when `notify`, for unsubscribes) and
  // returns whether the subscription set changed.
  bool Subscribe(Connection& c, std::string_view channel, bool shard);
  bool Unsubscribe(Connection& c, std::string_view channel, bool shard, bool notify);
  // Unsubscribes from every (shard) channel; with none, still confirms once with a null name.
  int UnsubscribeAll(Connection& c, bool shard, bool notify);
  bool PSubscribe(Connection& c, std::string_view pattern);
  bool PUnsubscribe(Connection& c, std::string_view pattern, bool notify);
  int PUnsubscribeAll(Connection& c, bool notify);
  // Drops every subscription of `c` silently (RESET, disconnect).
  void RemoveClient(Connection& c);

  // Delivers to channel subscribers, then (not for shard channels) to matching patterns.
  // Returns the number of deliveries.
  int64_t Publish(std::string_view channel, std::string_view message, bool shard);

  // Introspection (PUBSUB, INFO).
  size_t channel_count(bool shard) const { return Table(shard).size(); }
  size_t pattern_count() const { return patterns_.size(); }
  size_t Subscribers(std::string_view channel, bool shard) const;
  std::vector<std::string_view> Channels(bool shard, std::string_view pattern, bool all) const;

  // Writes the header and the channel of a "message" push; the caller writes the payload
  // (tracking's RESP2 invalidations carry an array there).
  static void BeginMessage(ReplyWriter& w, std::string_view kind, std::string_view channel);

 private:
  using Subscribers_ = std::unordered_map<std::string, std::vector<Connection*>>;
  Subscribers_& Table(bool shard) { return shard ? shard_channels_ : channels_; }
  const Subscribers_& Table(bool shard) const { return shard ? shard_channels_ : channels_; }
  void Deliver(Connection& c);
  void Confirm(Connection& c, std::string_view kind, const std::string_view* name, int64_t count);

  Server* server_;
  Subscribers_ channels_;
  Subscribers_ shard_channels_;
  Subscribers_ patterns_;
};

}  // namespace sable
