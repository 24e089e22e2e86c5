#include "server/connection.h"

#include <sys/socket.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "server/acl.h"
#include "server/log.h"
#include "server/server.h"

namespace sable {

namespace {
constexpr size_t kReadChunk = 16 * 1024;

struct WriteReq {
  uv_write_t req;
  std::string data;
  Connection* conn;
};
}  // namespace

Connection::Connection(Server* server, uint64_t id, bool fake, bool unix_socket)
    : server_(server), id_(id), writer_(&out_), fake_(fake), unix_(unix_socket) {
  if (!fake) {
    if (unix_socket) {
      uv_pipe_init(server->loop(), &handle_.pipe, 0);
    } else {
      uv_tcp_init(server->loop(), &handle_.tcp);
    }
  }
  handle_.handle.data = this;
  writer_.set_error_sink(&server->stats());
  created_ms = server->now_ms();
  last_interaction_ms = created_ms;
  if (fake) {
    authenticated = true;
  } else {
    server->acl().SetDefaultAuth(*this);
  }
}

Connection::~Connection() { free(in_); }

int Connection::fd() const {
  uv_os_fd_t fd = -1;
  if (fake_ || uv_fileno(&handle_.handle, &fd) != 0) return -1;
  return fd;
}

void Connection::Start() {
  if (!unix_) {
    uv_tcp_nodelay(&handle_.tcp, 1);
    if (server_->config().tcp_keepalive > 0)
      uv_tcp_keepalive(&handle_.tcp, 1, static_cast<unsigned>(server_->config().tcp_keepalive));
  }
  uv_read_start(&handle_.stream, OnAlloc, OnRead);
  reading_ = true;
}

void Connection::CompactInput() {
  // Keep the partially parsed command whole: its parsed args are offsets from cmd_start_ on.
  size_t from = parser_.InProgress() ? cmd_start_ : in_pos_;
  if (from == 0) return;
  size_t rest = in_len_ - from;
  if (rest) memmove(in_, in_ + from, rest);
  parser_.Rebase(from);
  in_len_ = rest;
  in_pos_ -= from;
  cmd_start_ = 0;
}

void Connection::OnAlloc(uv_handle_t* h, size_t, uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(h->data);
  // Reuse the space before the unparsed data, then make room: at least a read chunk, or the
  // rest of a large bulk in one go so big values are read without repeated reallocations.
  size_t keep_from = c->parser_.InProgress() ? c->cmd_start_ : c->in_pos_;
  if (keep_from > 0 && (keep_from == c->in_len_ || keep_from > c->in_cap_ / 2)) c->CompactInput();
  size_t want = kReadChunk;
  size_t need = c->parser_.PendingBulkBytes(c->in_len_ - c->in_pos_);
  if (need > want) want = need;
  if (c->in_cap_ - c->in_len_ < want) {
    c->CompactInput();
    size_t cap = c->in_len_ + want;
    if (cap < 2 * c->in_cap_ && want == kReadChunk) cap = 2 * c->in_cap_;
    char* n = static_cast<char*>(realloc(c->in_, cap));
    if (n == nullptr) abort();
    c->in_ = n;
    c->in_cap_ = cap;
  }
  buf->base = c->in_ + c->in_len_;
  buf->len = c->in_cap_ - c->in_len_;
}

void Connection::OnRead(uv_stream_t* s, ssize_t nread, const uv_buf_t* buf) {
  auto* c = static_cast<Connection*>(s->data);
  if (nread < 0) {
    c->Close();
    return;
  }
  if (nread == 0) return;
  c->in_len_ += static_cast<size_t>(nread);
  c->server_->stats().net_input_bytes += static_cast<uint64_t>(nread);
  c->server_->UpdateClock();
  c->last_interaction_ms = c->server_->now_ms();
  c->server_->BeginBatch();
  c->ProcessInput();
  c->server_->EndBatch();
  // Release a large idle buffer.
  if (c->in_pos_ == c->in_len_ && c->in_cap_ > 256 * 1024 && !c->parser_.InProgress()) {
    free(c->in_);
    c->in_ = nullptr;
    c->in_cap_ = c->in_len_ = c->in_pos_ = c->cmd_start_ = 0;
  }
}

void Connection::ReadNow() {
  if (fake_ || closing_) return;
  uv_os_fd_t fd;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(&handle_), &fd) != 0) return;
  for (int rounds = 0; rounds < 16 && !closing_; ++rounds) {
    uv_buf_t buf;
    OnAlloc(reinterpret_cast<uv_handle_t*>(&handle_), 0, &buf);
    ssize_t n = recv(fd, buf.base, buf.len, 0);
    if (n > 0) {
      OnRead(reinterpret_cast<uv_stream_t*>(&handle_), n, &buf);
      if (static_cast<size_t>(n) < buf.len) break;
      continue;
    }
    if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) Close();
    break;
  }
  if (!closing_) Flush();
}

