#include "persistence/aof_manifest.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
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

namespace {

// Redis's MANIFEST_MAX_LINE: a manifest line, newline included, must fit in it.
constexpr size_t kManifestMaxLine = 1024;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Redis's sdssplitargs: words separated by blanks; "..." with \xHH, \n, \r, \t, \b, \a and
// backslash escapes, '...' with \' only; a closing quote must end the word. False on
// unbalanced quotes.
bool SplitManifestArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0, n = line.size();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i == n) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 3 < n && line[i + 1] == 'x' && HexValue(line[i + 2]) >= 0 &&
            HexValue(line[i + 3]) >= 0) {
          cur += static_cast<char>(HexValue(line[i + 2]) * 16 + HexValue(line[i + 3]));
          i += 3;
        } else if (line[i] == '\\' && i + 1 < n) {
          char c = line[++i];
          switch (c) {
            case 'n': c = '\n'; break;
            case 'r': c = '\r'; break;
            case 't': c = '\t'; break;
            case 'b': c = '\b'; break;
            case 'a': c = '\a'; break;
            default: break;
          }
          cur += c;
        } else if (line[i] == '"') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur += line[i];
        }
      } else if (insq) {
        if (i == n) return false;
        if (line[i] == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur += '\'';
        } else if (line[i] == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur += line[i];
        }
      } else if (i == n || isspace(static_cast<unsigned char>(line[i]))) {
        done = true;
      } else if (line[i] == '"') {
        inq = true;
      } else if (line[i] == '\'') {
        insq = true;
      } else {
        cur += line[i];
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

bool EqNoCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (tolower(static_cast<unsigned char>(a[i])) != tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

// Redis's sdsneedsrepr / sdscatrepr: file names with blanks, quotes or unprintable bytes are
// written quoted and escaped, so that SplitManifestArgs reads them back.
std::string ManifestRepr(const std::string& s) {
  bool needs = false;
  for (unsigned char c : s)
    if (c == '\\' || c == '"' || !isprint(c) || isspace(c)) needs = true;
  if (!needs) return s;
  std::string r = "\"";
  for (unsigned char c : s) {
    switch (c) {
      case '\\': r += "\\\\"; break;
      case '"': r += "\\\""; break;
      case '\n': r += "\\n"; break;
      case '\r': r += "\\r"; break;
      case '\t': r += "\\t"; break;
      case '\a': r += "\\a"; break;
      case '\b': r += "\\b"; break;
      default:
        if (isprint(c)) {
          r += static_cast<char>(c);
        } else {
          char buf[8];
          snprintf(buf, sizeof(buf), "\\x%02x", c);
          r += buf;
        }
    }
  }
  return r + "\"";
}

}  // namespace

// As Redis's aofLoadManifestFromFile: an empty manifest, a blank line, a line over 1024 bytes
// or without its newline, fewer than 6 or an odd number of words, a missing or zero key are
// all errors; keys are case-insensitive and unknown ones ignored (forward compatibility).
bool AofManifest::Parse(std::string_view text, AofManifest* out, std::string* err) {
  *out = AofManifest{};
  if (text.empty()) {
    *err = "Found an empty AOF manifest";
    return false;
  }
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t len = (nl == std::string_view::npos ? text.size() : nl + 1) - pos;
    std::string_view raw = text.substr(pos, std::min(len, kManifestMaxLine));
    pos += raw.size();
    if (raw[0] == '#') continue;
    if (raw.back() != '\n') {
      *err = "The AOF manifest file contains too long line";
      return false;
    }
    size_t b = raw.find_first_not_of(" \t\r\n");
    size_t e = raw.find_last_not_of(" \t\r\n");
    std::string_view line = b == std::string_view::npos ? "" : raw.substr(b, e - b + 1);
    std::vector<std::string> parts;
    if (line.empty() || !SplitManifestArgs(line, &parts) || parts.size() < 6 ||
        parts.size() % 2 != 0) {
      *err = "Invalid AOF manifest file format";
      return false;
    }
    AofFileInfo f;
    f.type = 0;
    for (size_t i = 0; i < parts.size(); i += 2) {
      if (EqNoCase(parts[i], "file")) {
        f.name = parts[i + 1];
        if (f.name.find('/') != std::string::npos) {
          *err = "File can't be a path, just a filename";
          return false;
        }
      } else if (EqNoCase(parts[i], "seq")) {
        f.seq = atoll(parts[i + 1].c_str());
      } else if (EqNoCase(parts[i], "type")) {
        f.type = parts[i + 1].empty() ? 0 : parts[i + 1][0];
      }
    }
    if (f.name.empty() || f.seq == 0 || f.type == 0) {
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
    out += "file " + ManifestRepr(f.name) + " seq " + std::to_string(f.seq) + " type " + f.type +
           "\n";
  };
  if (!base.name.empty()) line(base);
  for (const auto& h : history) line(h);
  for (const auto& i : incrs) line(i);
  return out;
}


}  // namespace sable
