#include "server/pubsub.h"

#include <algorithm>

#include "datastructs/glob.h"
#include "server/connection.h"
#include "server/server.h"

namespace sable {

namespace {

ClientPubSub& StateOf(Connection& c) {
  if (!c.pubsub) c.pubsub = std::make_unique<ClientPubSub>();
  return *c.pubsub;
}

void RemoveSubscriber(std::unordered_map<std::string, std::vector<Connection*>>& table,
                      std::string_view name, Connection* c) {
  auto it = table.find(std::string(name));
  if (it == table.end()) return;
  auto& list = it->second;
  auto pos = std::find(list.begin(), list.end(), c);
  if (pos != list.end()) list.erase(pos);
  // No empty entries: millions of channels subscribed once must not linger.
  if (list.empty()) table.erase(it);
}

}  // namespace

void PubSub::BeginMessage(ReplyWriter& w, std::string_view kind, std::string_view channel) {
  w.Push(3);
  w.Bulk(kind);
  w.Bulk(channel);
}

void PubSub::Confirm(Connection& c, std::string_view kind, const std::string_view* name,
                     int64_t count) {
  ReplyWriter& w = c.writer();
  PushScope push(w);
  w.Push(3);
  w.Bulk(kind);
  if (name != nullptr) {
    w.Bulk(*name);
  } else {
    w.Null();
  }
  w.Integer(count);
}

void PubSub::Deliver(Connection& c) {
  server_->ScheduleFlush(&c);
  server_->CheckOutputLimit(c);
}

bool PubSub::Subscribe(Connection& c, std::string_view channel, bool shard) {
  ClientPubSub& st = StateOf(c);
  auto& mine = shard ? st.shard_channels : st.channels;
  bool added = mine.emplace(channel).second;
  if (added) Table(shard)[std::string(channel)].push_back(&c);
  Confirm(c, shard ? "ssubscribe" : "subscribe", &channel, shard ? st.shard_count() : st.count());
  return added;
}

bool PubSub::Unsubscribe(Connection& c, std::string_view channel, bool shard, bool notify) {
  bool removed = false;
  if (c.pubsub) {
    auto& mine = shard ? c.pubsub->shard_channels : c.pubsub->channels;
    auto it = mine.find(std::string(channel));
    if (it != mine.end()) {
      removed = true;
      RemoveSubscriber(Table(shard), channel, &c);
      mine.erase(it);
    }
  }
  if (notify) {
    int64_t n = 0;
    if (c.pubsub) n = shard ? c.pubsub->shard_count() : c.pubsub->count();
    Confirm(c, shard ? "sunsubscribe" : "unsubscribe", &channel, n);
  }
  return removed;
}

int PubSub::UnsubscribeAll(Connection& c, bool shard, bool notify) {
  int count = 0;
  if (c.pubsub) {
    auto& mine = shard ? c.pubsub->shard_channels : c.pubsub->channels;
    // Copy the names: each confirmation reports the count after its own removal.
    std::vector<std::string> names(mine.begin(), mine.end());
    for (const std::string& n : names) count += Unsubscribe(c, n, shard, notify) ? 1 : 0;
  }
  if (notify && count == 0) {
    int64_t n = 0;
    if (c.pubsub) n = shard ? c.pubsub->shard_count() : c.pubsub->count();
    Confirm(c, shard ? "sunsubscribe" : "unsubscribe", nullptr, n);
  }
  return count;
}

bool PubSub::PSubscribe(Connection& c, std::string_view pattern) {
  ClientPubSub& st = StateOf(c);
  bool added = std::find(st.patterns.begin(), st.patterns.end(), pattern) == st.patterns.end();
  if (added) {
    st.patterns.emplace_back(pattern);
    patterns_[std::string(pattern)].push_back(&c);
  }
  Confirm(c, "psubscribe", &pattern, st.count());
  return added;
}

bool PubSub::PUnsubscribe(Connection& c, std::string_view pattern, bool notify) {
  bool removed = false;
  if (c.pubsub) {
    auto& mine = c.pubsub->patterns;
    auto it = std::find(mine.begin(), mine.end(), pattern);
    if (it != mine.end()) {
      removed = true;
      RemoveSubscriber(patterns_, pattern, &c);
      mine.erase(it);
    }
  }
  if (notify) Confirm(c, "punsubscribe", &pattern, c.pubsub ? c.pubsub->count() : 0);
  return removed;
}

int PubSub::PUnsubscribeAll(Connection& c, bool notify) {
  int count = 0;
  if (c.pubsub) {
    std::vector<std::string> names = c.pubsub->patterns;
    for (const std::string& p : names) count += PUnsubscribe(c, p, notify) ? 1 : 0;
  }
  if (notify && count == 0) {
    Confirm(c, "punsubscribe", nullptr, c.pubsub ? c.pubsub->count() : 0);
  }
  return count;
}

void PubSub::RemoveClient(Connection& c) {
  if (!c.pubsub) return;
  for (const std::string& ch : c.pubsub->channels) RemoveSubscriber(channels_, ch, &c);
  for (const std::string& ch : c.pubsub->shard_channels) RemoveSubscriber(shard_channels_, ch, &c);
  for (const std::string& p : c.pubsub->patterns) RemoveSubscriber(patterns_, p, &c);
  c.pubsub.reset();
}

int64_t PubSub::Publish(std::string_view channel, std::string_view message, bool shard) {
  int64_t receivers = 0;
  Subscribers_& table = Table(shard);
  if (!table.empty()) {
    auto it = table.find(std::string(channel));
    if (it != table.end()) {
      // Delivery cannot change the list: clients over their output limit are closed later.
      for (Connection* c : it->second) {
        ReplyWriter& w = c->writer();
        PushScope push(w);
        BeginMessage(w, shard ? "smessage" : "message", channel);
        w.Bulk(message);
        Deliver(*c);
        ++receivers;
      }
    }
  }
  if (shard) return receivers;  // shard channels ignore patterns
  for (auto& [pattern, clients] : patterns_) {
    if (!GlobMatch(pattern, channel)) continue;
    for (Connection* c : clients) {
      ReplyWriter& w = c->writer();
      PushScope push(w);
      w.Push(4);
      w.Bulk("pmessage");
      w.Bulk(pattern);
      w.Bulk(channel);
      w.Bulk(message);
      Deliver(*c);
      ++receivers;
    }
  }
  return receivers;
}

size_t PubSub::Subscribers(std::string_view channel, bool shard) const {
  const Subscribers_& table = Table(shard);
  auto it = table.find(std::string(channel));
  return it == table.end() ? 0 : it->second.size();
}

std::vector<std::string_view> PubSub::Channels(bool shard, std::string_view pattern,
                                               bool all) const {
  std::vector<std::string_view> out;
  for (const auto& [name, clients] : Table(shard))
    if (all || GlobMatch(pattern, name)) out.emplace_back(name);
  return out;
}

}  // namespace sable
