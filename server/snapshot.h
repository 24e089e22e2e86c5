// The dataset as an RDB image (Redis 7.0 format): used by SAVE/BGSAVE, DEBUG RELOAD, the AOF
// base file (RDB preamble) and full synchronisation. Collections serialise through their
// ObjectOps rows; strings are handled here.
#pragma once

#include <string>
#include <string_view>

#include "persistence/rdb.h"

namespace sable {

class Config;
class Server;

// The limits loaded values are converted against (hash-max-listpack-entries, ...).
RdbLoadLimits RdbLoadLimitsOf(const Config& config);
// rdbcompression: whether RDB images and DUMP payloads LZF-compress long strings.
bool RdbCompressionOf(const Config& config);

struct RdbLoadStats {
  size_t keys_loaded = 0;
  size_t keys_expired = 0;
  size_t image_bytes = 0;  // bytes of the image (an AOF base may continue after them)
};

// Receives an image in chunks while it is being written (a file written by a child).
class ImageSink {
 public:
  virtual ~ImageSink() = default;
  // False on error (errno set).
  virtual bool Write(std::string_view chunk) = 0;
};

struct ImageOptions {
  bool aof_preamble = false;       // the AUX field aof-base is 1 (AOF base with RDB preamble)
  ImageSink* sink = nullptr;       // when set, *out is drained into it as it grows
  const char* pname = "RDB";       // name in a child's progress reports
};

// Appends the whole image (header, AUX fields, every db, EOF + CRC64) to *out (or streams it
// through opt.sink, leaving *out empty).
bool WriteRdbImage(Server& s, std::string* out, std::string* err, const ImageOptions& opt = {});
// Loads an image into the (normally empty) keyspace; existing keys are replaced. Keys already
// expired are skipped. Fails without crashing on corrupt or unsupported input.
// Function libraries in the image are added to the loaded ones; one already loaded fails the
// load, unless `merge_functions` (DEBUG RELOAD MERGE) lets the image's version replace it.
bool LoadRdbImage(Server& s, std::string_view data, RdbLoadStats* stats, std::string* err,
                  bool merge_functions = false);

}  // namespace sable

namespace sable {

// The dataset as RESP commands (AOF base without the RDB preamble).
bool WriteRespImage(Server& s, std::string* out, std::string* err,
                    const ImageOptions& opt = {});
// Redis's rdbSave: the image written to temp-<pid>.rdb in the working directory (= dir), with
// an fsync every 4 MB if rdb-save-incremental-fsync, fsync, rename to `filename` and an
// fsync of the directory. Errors are logged with Redis's wording. Runs in a BGSAVE child or,
// for SAVE / SHUTDOWN / DEBUG RELOAD, in the server itself.
bool RdbSaveFile(Server& s, const std::string& filename);
// Writes `image` (RDB or RESP, per aof_use_rdb_preamble) to `tmpfile` with fsync; used for
// AOF bases. Errors logged.
bool WriteImageFile(Server& s, const std::string& tmpfile, bool rdb_preamble);
// Start-up / DEBUG RELOAD: loads `path` if it exists (*found tells).
bool LoadRdbFile(Server& s, const std::string& path, bool* found, RdbLoadStats* stats,
                 std::string* err, bool merge_functions = false);

}  // namespace sable

namespace sable {

// RDB snapshots: SAVE, BGSAVE in a forked child, save points and the error state that
// stop-writes-on-bgsave-error turns into -MISCONF (Redis's rdb.c background half).
class Snapshotter {
 public:
  explicit Snapshotter(Server* s);

  // SAVE (and SHUTDOWN, DEBUG RELOAD, FLUSHALL with save points): synchronous. On success the
  // change counter is reset and lastsave updated.
  bool Save();
  // rdbSaveBackground: forks the child. False if a child is already active or fork failed
  // (then rdb_last_bgsave_status becomes err).
  bool BgSave();
  // The child exited (from Server's cron).
  void OnChildDone(int exitcode, int bysignal);
  // serverCron, no child active: save points ("save <seconds> <changes>") and a BGSAVE
  // scheduled while another child ran, with Redis's retry delay after a failure.
  void Cron();
  // Kills a running BGSAVE child and removes its temp file (SHUTDOWN, FLUSHALL).
  void KillChild();
  bool in_progress() const;
  // stop-writes-on-bgsave-error: the last background save failed and save points exist.
  bool WritesDenied() const;

  int64_t lastsave_s = 0;
  bool last_bgsave_ok = true;
  int64_t saves = 0;              // rdb_saves
  bool scheduled = false;         // rdb_bgsave_scheduled
  int64_t last_bgsave_try_s = 0;
  int64_t save_time_start_s = -1;
  int64_t save_time_last_s = -1;  // rdb_last_bgsave_time_sec
  uint64_t dirty_before_bgsave = 0;
  size_t last_load_keys_loaded = 0, last_load_keys_expired = 0;

 private:
  std::string Filename() const;
  Server* s_;
};

}  // namespace sable
