#include "server/resp_parser.h"

#include <charconv>

#include <climits>
#include <cstring>

#include "datastructs/numbers.h"

namespace sable {

namespace {

// "<prefix><n>\r\n" without a temporary string.
void AppendCount(std::string* out, char prefix, size_t n) {
  char buf[24];
  buf[0] = prefix;
  auto r = std::to_chars(buf + 1, buf + sizeof(buf) - 2, n);
  *r.ptr++ = '\r';
  *r.ptr++ = '\n';
  out->append(buf, static_cast<size_t>(r.ptr - buf));
}

}  // namespace

void AppendRespCommand(std::string* out, std::span<const std::string_view> args) {
  AppendCount(out, '*', args.size());
  for (std::string_view a : args) {
    AppendCount(out, '$', a.size());
    out->append(a);
    out->append("\r\n", 2);
  }
}

namespace {

// Header lines ("$3", "*2") are a few bytes: a plain loop beats a memchr call for them.
inline const char* FindCR(const char* p, const char* end) {
  const char* stop = end - p > 24 ? p + 24 : end;
  for (const char* q = p; q < stop; ++q)
    if (*q == '\r') return q;
  if (stop == end) return nullptr;
  return static_cast<const char*>(memchr(stop, '\r', end - stop));
}

// Header numbers are short and non-negative in practice; fall back to the strict parser for
// anything else so errors stay exactly as before.
inline bool ParseHeaderNumber(const char* p, const char* end, int64_t* out) {
  size_t n = static_cast<size_t>(end - p);
  if (n > 0 && n <= 9 && p[0] != '0') {
    int64_t v = 0;
    for (const char* q = p; q < end; ++q) {
      if (*q < '0' || *q > '9') return StringToInt64(std::string_view(p, n), out);
      v = v * 10 + (*q - '0');
    }
    *out = v;
    return true;
  }
  return StringToInt64(std::string_view(p, n), out);
}

bool IsHex(char c) { return isxdigit(static_cast<unsigned char>(c)); }
int HexVal(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  return (tolower(c) - 'a') + 10;
}

}  // namespace

void RespParser::Reset() {
  multibulk_left_ = 0;
  bulk_len_ = -1;
  offsets_.clear();
}

void RespParser::Rebase(size_t delta) {
  for (auto& o : offsets_) o.first -= delta;
}

size_t RespParser::PendingBulkBytes(size_t available) const {
  if (bulk_len_ < 0) return 0;
  size_t need = static_cast<size_t>(bulk_len_) + 2;
  return need > available ? need - available : 0;
}

RespParser::Result RespParser::Parse(const char* buf, size_t len, size_t* pos,
                                     const ParserLimits& limits,
                                     std::vector<std::string_view>* args, std::string* error) {
  args->clear();
  const char* end = buf + len;
  if (multibulk_left_ == 0) {
    if (*pos >= len) return Result::kNeedMore;
    if (buf[*pos] != '*') return ParseInline(buf, len, pos, args, error);
    const char* start = buf + *pos;
    const char* cr = FindCR(start, end);
    if (cr == nullptr) {
      if (static_cast<size_t>(end - start) > kInlineMax) {
        *error = "Protocol error: too big mbulk count string";
        return Result::kError;
      }
      return Result::kNeedMore;
    }
    if (cr + 1 >= end) return Result::kNeedMore;  // need the '\n'
    int64_t n;
    bool ok = ParseHeaderNumber(start + 1, cr, &n);
    if (!ok || n > INT_MAX) {
      *error = "Protocol error: invalid multibulk length";
      return Result::kError;
    }
    if (n > 10 && limits.auth_required) {
      *error = "Protocol error: unauthenticated multibulk length";
      return Result::kError;
    }
    *pos = (cr - buf) + 2;
    if (n <= 0) return Result::kCommand;  // empty command: caller skips
    multibulk_left_ = n;
    offsets_.clear();
    offsets_.reserve(n < 1024 ? n : 1024);
    bulk_len_ = -1;
  }
  while (multibulk_left_ > 0) {
    if (bulk_len_ < 0) {
      const char* start = buf + *pos;
      if (start >= end) return Result::kNeedMore;
      const char* cr = FindCR(start, end);
      if (cr == nullptr) {
        if (static_cast<size_t>(end - start) > kInlineMax) {
          *error = "Protocol error: too big bulk count string";
          return Result::kError;
        }
        return Result::kNeedMore;
      }
      if (cr + 1 >= end) return Result::kNeedMore;
      if (*start != '$') {
        *error = std::string("Protocol error: expected '$', got '") + *start + "'";
        return Result::kError;
      }
      int64_t n;
      bool ok = ParseHeaderNumber(start + 1, cr, &n);
      if (!ok || n < 0 || n > limits.max_bulk_len) {
        *error = "Protocol error: invalid bulk length";
        return Result::kError;
      }
      if (n > 16384 && limits.auth_required) {
        *error = "Protocol error: unauthenticated bulk length";
        return Result::kError;
      }
      *pos = (cr - buf) + 2;
      bulk_len_ = n;
    }
    if (len - *pos < static_cast<size_t>(bulk_len_) + 2) return Result::kNeedMore;
    offsets_.emplace_back(*pos, static_cast<size_t>(bulk_len_));
    *pos += bulk_len_ + 2;
    bulk_len_ = -1;
    --multibulk_left_;
  }
  args->reserve(offsets_.size());
  for (auto& [off, n] : offsets_) args->emplace_back(buf + off, n);
  offsets_.clear();
  if (offsets_.capacity() > 1024) offsets_.shrink_to_fit();  // after a very long command
  return Result::kCommand;
}

RespParser::Result RespParser::ParseInline(const char* buf, size_t len, size_t* pos,
                                           std::vector<std::string_view>* args,
                                           std::string* error) {
  const char* start = buf + *pos;
  const char* nl = static_cast<const char*>(memchr(start, '\n', len - *pos));
  if (nl == nullptr) {
    if (len - *pos > kInlineMax) {
      *error = "Protocol error: too big inline request";
      return Result::kError;
    }
    return Result::kNeedMore;
  }
  const char* line_end = nl;
  if (line_end > start && line_end[-1] == '\r') --line_end;
  inline_args_.clear();
  if (!SplitArgs(std::string_view(start, line_end - start), &inline_args_)) {
    *error = "Protocol error: unbalanced quotes in request";
    return Result::kError;
  }
  *pos = (nl - buf) + 1;
  for (auto& a : inline_args_) args->emplace_back(a);
  return Result::kCommand;
}

bool SplitArgs(std::string_view line, std::vector<std::string>* out) {
  size_t i = 0, n = line.size();
  out->clear();
  while (true) {
    while (i < n && isspace(static_cast<unsigned char>(line[i]))) ++i;
    if (i >= n) return true;
    std::string cur;
    bool inq = false, insq = false, done = false;
    while (!done) {
      if (inq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 3 < n && line[i + 1] == 'x' && IsHex(line[i + 2]) &&
            IsHex(line[i + 3])) {
          cur.push_back(static_cast<char>(HexVal(line[i + 2]) * 16 + HexVal(line[i + 3])));
          i += 3;
        } else if (c == '\\' && i + 1 < n) {
          char e = line[++i];
          switch (e) {
            case 'n': cur.push_back('\n'); break;
            case 'r': cur.push_back('\r'); break;
            case 't': cur.push_back('\t'); break;
            case 'b': cur.push_back('\b'); break;
            case 'a': cur.push_back('\a'); break;
            default: cur.push_back(e); break;
          }
        } else if (c == '"') {
          // closing quote must be followed by a space or nothing
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else if (insq) {
        if (i >= n) return false;
        char c = line[i];
        if (c == '\\' && i + 1 < n && line[i + 1] == '\'') {
          ++i;
          cur.push_back('\'');
        } else if (c == '\'') {
          if (i + 1 < n && !isspace(static_cast<unsigned char>(line[i + 1]))) return false;
          done = true;
        } else {
          cur.push_back(c);
        }
      } else {
        if (i >= n) {
          done = true;
          break;
        }
        char c = line[i];
        switch (c) {
          case ' ': case '\n': case '\r': case '\t': case '\0':
            done = true;
            break;
          case '"': inq = true; break;
          case '\'': insq = true; break;
          default: cur.push_back(c); break;
        }
      }
      if (i < n) ++i;
    }
    out->push_back(std::move(cur));
  }
}

}  // namespace sable
