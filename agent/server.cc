// SPDX-License-Identifier: BSD-2-Clause
#include "agent/server.h"

#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "agent/messages.h"

namespace skagent {

namespace {
// Replies waiting to be written beyond this stop further requests being read.
constexpr size_t kMaxPendingOutput = msg::kMaxFrame + 64 * 1024;
}  // namespace

Server::Server(EventLoop& loop, Agent& agent, int listen_fd)
    : loop_(loop), agent_(agent), listen_fd_(listen_fd), uid_(getuid()) {
  loop_.watch(listen_fd_, EventLoop::kRead, [this](uint32_t) { accept_clients(); });
}

Server::~Server() {
  loop_.unwatch(listen_fd_);
  for (auto& [id, c] : conns_) {
    loop_.unwatch(c->fd);
    close(c->fd);
  }
}

void Server::accept_clients() {
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return;  // EAGAIN, or a transient error: try at the next event
    auto peer = peer_identity(fd);
    if (!peer || (peer->uid != 0 && peer->uid != uid_)) {
      agent_.log().error(peer ? "uid mismatch: peer uid " + std::to_string(peer->uid) +
                                    " != agent uid " + std::to_string(uid_)
                              : peer.error().message);
      close(fd);
      continue;
    }
    if (conns_.size() >= kMaxConnections) {
      agent_.log().error("connection limit reached; refusing a client");
      close(fd);
      continue;
    }
    auto c = std::make_shared<Connection>();
    c->fd = fd;
    c->id = next_id_++;
    c->peer = *peer;
    conns_[c->id] = c;
    std::weak_ptr<Connection> weak = c;
    loop_.watch(fd, EventLoop::kRead, [this, weak](uint32_t ev) {
      if (auto conn = weak.lock()) on_event(conn, ev);
    });
  }
}

void Server::on_event(const std::shared_ptr<Connection>& c, uint32_t events) {
  if ((events & EventLoop::kWrite) && !flush(c)) return close_connection(c);
  if (!(events & EventLoop::kRead)) return update_interest(*c);
  // Frames carry private keys (ADD_IDENTITY): wipe what this stack buffer held on every way
  // out, or the tail of a large key would stay on the loop thread's stack.
  uint8_t buf[16384];
  struct Wipe {
    uint8_t* p;
    size_t n = 0;
    ~Wipe() { secure_wipe(p, n); }
  } used{buf};
  for (;;) {
    // Read at most one frame ahead; the rest waits in the kernel buffer.
    if (c->in.size() >= msg::kMaxFrame + 4) break;
    size_t want = std::min(sizeof(buf), msg::kMaxFrame + 4 - c->in.size());
    ssize_t n = read(c->fd, buf, want);
    if (n > 0) {
      used.n = std::max(used.n, size_t(n));
      c->in.insert(c->in.end(), buf, buf + n);
      if (size_t(n) < want) break;  // drained: skip the read that would say EAGAIN
      continue;
    }
    if (n < 0 && errno == EAGAIN) break;
    return close_connection(c);  // EOF or error: the client is gone
  }
  process(c);
}

void Server::process(const std::shared_ptr<Connection>& c) {
  while (!c->busy && c->out.size() < kMaxPendingOutput && conns_.count(c->id) != 0) {
    Reader r(c->in);
    uint32_t len = 0;
    if (!r.u32(len)) break;
    if (len == 0 || len > msg::kMaxFrame) {
      agent_.log().error("client sent a frame of " + std::to_string(len) + " bytes; closing");
      return close_connection(c);
    }
    if (r.remaining() < len) break;
    c->busy = true;
    Bytes frame_bytes(c->in.begin() + 4, c->in.begin() + 4 + len);
    // erase() moves what follows forward and leaves the old bytes beyond the new end, in the
    // vector's capacity, until it is freed: wipe them now (the frame may hold a private key).
    uint8_t* base = c->in.data();
    size_t old_size = c->in.size();
    c->in.erase(c->in.begin(), c->in.begin() + 4 + len);
    secure_wipe(base + c->in.size(), old_size - c->in.size());
    std::weak_ptr<Connection> weak = c;
    Request req;
    req.conn = c;
    req.type = frame_bytes[0];
    req.body = ByteView(frame_bytes).subspan(1);
    req.reply = [this, weak](Bytes message) {
      auto conn = weak.lock();
      if (!conn || conns_.count(conn->id) == 0) return;  // client went away
      conn->busy = false;
      send(conn, std::move(message));
      process(conn);
    };
    agent_.dispatch(std::move(req));
  }
  if (conns_.count(c->id) != 0) update_interest(*c);
}

void Server::send(const std::shared_ptr<Connection>& c, Bytes message) {
  Writer w;
  w.string(message);
  const Bytes& f = w.bytes();
  c->out.insert(c->out.end(), f.begin(), f.end());
  if (!flush(c)) return close_connection(c);
}

bool Server::flush(const std::shared_ptr<Connection>& c) {
  while (!c->out.empty()) {
    ssize_t n = ::send(c->fd, c->out.data(), c->out.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EAGAIN) break;
    if (n <= 0) return false;
    c->out.erase(c->out.begin(), c->out.begin() + n);
  }
  return true;
}

void Server::update_interest(const Connection& c) {
  // Stop reading while a request is in flight and a frame is already buffered:
  // a client cannot make us buffer without bound.
  bool want_read = !(c.busy && c.in.size() >= msg::kMaxFrame + 4) && c.out.size() < kMaxPendingOutput;
  loop_.set_interest(c.fd, (want_read ? EventLoop::kRead : 0) |
                               (c.out.empty() ? 0 : EventLoop::kWrite));
}

void Server::close_connection(const std::shared_ptr<Connection>& c) {
  if (conns_.erase(c->id) == 0) return;
  loop_.unwatch(c->fd);
  close(c->fd);
  c->fd = -1;
  c->pending.reset();  // cancels a prompt the client was waiting for
}

}  // namespace skagent
