// The generated command metadata (server/key_specs.inc,
// server/command_docs*.inc), its attachment to the command table, and key
// extraction with it.
#include "server/command_meta.h"

#include <doctest/doctest.h>

#include <string>
#include <utility>
#include <vector>

#include "server/command_table.h"

namespace sable {
namespace {

std::vector<std::pair<int, uint32_t>> Keys(const CommandTable &t,
                                           std::vector<std::string_view> args) {
  const CommandSpec *c = t.Find(args[0]);
  REQUIRE(c != nullptr);
  std::vector<std::pair<int, uint32_t>> out;
  GetKeysWithFlags(*c, args, &out);
  return out;
}

TEST_CASE("every command and subcommand gets its Redis docs row") {
  CommandTable t;
  for (const CommandSpec *c : t.all()) {
    REQUIRE(c->doc != nullptr);
    CHECK(c->doc->name == c->FullName());
    CHECK(DocHistory(*c->doc).size() == static_cast<size_t>(c->doc->history_count));
    for (const auto &s : c->subcommands) {
      REQUIRE(s->doc != nullptr);
      CHECK(s->doc->name == s->FullName());
    }
  }
  CHECK(FindCommandDoc("nosuch") == nullptr);
  CHECK(FindCommandDoc("config|get") == t.Find("config")->FindSub("get")->doc);
}

TEST_CASE("SET's argument tree: preorder rows, sub-arguments after their oneof") {
  const CommandDocRow *d = FindCommandDoc("set");
  REQUIRE(d != nullptr);
  CHECK(d->args_count == 5);
  CHECK(d->history_count == 4);
  const DocArgRow *a = DocArgRows() + d->args_begin;
  std::vector<std::string> names;
  for (int i = 0; i < 12; ++i) names.emplace_back(a[i].name);
  CHECK(names == std::vector<std::string>{
                     "key", "value", "condition", "nx", "xx", "get", "expiration", "seconds",
                     "milliseconds", "unix-time-seconds", "unix-time-milliseconds", "keepttl"});
  CHECK(a[0].key_spec_index == 0);
  CHECK(a[2].nargs == 2);
  CHECK(std::string(a[2].flags) == "optional");
  CHECK(a[6].nargs == 5);
  CHECK(std::string(a[7].token) == "EX");
}

TEST_CASE("key specs and movable keys as Redis derives them") {
  CommandTable t;
  const CommandSpec *sort = t.Find("sort");
  REQUIRE(sort->key_specs.size() == 3);
  CHECK(sort->key_specs[0].notes == nullptr);
  CHECK(std::string(sort->key_specs[2].notes).find("STORE") != std::string::npos);
  CHECK(std::string(sort->getkeys_proc) == "sortGetKeys");
  CHECK(t.Find("config")->FindSub("get")->key_specs.empty());
  CHECK(t.Find("object")->FindSub("encoding")->key_specs.size() == 1);
  for (const char *movable : {"sort", "eval", "zunionstore", "migrate", "xread", "georadius"})
    CHECK_MESSAGE((t.Find(movable)->flags & kCmdMovableKeys) != 0, movable);
  for (const char *fixed : {"get", "set", "bitfield", "mset", "smove", "ping"})
    CHECK_MESSAGE((t.Find(fixed)->flags & kCmdMovableKeys) == 0, fixed);
  CHECK_FALSE(CommandHasKeys(*t.Find("ping")));
  CHECK_FALSE(CommandHasKeys(*t.Find("config")->FindSub("get")));
  CHECK(CommandHasKeys(*t.Find("get")));
}

TEST_CASE("keys with their access flags") {
  CommandTable t;
  using K = std::vector<std::pair<int, uint32_t>>;
  CHECK(Keys(t, {"smove", "a", "b", "m"}) ==
        K{{1, kKeyRw | kKeyAccess | kKeyDelete}, {2, kKeyRw | kKeyInsert}});
  // Variable flags: SET's getkeys procedure decides by the GET option.
  CHECK(Keys(t, {"set", "k", "v"}) == K{{1, kKeyOw | kKeyUpdate}});
  CHECK(Keys(t, {"set", "k", "v", "get"}) == K{{1, kKeyRw | kKeyAccess | kKeyUpdate}});
  // Unknown specs: SORT's procedure finds the STORE key.
  CHECK(Keys(t, {"sort", "k", "by", "w", "store", "d"}) ==
        K{{1, kKeyRo | kKeyAccess}, {5, kKeyOw | kKeyUpdate}});
  CHECK(Keys(t, {"zunionstore", "d", "2", "a", "b"}) ==
        K{{1, kKeyOw | kKeyUpdate}, {3, kKeyRo | kKeyAccess}, {4, kKeyRo | kKeyAccess}});
  CHECK(Keys(t, {"eval", "s", "1", "k", "arg"}) == K{{3, kKeyRw | kKeyAccess | kKeyUpdate}});
  CHECK(Keys(t, {"mset", "a", "1", "b", "2"}) ==
        K{{1, kKeyOw | kKeyUpdate}, {3, kKeyOw | kKeyUpdate}});
}

}  // namespace
}  // namespace sable
