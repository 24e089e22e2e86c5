#include <doctest/doctest.h>

#include <string>

#include "persistence/aof_manifest.h"

namespace sable {
namespace {

std::string ParseError(const std::string& text) {
  AofManifest m;
  std::string err;
  if (AofManifest::Parse(text, &m, &err)) return "";
  return err;
}

TEST_CASE("aof manifest: parses Redis's lines, keys in any case and order") {
  AofManifest m;
  std::string err;
  REQUIRE(AofManifest::Parse("file appendonly.aof.1.base.rdb seq 1 type b\n"
                             "# a comment\n"
                             "FILE appendonly.aof.1.incr.aof TYPE i SEQ 1 newkey newvalue\n"
                             "file appendonly.aof.2.incr.aof seq 2 type i\n",
                             &m, &err));
  CHECK(m.base.name == "appendonly.aof.1.base.rdb");
  CHECK(m.base.seq == 1);
  REQUIRE(m.incrs.size() == 2);
  CHECK(m.incrs[0].name == "appendonly.aof.1.incr.aof");
  CHECK(m.incrs[1].seq == 2);
}

TEST_CASE("aof manifest: malformed manifests are refused with Redis's messages") {
  CHECK(ParseError("") == "Found an empty AOF manifest");
  CHECK(ParseError("file a.aof seq 1 type b\n\nfile b.aof seq 1 type i\n") ==
        "Invalid AOF manifest file format");  // blank line
  CHECK(ParseError("filx a.aof seq 1 type b\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a.aof type i\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a.aof seq 1 type i newkey\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a.aof seq 0 type i\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a.aof seq x type i\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file \"a.aof seq 1 type i\n") == "Invalid AOF manifest file format");
  CHECK(ParseError("file a.aof seq 1 type i") == "The AOF manifest file contains too long line");
  std::string long_line;
  while (long_line.size() < 1100) long_line += "file a.aof seq 1 type b ";
  CHECK(ParseError(long_line + "\n") == "The AOF manifest file contains too long line");
  CHECK(ParseError("file dir/a.aof seq 1 type i\n") == "File can't be a path, just a filename");
  CHECK(ParseError("file a seq 1 type b\nfile b seq 2 type b\n") ==
        "Found duplicate base file information");
  CHECK(ParseError("file a seq 2 type i\nfile b seq 1 type i\n") ==
        "Found a non-monotonic sequence number");
  CHECK(ParseError("file a seq 1 type x\n") == "Unknown AOF file type");
}

TEST_CASE("aof manifest: file names with blanks and control bytes survive a round trip") {
  AofManifest m;
  m.base = {" file seq \n\n.aof .2.base.rdb", 2, 'b'};
  m.incrs.push_back({"quote\"back\\slash\x01.aof", 3, 'i'});
  std::string text = m.Serialize();
  CHECK(text.find("file \" file seq \\n\\n.aof .2.base.rdb\" seq 2 type b\n") == 0);
  AofManifest back;
  std::string err;
  REQUIRE(AofManifest::Parse(text, &back, &err));
  CHECK(back.base.name == m.base.name);
  REQUIRE(back.incrs.size() == 1);
  CHECK(back.incrs[0].name == m.incrs[0].name);
  CHECK(back.incrs[0].seq == 3);
}

}  // namespace
}  // namespace sable
