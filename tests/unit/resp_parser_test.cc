#include <doctest/doctest.h>

#include <random>
#include <string>
#include <vector>

#include "server/resp_parser.h"

using sable::ParserLimits;
using sable::RespParser;

namespace {

struct Parsed {
  std::vector<std::vector<std::string>> commands;
  std::string error;
};

// Feeds `input` to one parser in chunks of `chunk` bytes (0 = all at once), the way a
// connection does: the buffer grows, parsed args are copied out before the next read.
Parsed Feed(const std::string& input, size_t chunk, ParserLimits limits = {}) {
  RespParser p;
  std::string buf;
  size_t pos = 0, fed = 0;
  Parsed out;
  std::vector<std::string_view> args;
  while (fed < input.size() || chunk == 0) {
    size_t n = chunk == 0 ? input.size() : std::min(chunk, input.size() - fed);
    buf.append(input, fed, n);
    fed += n;
    while (true) {
      auto r = p.Parse(buf.data(), buf.size(), &pos, limits, &args, &out.error);
      if (r == RespParser::Result::kNeedMore) break;
      if (r == RespParser::Result::kError) return out;
      if (!args.empty()) out.commands.emplace_back(args.begin(), args.end());
    }
    if (chunk == 0) break;
  }
  return out;
}

std::string Multibulk(const std::vector<std::string>& args) {
  std::string s = "*" + std::to_string(args.size()) + "\r\n";
  for (const auto& a : args) s += "$" + std::to_string(a.size()) + "\r\n" + a + "\r\n";
  return s;
}

}  // namespace

TEST_CASE("multibulk commands parse identically when split at every byte") {
  std::string big(100000, 'x');
  std::string input = Multibulk({"SET", "key", "value"}) + Multibulk({"GET", "key"}) +
                      Multibulk({"SET", "k", big}) + Multibulk({"ECHO", ""}) +
                      Multibulk({"BIN", std::string("a\0\r\nb", 5)});
  Parsed whole = Feed(input, 0);
  REQUIRE(whole.error.empty());
  REQUIRE(whole.commands.size() == 5);
  CHECK(whole.commands[2][2] == big);
  CHECK(whole.commands[3][1].empty());
  CHECK(whole.commands[4][1] == std::string("a\0\r\nb", 5));
  for (size_t chunk : {1, 2, 3, 7, 64, 4096}) {
    Parsed p = Feed(input, chunk);
    CHECK(p.error.empty());
    CHECK(p.commands == whole.commands);
  }
}

TEST_CASE("inline commands with quotes and escapes") {
  Parsed p = Feed("PING\r\nSET \"a b\" 'c d'\nECHO \"\\x41\\n\"\r\n\r\n", 0);
  REQUIRE(p.error.empty());
  REQUIRE(p.commands.size() == 3);
  CHECK(p.commands[0] == std::vector<std::string>{"PING"});
  CHECK(p.commands[1] == std::vector<std::string>{"SET", "a b", "c d"});
  CHECK(p.commands[2] == std::vector<std::string>{"ECHO", "A\n"});
  for (size_t chunk : {1, 2, 5}) CHECK(Feed("SET \"a b\" c\r\nPING\r\n", chunk).commands.size() == 2);
}

TEST_CASE("protocol errors carry Redis's wording") {
  CHECK(Feed("*abc\r\n", 0).error == "Protocol error: invalid multibulk length");
  CHECK(Feed("*3000000000\r\n", 0).error == "Protocol error: invalid multibulk length");
  CHECK(Feed("*1\r\n+foo\r\n", 0).error == "Protocol error: expected '$', got '+'");
  CHECK(Feed("*1\r\n$-1\r\n", 0).error == "Protocol error: invalid bulk length");
  CHECK(Feed("*1\r\n$x\r\n", 0).error == "Protocol error: invalid bulk length");
  CHECK(Feed("SET \"a b\r\n", 0).error == "Protocol error: unbalanced quotes in request");
  CHECK(Feed(std::string(70000, 'a'), 0).error == "Protocol error: too big inline request");
  CHECK(Feed("*" + std::string(70000, '1'), 0).error ==
        "Protocol error: too big mbulk count string");
  CHECK(Feed("*1\r\n$" + std::string(70000, '1'), 0).error ==
        "Protocol error: too big bulk count string");
}

TEST_CASE("limits: proto-max-bulk-len and unauthenticated clients") {
  ParserLimits lim;
  lim.max_bulk_len = 1024 * 1024;
  CHECK(Feed("*1\r\n$1048577\r\n", 0, lim).error == "Protocol error: invalid bulk length");
  CHECK(Feed("*1\r\n$1048576\r\n", 0, lim).error.empty());
  lim.auth_required = true;
  CHECK(Feed("*11\r\n", 0, lim).error == "Protocol error: unauthenticated multibulk length");
  CHECK(Feed("*1\r\n$16385\r\n", 0, lim).error ==
        "Protocol error: unauthenticated bulk length");
  CHECK(Feed("*10\r\n", 0, lim).error.empty());
}

TEST_CASE("empty and negative multibulk counts are skipped") {
  Parsed p = Feed("*0\r\n*-1\r\n" + Multibulk({"PING"}), 0);
  REQUIRE(p.error.empty());
  CHECK(p.commands.size() == 1);
}

TEST_CASE("random junk never crashes the parser") {
  std::mt19937 rng(42);
  for (int i = 0; i < 2000; ++i) {
    std::string junk(rng() % 200, '\0');
    for (char& c : junk) c = static_cast<char>(rng() % 256);
    if (i % 3 == 0) junk = "*" + junk;
    Feed(junk, 1 + rng() % 16);
  }
  CHECK(true);
}

TEST_CASE("pending bulk bytes lets the caller size one read for a large value") {
  RespParser p;
  std::string buf = "*2\r\n$3\r\nSET\r\n$1000000\r\nabc";
  size_t pos = 0;
  std::vector<std::string_view> args;
  std::string err;
  CHECK(p.Parse(buf.data(), buf.size(), &pos, {}, &args, &err) == RespParser::Result::kNeedMore);
  CHECK(p.InProgress());
  CHECK(p.PendingBulkBytes(buf.size() - pos) == 1000002 - 3);
}
