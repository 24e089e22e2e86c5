// Loading a dataset (startup, DEBUG RELOAD, DEBUG LOADAOF) while clients keep being served, as
// Redis's loadingAbsProgress/processEventsWhileBlocked: every
// loading-process-events-interval-bytes the loader lets the server accept connections and
// answer what clients sent. Commands without the `loading` flag get -LOADING (dispatcher);
// INFO shows the progress. The same event processing serves clients while a script runs past
// busy-reply-threshold.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <ctime>
#include <vector>

#include "datastructs/numbers.h"
#include "server/connection.h"
#include "server/log.h"
#include "server/server.h"

namespace sable {

void Server::StartLoading(uint64_t total_bytes) {
  if (loading_.depth++ > 0) return;
  loading_ = LoadingState{};
  loading_.depth = 1;
  loading_.start_s = static_cast<int64_t>(time(nullptr));
  loading_.total_bytes = total_bytes;
  int64_t v = 0;
  StringToInt64(config_->GetValue("loading-process-events-interval-bytes"), &v);
  loading_.events_interval = static_cast<uint64_t>(v > 1024 ? v : 1024);
  loading_.next_events_at = loading_.events_interval;
  v = 0;
  StringToInt64(config_->GetValue("key-load-delay"), &v);
  loading_.key_delay_us = v;
}

void Server::StopLoading(bool) {
  if (loading_.depth == 0 || --loading_.depth > 0) return;
  loading_ = LoadingState{};
  UpdateClock();
}

void Server::LoadingProcessEvents() {
  loading_.next_events_at = loading_.loaded_bytes + loading_.events_interval;
  ProcessEventsWhileBlocked();
}

// Redis's debugDelay: a negative value sleeps 1us once every -n calls on average (a shorter
// sleep than a system call allows).
void Server::DebugDelay(int64_t us) {
  if (us < 0) us = (rand() % -us) == 0 ? 1 : 0;
  if (us > 0) usleep(static_cast<useconds_t>(us));
}

void Server::ProcessEventsWhileBlocked() {
  UpdateClock();
  // Replies produced before the long operation started (and their AOF writes) go out first.
  FlushPending();
  std::vector<pollfd> fds;
  std::vector<std::pair<uv_stream_t*, bool>> listeners;
  for (uv_tcp_t* t : listeners_) listeners.emplace_back(reinterpret_cast<uv_stream_t*>(t), false);
  if (unix_listener_ != nullptr)
    listeners.emplace_back(reinterpret_cast<uv_stream_t*>(unix_listener_), true);
  for (auto& [l, unix_socket] : listeners) {
    uv_os_fd_t fd = -1;
    uv_fileno(reinterpret_cast<const uv_handle_t*>(l), &fd);
    fds.push_back(pollfd{fd, POLLIN, 0});
  }
  std::vector<uint64_t> ids;
  for (const auto& [id, c] : clients_) {
    if (c->closing() || c->executing > 0 || c->fake()) continue;
    uv_os_fd_t fd;
    if (uv_fileno(reinterpret_cast<const uv_handle_t*>(c->handle()), &fd) != 0) continue;
    ids.push_back(id);
    fds.push_back(pollfd{fd, POLLIN, 0});
  }
  if (!fds.empty() && poll(fds.data(), fds.size(), 0) > 0) {
    for (size_t i = 0; i < listeners.size(); ++i)
      if (fds[i].revents != 0) AcceptPending(listeners[i].first, listeners[i].second);
    for (size_t i = 0; i < ids.size(); ++i) {
      if (fds[listeners.size() + i].revents == 0) continue;
      Connection* c = FindClient(ids[i]);
      if (c == nullptr || c->closing() || c->executing > 0) continue;
      c->ReadNow();
    }
  }
  FlushPending();
  ExitIfShutdownWhileLoading();
}

// The loop is not running: connections waiting on a listener are accepted here and given to
// libuv (uv_tcp_open / uv_pipe_open), which watches them once the loop runs again.
void Server::AcceptPending(uv_stream_t* listener, bool unix_socket) {
  uv_os_fd_t lfd;
  if (uv_fileno(reinterpret_cast<const uv_handle_t*>(listener), &lfd) != 0) return;
  for (int i = 0; i < 64; ++i) {
    int fd = accept4(lfd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;
    auto* c = new Connection(this, next_client_id_++, false, unix_socket);
    int rc = unix_socket ? uv_pipe_open(reinterpret_cast<uv_pipe_t*>(c->handle()), fd)
                         : uv_tcp_open(reinterpret_cast<uv_tcp_t*>(c->handle()), fd);
    if (rc != 0) {
      Log(LogLevel::kWarning, "Accepting client connection: {}", uv_strerror(rc));
      close(fd);
      uv_close(reinterpret_cast<uv_handle_t*>(c->handle()),
               [](uv_handle_t* h) { delete static_cast<Connection*>(h->data); });
      continue;
    }
    AdoptConnection(c, unix_socket);
  }
}

}  // namespace sable
