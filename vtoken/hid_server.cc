// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/hid_server.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

#include "vtoken/unix_listen.h"

namespace skagent::vtoken {

namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kMessageTimeout = std::chrono::milliseconds(1000);
constexpr size_t kMaxChannels = 64;
constexpr size_t kMaxConnections = 32;
constexpr uint8_t kCapabilities = ctaphid::kCapWink | ctaphid::kCapCbor | ctaphid::kCapNoMsg;

}  // namespace

// During a touch wait or a slow step: keepalives out, CANCEL in.
class HidServer::Waiter : public PresenceWait {
 public:
  Waiter(HidServer& s, Conn& c, uint32_t cid, int stop_fd)
      : s_(s), c_(c), cid_(cid), stop_fd_(stop_fd) {}
  bool cancelled(int ms) override { return keepalive(ctaphid::kStatusUpNeeded, ms); }
  bool processing(int ms) override { return keepalive(ctaphid::kStatusProcessing, ms); }
  // Sends KEEPALIVE(status), then serves the other clients for `ms`.
  bool keepalive(uint8_t status, int ms) {
    if (cancel_ || c_.closed) return true;
    if (!s_.send(c_, cid_, ctaphid::kKeepalive, ByteView(&status, 1))) return true;
    if (!s_.poll_once(stop_fd_, ms, this)) return true;
    return cancel_ || c_.closed;
  }
  // Called for messages arriving during the wait.
  bool ends_wait(const Conn& c, const ctaphid::Message& m) const {
    return &c == &c_ && m.cid == cid_ && (m.cmd == ctaphid::kCancel || m.cmd == ctaphid::kInit);
  }
  void cancel(bool by_init) {
    cancel_ = true;
    by_init_ = by_init_ || by_init;
  }
  // An INIT on the channel aborts the transaction without a reply.
  bool ended_by_init() const { return by_init_; }

 private:
  HidServer& s_;
  Conn& c_;
  uint32_t cid_;
  int stop_fd_;
  bool cancel_ = false;
  bool by_init_ = false;
};

Result<std::unique_ptr<HidServer>> HidServer::listen(const std::string& path, Authenticator& auth) {
  auto fd = listen_unix(path, "HID socket", 16, true);
  if (!fd) return fd.error();
  return std::unique_ptr<HidServer>(new HidServer(*fd, path, auth));
}

HidServer::~HidServer() {
  for (auto& c : conns_) {
    if (c.fd >= 0) close(c.fd);
  }
  close(fd_);
  unlink(path_.c_str());
}

void HidServer::accept_clients() {
  for (;;) {
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC | SOCK_NONBLOCK);
    if (c < 0) return;
    size_t open = size_t(
        std::count_if(conns_.begin(), conns_.end(), [](const Conn& x) { return !x.closed; }));
    if (open >= kMaxConnections) {
      close(c);
      continue;
    }
    conns_.emplace_back();
    conns_.back().fd = c;
  }
}

std::vector<ctaphid::Report> HidServer::read_reports(Conn& c) {
  std::vector<ctaphid::Report> out;
  uint8_t buf[4096];
  for (;;) {
    ssize_t n = recv(c.fd, buf, sizeof(buf), 0);
    if (n > 0) {
      c.inbuf.insert(c.inbuf.end(), buf, buf + n);
      if (size_t(n) < sizeof(buf)) break;
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
    c.closed = true;  // EOF or error: the platform went away
    break;
  }
  size_t whole = c.inbuf.size() / ctaphid::kReportSize * ctaphid::kReportSize;
  for (size_t off = 0; off < whole; off += ctaphid::kReportSize) {
    ctaphid::Report r;
    std::copy_n(c.inbuf.begin() + long(off), ctaphid::kReportSize, r.begin());
    out.push_back(r);
  }
  c.inbuf.erase(c.inbuf.begin(), c.inbuf.begin() + long(whole));
  return out;
}

bool HidServer::send(Conn& c, uint32_t cid, uint8_t cmd, ByteView payload) {
  if (c.closed) return false;
  auto reports = ctaphid::fragment(cid, cmd, payload);
  if (!reports) return false;
  for (const auto& r : *reports) {
    size_t off = 0;
    while (off < r.size()) {
      ssize_t n = ::send(c.fd, r.data() + off, r.size() - off, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n > 0) {
        off += size_t(n);
        continue;
      }
      if (n < 0 && errno == EINTR) continue;
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
        // A client that does not read for a second is dropped, never waited on.
        struct pollfd p = {c.fd, POLLOUT, 0};
        if (poll(&p, 1, 1000) == 1 && (p.revents & POLLOUT)) continue;
      }
      c.closed = true;
      return false;
    }
  }
  return true;
}

