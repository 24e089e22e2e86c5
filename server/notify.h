// Keyspace event notifications (notify-keyspace-events), as Redis 7.0's notify.c: a change
// of class C named E on key K in db D is published as E on __keyspace@D__:K (K flag) and as K
// on __keyevent@D__:E (E flag), when class C is enabled. Commands call
// Server::NotifyKeyspaceEvent (util.h wraps it) where Redis calls notifyKeyspaceEvent.
#pragma once

#include <string>
#include <string_view>

namespace sable {

enum NotifyFlag : int {
  kNotifyKeyspace = 1 << 0,  // K
  kNotifyKeyevent = 1 << 1,  // E
  kNotifyGeneric = 1 << 2,   // g
  kNotifyString = 1 << 3,    // $
  kNotifyList = 1 << 4,      // l
  kNotifySet = 1 << 5,       // s
  kNotifyHash = 1 << 6,      // h
  kNotifyZset = 1 << 7,      // z
  kNotifyExpired = 1 << 8,   // x
  kNotifyEvicted = 1 << 9,   // e
  kNotifyStream = 1 << 10,   // t
  kNotifyKeyMiss = 1 << 11,  // m (not part of A)
  kNotifyLoaded = 1 << 12,   // modules only
  kNotifyModule = 1 << 13,   // d
  kNotifyNew = 1 << 14,      // n (not part of A)
  kNotifyAll = kNotifyGeneric | kNotifyString | kNotifyList | kNotifySet | kNotifyHash |
               kNotifyZset | kNotifyExpired | kNotifyEvicted | kNotifyStream | kNotifyModule,
};

// "KEA" -> flags; -1 if a character is not a class.
int KeyspaceEventsFromString(std::string_view classes);
// Flags -> the canonical string CONFIG GET shows ("AKE", "gKE", "$lshzxeKE").
std::string KeyspaceEventsToString(int flags);

}  // namespace sable
