// The dataset as an RDB image (Redis 7.0 format): used by SAVE/BGSAVE, DEBUG RELOAD, the AOF
// base file (RDB preamble) and full synchronisation. Collections serialise through their
// ObjectOps rows; strings are handled here.
#pragma once

#include <string>
#include <string_view>

namespace sable {

class Server;

struct RdbLoadStats {
  size_t keys_loaded = 0;
  size_t keys_expired = 0;
};

// Appends the whole image (header, AUX fields, every db, EOF + CRC64) to *out.
bool WriteRdbImage(Server& s, std::string* out, std::string* err);
// Loads an image into the (normally empty) keyspace; existing keys are replaced. Keys already
// expired are skipped. Fails without crashing on corrupt or unsupported input.
// Function libraries in the image are added to the loaded ones; one already loaded fails the
// load, unless `merge_functions` (DEBUG RELOAD MERGE) lets the image's version replace it.
bool LoadRdbImage(Server& s, std::string_view data, RdbLoadStats* stats, std::string* err,
                  bool merge_functions = false);

}  // namespace sable

namespace sable {

// The dataset as RESP commands (AOF base without the RDB preamble).
bool WriteRespImage(Server& s, std::string* out, std::string* err);
// SAVE: the image written to `path` through a temp file, fsync and rename.
bool SaveRdbFile(Server& s, const std::string& path, std::string* err);
// Start-up / DEBUG RELOAD: loads `path` if it exists (*found tells).
bool LoadRdbFile(Server& s, const std::string& path, bool* found, RdbLoadStats* stats,
                 std::string* err, bool merge_functions = false);

}  // namespace sable
