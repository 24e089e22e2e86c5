// Incremental RESP2/RESP3 request parser (multibulk and inline forms) with Redis's limits.
// The parser never copies bulk payloads: parsed arguments are views into the caller's buffer,
// valid until the caller changes that buffer. Parse state survives across reads so a command
// split at any byte is parsed once, in O(bytes). Protocol errors carry Redis's exact wording.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace sable {

// Appends `args` as a RESP multibulk command, the form the parser reads: the AOF, replica
// streams, AOF rewrites and MIGRATE write commands this way.
void AppendRespCommand(std::string* out, std::span<const std::string_view> args);
inline void AppendRespCommand(std::string* out, std::initializer_list<std::string_view> args) {
  AppendRespCommand(out, std::span<const std::string_view>(args.begin(), args.size()));
}

struct ParserLimits {
  int64_t max_bulk_len = 512LL * 1024 * 1024;  // proto-max-bulk-len
  bool auth_required = false;                    // unauthenticated clients get tighter limits
};

class RespParser {
 public:
  static constexpr size_t kInlineMax = 64 * 1024;  // PROTO_INLINE_MAX_SIZE

  enum class Result { kNeedMore, kCommand, kError };

  // Parses at most one command from buf[*pos, len). On kCommand, *args holds the arguments
  // (possibly zero: an empty line or "*0" — caller skips it) and *pos is past the command.
  // On kNeedMore, *pos may have advanced past fully-consumed headers; state is kept.
  // On kError, *error holds the Redis error text (without '-' and CRLF); the connection must
  // reply with it and close.
  Result Parse(const char* buf, size_t len, size_t* pos, const ParserLimits& limits,
               std::vector<std::string_view>* args, std::string* error);

  // Offset-based relocation: the caller moved buffer contents left by `delta` bytes.
  void Rebase(size_t delta);

  // Bytes the parser still needs for the bulk being read (0 if unknown): lets the caller size
  // its read buffer once for a large value.
  size_t PendingBulkBytes(size_t available_from_pos) const;

  bool InProgress() const { return multibulk_left_ > 0 || bulk_len_ >= 0; }
  void Reset();

 private:
  Result ParseInline(const char* buf, size_t len, size_t* pos,
                     std::vector<std::string_view>* args, std::string* error);

  int64_t multibulk_left_ = 0;  // args still to read in the current multibulk
  int64_t bulk_len_ = -1;       // length of the bulk being read, -1 = header not yet read
  std::vector<std::pair<size_t, size_t>> offsets_;  // (offset, len) of args read so far
  std::vector<std::string> inline_args_;             // owned storage for inline commands
};

// Splits a line like Redis's sdssplitargs (quotes, escapes, \xHH). Returns false on unbalanced
// quotes. Used for inline commands and config files.
bool SplitArgs(std::string_view line, std::vector<std::string>* out);

}  // namespace sable
