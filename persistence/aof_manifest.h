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
  // The last sequence numbers handed out (Redis's curr_base_file_seq / curr_incr_file_seq):
  // numbers keep growing while files move to history.
  int64_t curr_base_seq = 0;
  int64_t curr_incr_seq = 0;

  // Parses manifest text; false with *err on malformed lines (Redis's wording).
  static bool Parse(std::string_view text, AofManifest* out, std::string* err);
  std::string Serialize() const;
  int64_t NextIncrSeq() const { return curr_incr_seq + 1; }
  int64_t NextBaseSeq() const { return curr_base_seq + 1; }
};

std::string AofManifestName(const std::string& appendfilename);
std::string AofBaseName(const std::string& appendfilename, int64_t seq, bool rdb);
std::string AofIncrName(const std::string& appendfilename, int64_t seq);

}  // namespace sable
