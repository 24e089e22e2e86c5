#include "persistence/aof_manifest.h"

#include <sstream>

#include "datastructs/numbers.h"

namespace sable {

std::string AofManifestName(const std::string& f) { return f + ".manifest"; }
std::string AofBaseName(const std::string& f, int64_t seq, bool rdb) {
  return f + "." + std::to_string(seq) + (rdb ? ".base.rdb" : ".base.aof");
}
std::string AofIncrName(const std::string& f, int64_t seq) {
  return f + "." + std::to_string(seq) + ".incr.aof";
}

bool AofManifest::Parse(std::string_view text, AofManifest* out, std::string* err) {
  *out = AofManifest{};
  std::istringstream is{std::string(text)};
  std::string line;
  while (std::getline(is, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::vector<std::string> parts;
    std::string p;
    while (ls >> p) parts.push_back(p);
    if (parts.size() % 2 != 0) {
      *err = "Invalid AOF manifest file format";
      return false;
    }
    AofFileInfo f;
    bool has_name = false, has_seq = false, has_type = false;
    for (size_t i = 0; i < parts.size(); i += 2) {
      if (parts[i] == "file") {
        f.name = parts[i + 1];
        has_name = true;
      } else if (parts[i] == "seq") {
        if (!StringToInt64(parts[i + 1], &f.seq)) {
          *err = "Invalid AOF manifest file format";
          return false;
        }
        has_seq = true;
      } else if (parts[i] == "type") {
        if (parts[i + 1].size() != 1) {
          *err = "Invalid AOF manifest file format";
          return false;
        }
        f.type = parts[i + 1][0];
        has_type = true;
      }
      // unknown keys are ignored, as Redis does for forward compatibility
    }
    if (!has_name || !has_seq || !has_type) {
      *err = "Invalid AOF manifest file format";
      return false;
    }
    if (f.type == 'b') {
      if (!out->base.name.empty()) {
        *err = "Found duplicate base file information";
        return false;
      }
      out->base = f;
      out->curr_base_seq = f.seq;
    } else if (f.type == 'i') {
      if (!out->incrs.empty() && f.seq <= out->incrs.back().seq) {
        *err = "Found a non-monotonic sequence number";
        return false;
      }
      out->incrs.push_back(f);
      out->curr_incr_seq = f.seq;
    } else if (f.type == 'h') {
      out->history.push_back(f);
    } else {
      *err = "Unknown AOF file type";
      return false;
    }
  }
  return true;
}

std::string AofManifest::Serialize() const {
  std::string out;
  auto line = [&](const AofFileInfo& f) {
    out += "file " + f.name + " seq " + std::to_string(f.seq) + " type " + f.type + "\n";
  };
  if (!base.name.empty()) line(base);
  for (const auto& h : history) line(h);
  for (const auto& i : incrs) line(i);
  return out;
}


}  // namespace sable
