// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/agent_client.h"

#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

#include "base/wire.h"

namespace skagent::bench {
namespace {

// OpenSSH's own cap on a frame; a longer one means we lost framing.
constexpr uint32_t kMaxFrame = 256 * 1024;
constexpr size_t kReadChunk = 64 * 1024;

Error sys_error(const char* what) {
  return make_error(Errc::io, std::string(what) + ": " + std::strerror(errno));
}

}  // namespace

Result<AgentClient> AgentClient::connect(const std::string& socket_path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (socket_path.size() >= sizeof(addr.sun_path))
    return make_error(Errc::limit, "socket path too long: " + socket_path);
  std::memcpy(addr.sun_path, socket_path.c_str(), socket_path.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return sys_error("socket");
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    Error e = sys_error(("connect " + socket_path).c_str());
    ::close(fd);
    return e;
  }
  return AgentClient(fd);
}

AgentClient::AgentClient(int fd) : fd_(fd), buf_(kReadChunk) {}

AgentClient::AgentClient(AgentClient&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      buf_(std::move(other.buf_)),
      begin_(std::exchange(other.begin_, 0)),
      end_(std::exchange(other.end_, 0)) {}

AgentClient& AgentClient::operator=(AgentClient&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    buf_ = std::move(other.buf_);
    begin_ = std::exchange(other.begin_, 0);
    end_ = std::exchange(other.end_, 0);
  }
  return *this;
}

AgentClient::~AgentClient() {
  if (fd_ >= 0) ::close(fd_);
}

Result<Bytes> AgentClient::call(ByteView message) {
  if (Status s = send_frame(message); !s) return s.error();
  return receive_frame();
}

// Length prefix and body go out in one writev so the agent sees one segment.
Status AgentClient::send_frame(ByteView message) {
  Writer len;
  len.u32(uint32_t(message.size()));
  iovec iov[2] = {{const_cast<uint8_t*>(len.bytes().data()), len.size()},
                  {const_cast<uint8_t*>(message.data()), message.size()}};
  size_t total = len.size() + message.size(), sent = 0;
  int idx = 0;
  while (sent < total) {
    msghdr msg{};
    msg.msg_iov = iov + idx;
    msg.msg_iovlen = size_t(2 - idx);
    ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("send");
    sent += size_t(n);
    // Advance the iovecs past what was written (short writes are rare).
    for (size_t left = size_t(n); left > 0 && idx < 2;) {
      size_t step = std::min(left, iov[idx].iov_len);
      iov[idx].iov_base = static_cast<uint8_t*>(iov[idx].iov_base) + step;
      iov[idx].iov_len -= step;
      left -= step;
      if (iov[idx].iov_len == 0) idx++;
    }
  }
  return {};
}

// Ensures at least `want` unread bytes are buffered. The buffer is allocated
// once and read into in large chunks, so a small reply costs one recv and no
// allocation.
Status AgentClient::fill(size_t want) {
  if (begin_ == end_) begin_ = end_ = 0;
  if (buf_.size() - begin_ < want) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
    if (buf_.size() < want) buf_.resize(want);
  }
  while (end_ - begin_ < want) {
    ssize_t n = ::recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return sys_error("recv");
    if (n == 0) return make_error(Errc::io, "agent closed the connection");
    end_ += size_t(n);
  }
  return {};
}

Result<Bytes> AgentClient::receive_frame() {
  if (Status s = fill(4); !s) return s.error();
  uint32_t len = 0;
  Reader r(ByteView(buf_).subspan(begin_, 4));
  (void)r.u32(len);
  if (len == 0 || len > kMaxFrame)
    return make_error(Errc::malformed, "bad reply length " + std::to_string(len));
  if (Status s = fill(4 + size_t(len)); !s) return s.error();
  auto body = ByteView(buf_).subspan(begin_ + 4, len);
  begin_ += 4 + size_t(len);
  return to_bytes(body);
}

}  // namespace skagent::bench
