// Redis 7 multi-part AOF manifest: one line per file,
//   file <name> seq <n> type <b|h|i>
// b = base (RDB or RESP), h = history (awaiting deletion), i = incremental (RESP).
// Names follow Redis: <appendfilename>.<seq>.base.rdb|aof, <appendfilename>.<seq>.incr.aof,
// and the manifest itself is <appendfilename>.manifest inside <appenddirname>.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

struct AofFileInfo {
  std::string name;
  int64_t seq = 0;
  char type = 'i';
};

struct AofManifest {
  AofFileInfo base;  // empty name = no base
  std::vector<AofFileInfo> incrs;
  std::vector<AofFileInfo> history;

  // Parses manifest text; false with *err on malformed lines (Redis's wording).
  static bool Parse(std::string_view text, AofManifest* out, std::string* err);
  std::string Serialize() const;
  int64_t NextIncrSeq() const;
  int64_t NextBaseSeq() const { return base.seq + 1; }
};

std::string AofManifestName(const std::string& appendfilename);
std::string AofBaseName(const std::string& appendfilename, int64_t seq, bool rdb);
std::string AofIncrName(const std::string& appendfilename, int64_t seq);

}  // namespace sable
