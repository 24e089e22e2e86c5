// One client: its socket, query buffer + parser, output buffer + writer, and session state
// (db, auth, protocol, name, reply mode, monitor, pause). A Connection is deleted only in its
// libuv close callback; everything else marks it closing.
#pragma once

#include <uv.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "server/blocking.h"
#include "server/pubsub.h"
#include "server/reply_writer.h"
#include "server/resp_parser.h"
#include "server/tracking.h"

namespace sable {

class Server;
struct CommandSpec;
struct AclUser;

enum class ReplyMode { kOn, kOff, kSkipNext };

class Connection {
 public:
  // `fake` connections (AOF loading) have no socket; their replies are discarded.
  // `unix_socket`: the client came through the unixsocket listener (a libuv pipe).
  Connection(Server* server, uint64_t id, bool fake = false, bool unix_socket = false);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  uv_stream_t* handle() { return &handle_.stream; }
  bool is_unix_socket() const { return unix_; }
  uint64_t id() const { return id_; }
  // AOF loading: commands must be obeyed as written (Redis's mustObeyClient).
  bool fake() const { return fake_; }
  ReplyWriter& writer() { return writer_; }

  void Start();  // begin reading
  // Processes whatever complete commands the query buffer holds.
  void ProcessInput();
  // Sends buffered output (called before the loop sleeps). Non-blocking.
  void Flush();
  // Closes now (pending output dropped) or after pending output is written.
  void Close();
  void CloseAfterReply() { close_after_reply_ = true; }
  // Reads what the socket holds now and processes it, outside the event loop (while a script
  // runs past busy-reply-threshold), then flushes the replies.
  void ReadNow();
  bool closing() const { return closing_; }
  bool has_pending_output() const { return !out_.empty() || writes_in_flight_ > 0; }
  size_t output_bytes() const { return out_.size() + inflight_bytes_; }
  // Like Redis, the command being executed still counts as part of the query buffer.
  size_t query_buffer_size() const { return in_len_ - cmd_start_; }
  size_t query_buffer_free() const { return in_cap_ - in_len_; }
  // What the client holds in memory: the object, its query and output buffers (CLIENT LIST
  // tot-mem, INFO mem_clients_normal).
  size_t memory_usage() const {
    return sizeof(Connection) + in_cap_ + out_.capacity() + inflight_bytes_;
  }
  // The socket's file descriptor (-1 for internal clients).
  int fd() const;

  // Session state (read/written by commands).
  int db = 0;
  bool authenticated = false;
  AclUser* user = nullptr;  // ACL user (see acl.h); nullptr = superuser (internal clients)
  std::string name;
  std::string peer;   // "ip:port" ("<socket path>:0" for unix socket clients, as Redis)
  std::string local;  // "ip:port" (same for unix socket clients)
  int64_t created_ms = 0;
  int64_t last_interaction_ms = 0;
  ReplyMode reply_mode = ReplyMode::kOn;
  bool monitor = false;
  bool script = false;  // the Lua engine's client (Redis CLIENT_SCRIPT): commands run by scripts
  bool no_evict = false;
  const CommandSpec* last_cmd = nullptr;
  const CommandSpec* cached_cmd = nullptr;  // dispatcher's one-entry lookup cache
  char cached_name[16];
  uint8_t cached_name_len = 0;
  std::string lib_name, lib_ver;
  uint64_t flush_generation = 0;  // de-dups the server's pending-flush list
  // MULTI/EXEC state.
  bool in_multi = false;
  bool multi_dirty = false;   // a command failed to queue: EXEC aborts
  bool watch_dirty = false;   // a watched key changed: EXEC returns nil
  std::vector<std::pair<const CommandSpec*, std::vector<std::string>>> multi_queue;
  struct WatchedKey {
    int db;
    std::string key;
    bool expired;  // the key was already logically expired when WATCH ran (Redis 7.0)
  };
  std::vector<WatchedKey> watched;
  bool blocked = false;           // parked by a blocking command (see blocking.h)
  BlockState block;
  bool paused = false;            // waiting for CLIENT UNPAUSE
  // Commands of this client being executed: while > 0, events processed from inside the
  // command (loading, a busy script) leave its socket and query buffer alone.
  int executing = 0;
  std::vector<std::string> paused_cmd;  // the command held while paused
  // Pub/Sub subscriptions (server/pubsub.h); allocated on the first subscribe.
  std::unique_ptr<ClientPubSub> pubsub;
  // In Pub/Sub mode (RESP2 then only accepts (P|S)(UN)SUBSCRIBE, PING, QUIT, RESET).
  bool subscribed() const { return pubsub && !pubsub->empty(); }
  ClientTracking tracking;         // CLIENT TRACKING state (server/tracking.h)
  int64_t obuf_soft_since_ms = 0;  // when the output buffer went over the soft limit
  // Over its client-output-buffer-limit: no more input is read, and the connection is closed
  // before anything more is sent (Redis's CLIENT_CLOSE_ASAP).
  bool close_asap = false;
  // A replica's side of the link (Redis's repl_ack_off / repl_ack_time / slave_listening_port):
  // the offset it last acknowledged (REPLCONF ACK), when, and the port it announced.
  int64_t repl_ack_offset = 0;
  int64_t repl_ack_ms = 0;
  int repl_listening_port = 0;

 private:
  friend class Server;
  static void OnAlloc(uv_handle_t* h, size_t suggested, uv_buf_t* buf);
  static void OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf);
  static void OnWrite(uv_write_t* req, int status);
  static void OnClose(uv_handle_t* h);
  void ExecuteArgs(std::vector<std::string_view>& args);
  void CompactInput();
  void ProtocolError(const std::string& msg);

  Server* server_;
  union Handle {
    uv_handle_t handle;
    uv_stream_t stream;
    uv_tcp_t tcp;
    uv_pipe_t pipe;
  } handle_;
  uint64_t id_;
  char* in_ = nullptr;  // query buffer [0, in_len_) of capacity in_cap_ (malloc'd)
  size_t in_len_ = 0;
  size_t in_cap_ = 0;
  size_t in_pos_ = 0;     // start of unparsed data
  size_t cmd_start_ = 0;  // start of the command being parsed (its args point here onwards)
  RespParser parser_;
  std::vector<std::string_view> args_;
  std::string out_;
  ReplyWriter writer_;
  int writes_in_flight_ = 0;
  size_t inflight_bytes_ = 0;
  bool closing_ = false;
  bool close_after_reply_ = false;
  bool reading_ = false;
  bool fake_ = false;
  bool unix_ = false;
};

}  // namespace sable
