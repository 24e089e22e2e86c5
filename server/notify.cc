#include "server/notify.h"

#include <fmt/format.h>

#include "server/pubsub.h"
#include "server/server.h"

namespace sable {

int KeyspaceEventsFromString(std::string_view classes) {
  int flags = 0;
  for (char c : classes) {
    switch (c) {
      case 'A':
        flags |= kNotifyAll;
        break;
      case 'g':
        flags |= kNotifyGeneric;
        break;
      case '$':
        flags |= kNotifyString;
        break;
      case 'l':
        flags |= kNotifyList;
        break;
      case 's':
        flags |= kNotifySet;
        break;
      case 'h':
        flags |= kNotifyHash;
        break;
      case 'z':
        flags |= kNotifyZset;
        break;
      case 'x':
        flags |= kNotifyExpired;
        break;
      case 'e':
        flags |= kNotifyEvicted;
        break;
      case 'K':
        flags |= kNotifyKeyspace;
        break;
      case 'E':
        flags |= kNotifyKeyevent;
        break;
      case 't':
        flags |= kNotifyStream;
        break;
      case 'm':
        flags |= kNotifyKeyMiss;
        break;
      case 'd':
        flags |= kNotifyModule;
        break;
      case 'n':
        flags |= kNotifyNew;
        break;
      default:
        return -1;
    }
  }
  return flags;
}

std::string KeyspaceEventsToString(int flags) {
  std::string s;
  if ((flags & kNotifyAll) == kNotifyAll) {
    s += 'A';
  } else {
    if (flags & kNotifyGeneric) s += 'g';
    if (flags & kNotifyString) s += '$';
    if (flags & kNotifyList) s += 'l';
    if (flags & kNotifySet) s += 's';
    if (flags & kNotifyHash) s += 'h';
    if (flags & kNotifyZset) s += 'z';
    if (flags & kNotifyExpired) s += 'x';
    if (flags & kNotifyEvicted) s += 'e';
    if (flags & kNotifyStream) s += 't';
    if (flags & kNotifyModule) s += 'd';
    if (flags & kNotifyNew) s += 'n';
  }
  if (flags & kNotifyKeyspace) s += 'K';
  if (flags & kNotifyKeyevent) s += 'E';
  if (flags & kNotifyKeyMiss) s += 'm';
  return s;
}

void Server::PublishKeyspaceEvent(std::string_view event, std::string_view key, int db) {
  int flags = config_->notify_keyspace_events;
  if (flags & kNotifyKeyspace) {
    std::string chan = fmt::format("__keyspace@{}__:", db);
    chan.append(key);
    pubsub_->Publish(chan, event, false);
  }
  if (flags & kNotifyKeyevent) {
    std::string chan = fmt::format("__keyevent@{}__:", db);
    chan.append(event);
    pubsub_->Publish(chan, key, false);
  }
}

}  // namespace sable