void Connection::ProtocolError(const std::string& msg) {
  writer_.Error(msg);
  Log(LogLevel::kVerbose, "Protocol error ({}) from client: id={} addr={}", msg, id_, peer);
  close_after_reply_ = true;
  in_pos_ = in_len_;
  parser_.Reset();
  server_->ScheduleFlush(this);
}

namespace {
constexpr size_t kKeptArgs = 1024;
}  // namespace

void Connection::ProcessInput() {
  if (paused || blocked || closing_ || close_after_reply_ || executing) return;
  ParserLimits limits;
  limits.max_bulk_len = server_->config().proto_max_bulk_len;
  std::string error;
  while (!closing_ && !close_after_reply_ && !paused && !blocked && !close_asap) {
    limits.auth_required = !authenticated;
    if (!parser_.InProgress()) cmd_start_ = in_pos_;
    size_t pos = in_pos_;
    auto r = parser_.Parse(in_, in_len_, &pos, limits, &args_, &error);
    in_pos_ = pos;
    if (r == RespParser::Result::kNeedMore) {
      size_t pending = in_len_ - cmd_start_;
      if (pending > static_cast<size_t>(server_->config().client_query_buffer_limit)) {
        Log(LogLevel::kWarning, "Closing client that reached max query buffer length: id={}",
            id_);
        Close();
      }
      break;
    }
    if (r == RespParser::Result::kError) {
      ProtocolError(error);
      break;
    }
    if (args_.empty()) continue;
    ExecuteArgs(args_);
    // A command of many arguments (a large MSET, SADD) does not leave its argument array
    // allocated for the connection's lifetime (Redis frees argv after every command).
    if (args_.capacity() > kKeptArgs) std::vector<std::string_view>().swap(args_);
  }
  if (!parser_.InProgress()) cmd_start_ = in_pos_;
  if (!out_.empty()) server_->ScheduleFlush(this);
}

void Connection::ExecuteArgs(std::vector<std::string_view>& args) {
  server_->Execute(*this, ArgList(args.data(), args.size()));
}

void Connection::Flush() {
  if (closing_) return;
  if (fake_) {  // loader/internal clients have no socket: replies are dropped
    out_.clear();
    return;
  }
  if (writes_in_flight_ == 0 && !out_.empty()) {
    uv_buf_t b = uv_buf_init(out_.data(), static_cast<unsigned>(out_.size()));
    int n = uv_try_write(&handle_.stream, &b, 1);
    if (n == UV_EAGAIN) n = 0;
    if (n < 0) {
      Close();
      return;
    }
    server_->stats().net_output_bytes += static_cast<uint64_t>(n);
    if (static_cast<size_t>(n) == out_.size()) {
      out_.clear();
      // Larger buffers go back (Redis keeps a 16 KB reply buffer per client): memory held
      // by idle clients would count against maxmemory.
      if (out_.capacity() > 16 * 1024) std::string().swap(out_);
    } else {
      auto* w = new WriteReq;
      w->conn = this;
      w->data.assign(out_, static_cast<size_t>(n), std::string::npos);
      out_.clear();
      w->req.data = w;
      uv_buf_t wb = uv_buf_init(w->data.data(), static_cast<unsigned>(w->data.size()));
      ++writes_in_flight_;
      inflight_bytes_ += w->data.size();
      uv_write(&w->req, &handle_.stream, &wb, 1, OnWrite);
    }
  }
  if (close_after_reply_ && out_.empty() && writes_in_flight_ == 0) Close();
}

void Connection::OnWrite(uv_write_t* req, int status) {
  auto* w = static_cast<WriteReq*>(req->data);
  Connection* c = w->conn;
  --c->writes_in_flight_;
  c->inflight_bytes_ -= w->data.size();
  if (status >= 0) c->server_->stats().net_output_bytes += w->data.size();
  delete w;
  if (c->closing_) return;
  if (status < 0) {
    c->Close();
    return;
  }
  // Never write here directly: new output waits for the pre-sleep flush so that the AOF
  // write barrier (appendfsync always) runs before any reply leaves.
  if (!c->out_.empty() || c->close_after_reply_) c->server_->ScheduleFlush(c);
}

void Connection::Close() {
  if (closing_) return;
  closing_ = true;
  server_->RemoveClient(this);
  uv_close(&handle_.handle, OnClose);
}

void Connection::OnClose(uv_handle_t* h) { delete static_cast<Connection*>(h->data); }

}  // namespace sable
