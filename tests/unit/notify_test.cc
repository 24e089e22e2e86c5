#include "server/notify.h"

#include <doctest/doctest.h>

namespace sable {
namespace {

TEST_CASE("notify-keyspace-events: text to flags and back as redis-server shows it") {
  // (given, CONFIG GET shows) pairs checked against redis-server 7.0.15.
  struct Case {
    const char* given;
    const char* shown;
  };
  const Case cases[] = {
      {"", ""},           {"KEA", "AKE"},       {"gKE", "gKE"},      {"$lshzxeKE", "$lshzxeKE"},
      {"KA", "AK"},       {"EA", "AE"},         {"Kx", "xK"},        {"AKEmn", "AKEm"},
      {"KEn", "nKE"},     {"Em", "Em"},         {"tdK", "tdK"},      {"g$lshzxetdKE", "AKE"},
      {"EEKKgg", "gKE"},  {"A$", "A"},
  };
  for (const Case& c : cases) {
    int flags = KeyspaceEventsFromString(c.given);
    REQUIRE(flags >= 0);
    CHECK(KeyspaceEventsToString(flags) == c.shown);
  }
}

TEST_CASE("notify-keyspace-events: A is every class but keymiss and new") {
  int a = KeyspaceEventsFromString("A");
  CHECK((a & kNotifyKeyMiss) == 0);
  CHECK((a & kNotifyNew) == 0);
  CHECK((a & kNotifyKeyspace) == 0);
  CHECK((a & kNotifyKeyevent) == 0);
  CHECK((a & kNotifyGeneric) != 0);
  CHECK((a & kNotifyStream) != 0);
  CHECK((a & kNotifyModule) != 0);
  // 'n' survives next to 'A' though the text hides it.
  int an = KeyspaceEventsFromString("An");
  CHECK((an & kNotifyNew) != 0);
  CHECK(KeyspaceEventsToString(an) == "A");
}

TEST_CASE("notify-keyspace-events: unknown characters are rejected") {
  CHECK(KeyspaceEventsFromString("X") == -1);
  CHECK(KeyspaceEventsFromString("KEa") == -1);
  CHECK(KeyspaceEventsFromString("K E") == -1);
}

}  // namespace
}  // namespace sable