bool HidServer::send_error(Conn& c, uint32_t cid, uint8_t code) {
  return send(c, cid, ctaphid::kError, ByteView(&code, 1));
}

bool HidServer::channel_known(uint32_t cid) const {
  return std::find(channels_.begin(), channels_.end(), cid) != channels_.end();
}

void HidServer::handle_init(Conn& c, const ctaphid::Message& m) {
  if (m.payload.size() != 8) {
    send_error(c, m.cid, ctaphid::kErrInvalidLen);
    return;
  }
  uint32_t cid = m.cid;
  if (cid == ctaphid::kBroadcastCid) {
    do {
      cid = next_cid_++;
    } while (cid == 0 || cid == ctaphid::kBroadcastCid);
    channels_.push_back(cid);
    if (channels_.size() > kMaxChannels) channels_.pop_front();
  } else if (!channel_known(cid)) {
    send_error(c, m.cid, ctaphid::kErrInvalidChannel);
    return;
  }
  send(c, m.cid, ctaphid::kInit, ctaphid::init_response(m.payload, cid, kCapabilities));
}

void HidServer::handle(Conn& c, const ctaphid::Reassembler::Event& ev, Waiter* waiter) {
  if (ev.kind == ctaphid::Reassembler::Event::error) {
    send_error(c, ev.cid, ev.error_code);
    return;
  }
  if (ev.kind != ctaphid::Reassembler::Event::message) return;
  const ctaphid::Message& m = ev.msg;
  if (waiter != nullptr && waiter->ends_wait(c, m)) waiter->cancel(m.cmd == ctaphid::kInit);
  if (m.cmd == ctaphid::kInit) {
    handle_init(c, m);
    return;
  }
  if (m.cid == ctaphid::kBroadcastCid || !channel_known(m.cid)) {
    send_error(c, m.cid, ctaphid::kErrInvalidChannel);
    return;
  }
  if (m.cmd == ctaphid::kCancel) return;  // no reply, ever
  if (busy_) {
    send_error(c, m.cid, ctaphid::kErrChannelBusy);
    return;
  }
  switch (m.cmd) {
    case ctaphid::kPing:
      send(c, m.cid, ctaphid::kPing, m.payload);
      return;
    case ctaphid::kWink:
      send(c, m.cid, ctaphid::kWink, {});
      return;
    case ctaphid::kCbor: {
      if (m.payload.empty()) {
        send_error(c, m.cid, ctaphid::kErrInvalidLen);
        return;
      }
      busy_ = true;
      int stop_fd = stop_fd_;
      Waiter w(*this, c, m.cid, stop_fd);
      CtapReply reply = auth_.handle(m.payload, w);
      busy_ = false;
      if (!w.ended_by_init()) send(c, m.cid, ctaphid::kCbor, reply.wire());
      return;
    }
    default:
      // No U2F (MSG), no LOCK: this token speaks CTAP2 only.
      send_error(c, m.cid, ctaphid::kErrInvalidCmd);
      return;
  }
}

bool HidServer::poll_once(int stop_fd, int ms, Waiter* waiter) {
  std::vector<struct pollfd> pfds;
  pfds.push_back({stop_fd, POLLIN, 0});
  pfds.push_back({fd_, POLLIN, 0});
  std::vector<Conn*> order;
  for (auto& c : conns_) {
    if (c.closed) continue;
    pfds.push_back({c.fd, POLLIN, 0});
    order.push_back(&c);
  }
  int rc = poll(pfds.data(), pfds.size(), ms);
  if (rc < 0 && errno != EINTR) return false;
  if (pfds[0].revents != 0) return false;
  if (pfds[1].revents & POLLIN) accept_clients();
  auto now = Clock::now();
  for (size_t i = 0; i < order.size(); i++) {
    Conn& c = *order[i];
    if (pfds[i + 2].revents != 0) {
      for (const auto& r : read_reports(c)) {
        if (c.closed) break;
        handle(c, c.reasm.feed(r, now), waiter);
      }
    }
    if (!c.closed) handle(c, c.reasm.expire(now, kMessageTimeout), waiter);
  }
  return true;
}

void HidServer::run(int stop_fd) {
  stop_fd_ = stop_fd;
  for (;;) {
    bool pending =
        std::any_of(conns_.begin(), conns_.end(), [](const Conn& c) { return c.reasm.busy(); });
    if (!poll_once(stop_fd, pending ? 100 : 1000, nullptr)) return;
    for (auto it = conns_.begin(); it != conns_.end();) {
      if (it->closed) {
        close(it->fd);
        it = conns_.erase(it);
      } else {
        ++it;
      }
    }
  }
}

}  // namespace skagent::vtoken
