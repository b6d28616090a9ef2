// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/vpcd.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skagent::vtoken {

namespace vpcd {

std::vector<Bytes> take_frames(Bytes& buffer) {
  std::vector<Bytes> out;
  size_t off = 0;
  while (buffer.size() - off >= 2) {
    size_t len = size_t(buffer[off]) << 8 | buffer[off + 1];
    if (buffer.size() - off - 2 < len) break;
    out.emplace_back(buffer.begin() + long(off + 2), buffer.begin() + long(off + 2 + len));
    off += 2 + len;
  }
  buffer.erase(buffer.begin(), buffer.begin() + long(off));
  return out;
}

Result<Bytes> frame(ByteView body) {
  if (body.size() > 0xffff) return make_error(Errc::limit, "vpcd frame too long");
  Bytes out = {uint8_t(body.size() >> 8), uint8_t(body.size())};
  out.insert(out.end(), body.begin(), body.end());
  return out;
}

}  // namespace vpcd

namespace {

// T=1 only, no historical bytes; TCK makes the XOR of T0..TCK zero.
const uint8_t kAtr[] = {0x3B, 0x80, 0x80, 0x01, 0x01};

// Touch waits over vpcd end when the token stops or the driver goes away.
class VpcdWait : public PresenceWait {
 public:
  VpcdWait(int conn, int stop_fd) : conn_(conn), stop_fd_(stop_fd) {}
  bool cancelled(int ms) override {
    struct pollfd p[2] = {{stop_fd_, POLLIN, 0}, {conn_, POLLRDHUP, 0}};
    if (poll(p, 2, ms) < 0 && errno != EINTR) return true;
    return p[0].revents != 0 || (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR)) != 0;
  }

 private:
  int conn_, stop_fd_;
};

bool send_all(int fd, ByteView b) {
  size_t off = 0;
  while (off < b.size()) {
    ssize_t n = ::send(fd, b.data() + off, b.size() - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    off += size_t(n);
  }
  return true;
}

}  // namespace

Bytes FidoCard::atr() const { return Bytes(kAtr, kAtr + sizeof(kAtr)); }

Bytes InertCard::atr() const { return Bytes(kAtr, kAtr + sizeof(kAtr)); }

Bytes InertCard::transmit(ByteView, PresenceWait&) { return response_apdu({}, sw::kFileNotFound); }

Result<std::unique_ptr<VpcdServer>> VpcdServer::listen(const std::string& host, uint16_t port,
                                                       VirtualCard& card) {
  struct sockaddr_in sin {};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  std::string h = host == "localhost" ? "127.0.0.1" : host;
  if (inet_pton(AF_INET, h.c_str(), &sin.sin_addr) != 1) {
    return make_error(Errc::malformed, "vpcd host must be an IPv4 address: " + host);
  }
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, std::string("socket: ") + strerror(errno));
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  if (bind(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)) != 0 || ::listen(fd, 4) != 0) {
    Error e = make_error(
        Errc::io, "cannot listen on " + host + ":" + std::to_string(port) + ": " + strerror(errno));
    close(fd);
    return e;
  }
  return std::unique_ptr<VpcdServer>(new VpcdServer(fd, port, card));
}

VpcdServer::~VpcdServer() { close(fd_); }

void VpcdServer::serve(int conn, int stop_fd) {
  int one = 1;
  setsockopt(conn, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  Bytes buffer;
  uint8_t chunk[4096];
  for (;;) {
    struct pollfd p[2] = {{stop_fd, POLLIN, 0}, {conn, POLLIN, 0}};
    if (poll(p, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    if (p[0].revents != 0) return;
    ssize_t n = recv(conn, chunk, sizeof(chunk), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    buffer.insert(buffer.end(), chunk, chunk + n);
    if (buffer.size() > 70000) return;  // more than one frame can hold: not vpcd
    for (const Bytes& body : vpcd::take_frames(buffer)) {
      Bytes reply;
      if (body.size() == 1) {
        switch (body[0]) {
          case vpcd::kPowerOff:
            card_.power(false);
            continue;
          case vpcd::kPowerOn:
            card_.power(true);
            continue;
          case vpcd::kReset:
            card_.power(true);
            continue;
          case vpcd::kGetAtr:
            reply = card_.atr();
            break;
          default:
            continue;  // unknown control codes have no reply
        }
      } else if (body.empty()) {
        continue;
      } else {
        VpcdWait wait(conn, stop_fd);
        reply = card_.transmit(body, wait);
      }
      auto f = vpcd::frame(reply);
      if (!f || !send_all(conn, *f)) return;
    }
  }
}

void VpcdServer::run(int stop_fd) {
  for (;;) {
    struct pollfd p[2] = {{stop_fd, POLLIN, 0}, {fd_, POLLIN, 0}};
    if (poll(p, 2, -1) < 0 && errno != EINTR) return;
    if (p[0].revents != 0) return;
    if (!(p[1].revents & POLLIN)) continue;
    int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (c < 0) continue;
    card_.power(false);
    serve(c, stop_fd);
    close(c);
    card_.power(false);  // the reader went away: nothing keeps running for it
  }
}

}  // namespace skagent::vtoken
