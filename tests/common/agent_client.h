// SPDX-License-Identifier: BSD-2-Clause
// The one test client of an ssh-agent socket, for the unit tests (tests/agent/agent_harness.h),
// skagent-bench and skagent-adversary: blocking, one frame at a time, with a per-call timeout,
// and the few messages they send and decode, over agent/protocol/messages.h.
//
// It costs a few system calls per request (one sendmsg; one recv per reply, read in large
// chunks into a buffer kept across replies; a poll only when a timeout is asked for), so that
// the bench, timing an agent, measures the agent and not this client.
#pragma once

#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "agent/protocol/messages.h"
#include "base/bytes.h"
#include "base/error.h"
#include "base/wire.h"

namespace skagent::testing {

// A connected AF_UNIX stream socket to `path`, or -1 (errno set).
inline int connect_unix(const std::string& path) {
  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sun.sun_path)) {
    errno = ENAMETOOLONG;
    return -1;
  }
  std::memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {
    int e = errno;
    close(fd);
    errno = e;
    return -1;
  }
  return fd;
}

// All of `parts` on a socket, in one sendmsg when it can (so the agent sees one segment); no
// SIGPIPE when the agent has gone. False when the socket failed.
inline bool send_all(int fd, std::initializer_list<ByteView> parts) {
  iovec iov[4];
  size_t n = 0;
  for (ByteView p : parts) {
    if (!p.empty() && n < 4) iov[n++] = {const_cast<uint8_t*>(p.data()), p.size()};
  }
  size_t idx = 0;
  while (idx < n) {
    msghdr m{};
    m.msg_iov = iov + idx;
    m.msg_iovlen = n - idx;
    ssize_t sent = sendmsg(fd, &m, MSG_NOSIGNAL);
    if (sent < 0 && errno == EINTR) continue;
    if (sent <= 0) return false;
    // Past what went out (short writes are rare).
    for (size_t left = size_t(sent); left > 0 && idx < n;) {
      size_t step = std::min(left, iov[idx].iov_len);
      iov[idx].iov_base = static_cast<uint8_t*>(iov[idx].iov_base) + step;
      iov[idx].iov_len -= step;
      left -= step;
      if (iov[idx].iov_len == 0) idx++;
    }
  }
  return true;
}
inline bool send_all(int fd, ByteView b) { return send_all(fd, {b}); }

// A whole frame: length, type, body.
inline Bytes agent_frame(uint8_t type, ByteView body = {}) {
  Writer w;
  w.u32(uint32_t(body.size() + 1));
  w.u8(type);
  w.raw(body);
  return w.take();
}

// A one-byte reply of `code` (SUCCESS, FAILURE, EXTENSION_FAILURE).
inline bool is_reply(const std::optional<Bytes>& r, uint8_t code) {
  return r && r->size() == 1 && (*r)[0] == code;
}

// The answers to `n` pipelined requests on `fd` that must each fail: how many five-byte
// SSH_AGENT_FAILURE answers (00 00 00 01 05) came back, and how many of their bytes were
// something else. Reads the socket itself (not a client's buffer) until `n` answers, EOF, or
// `timeout_ms` without a byte.
struct FailureAnswers {
  size_t answered = 0, wrong_bytes = 0;
};
inline FailureAnswers read_failure_answers(int fd, size_t n, int timeout_ms = 20000) {
  const uint8_t failure[5] = {0, 0, 0, 1, msg::kFailure};
  FailureAnswers got;
  size_t pos = 0;
  uint8_t buf[65536];
  while (got.answered < n) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) != 1) break;
    ssize_t len = read(fd, buf, sizeof(buf));
    if (len <= 0) break;
    for (ssize_t i = 0; i < len; i++) {
      if (buf[i] != failure[pos]) got.wrong_bytes++;
      if (++pos == 5) pos = 0, got.answered++;
    }
  }
  return got;
}

class AgentClient {
 public:
  // Connects now; connected() tells whether it did.
  explicit AgentClient(const std::string& path) : fd_(connect_unix(path)) {}
  // The same, as a Result naming why it could not.
  static Result<AgentClient> connect(const std::string& path) {
    AgentClient c(path);
    if (!c.connected())
      return make_error(Errc::io, "connect " + path + ": " + std::strerror(errno));
    return c;
  }
  AgentClient(AgentClient&& o) noexcept { *this = std::move(o); }
  AgentClient& operator=(AgentClient&& o) noexcept {
    if (this != &o) {
      if (fd_ >= 0) close(fd_);
      fd_ = std::exchange(o.fd_, -1);
      buf_ = std::move(o.buf_);
      begin_ = std::exchange(o.begin_, 0);
      end_ = std::exchange(o.end_, 0);
      closed_ = o.closed_;
      default_timeout_ms_ = o.default_timeout_ms_;
    }
    return *this;
  }
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;
  ~AgentClient() {
    if (fd_ >= 0) close(fd_);
  }

  bool connected() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  // The last call or receive failed because the agent closed (or reset) the connection, not
  // because it timed out.
  bool closed() const { return closed_; }

  bool send_raw(ByteView b) { return note_sent(send_all(fd_, b)); }
  // One message: type and body, framed.
  bool send(uint8_t type, ByteView body = {}) {
    Writer head;
    head.u32(uint32_t(body.size() + 1));
    head.u8(type);
    return note_sent(send_all(fd_, {head.bytes(), body}));
  }
  // One message given whole (type byte first), framed.
  bool send_message(ByteView message) {
    Writer len;
    len.u32(uint32_t(message.size()));
    return note_sent(send_all(fd_, {len.bytes(), message}));
  }

  // The next reply message (type byte first), or nullopt on close, timeout (closed() tells
  // which) or a frame longer than `max_frame`. timeout_ms < 0: wait as long as it takes.
  std::optional<Bytes> receive(int timeout_ms = 5000, size_t max_frame = 4 * 1024 * 1024) {
    if (!fill(4, timeout_ms)) return std::nullopt;
    Reader r(ByteView(buf_).subspan(begin_, 4));
    uint32_t len = 0;
    (void)r.u32(len);
    if (len == 0 || len > max_frame) return std::nullopt;
    if (!fill(4 + size_t(len), timeout_ms)) return std::nullopt;
    Bytes body(buf_.begin() + long(begin_ + 4), buf_.begin() + long(begin_ + 4 + len));
    begin_ += 4 + size_t(len);
    return body;
  }

  std::optional<Bytes> call(uint8_t type, ByteView body, int timeout_ms) {
    if (!send(type, body)) return std::nullopt;
    return receive(timeout_ms);
  }
  std::optional<Bytes> call(uint8_t type, ByteView body = {}) {
    return call(type, body, default_timeout_ms_);
  }
  // How long call(type, body) waits for a reply (5 s unless set).
  void set_default_timeout(int ms) { default_timeout_ms_ = ms; }
  // A whole message (type byte first) and its reply, waiting as long as it takes; the reply
  // frame must be at most msg::kMaxFrame, as OpenSSH's own client requires.
  Result<Bytes> request(ByteView message) {
    if (!send_message(message)) return make_error(Errc::io, "send: the agent is gone");
    auto reply = receive(-1, msg::kMaxFrame);
    if (reply) return std::move(*reply);
    return make_error(closed_ ? Errc::io : Errc::malformed,
                      closed_ ? "agent closed the connection" : "bad reply length");
  }

  bool call_ok(uint8_t type, ByteView body = {}) {
    return is_reply(call(type, body), msg::kSuccess);
  }
  bool call_failed(uint8_t type, ByteView body = {}) {
    return is_reply(call(type, body), msg::kFailure);
  }
  // A known extension that failed: SSH_AGENT_EXTENSION_FAILURE (OpenSSH 10.3+).
  bool call_ext_failed(uint8_t type, ByteView body = {}) {
    return is_reply(call(type, body), msg::kExtensionFailure);
  }
  // True when the agent closed the connection (EOF within the timeout) with nothing unread.
  bool closed_by_peer(int timeout_ms = 5000) {
    if (end_ > begin_) return false;
    return !fill(1, timeout_ms) && closed_;
  }

 private:
  bool note_sent(bool ok) {
    if (!ok) closed_ = true;
    return ok;
  }

  // At least `want` unread bytes in the buffer, read in large chunks.
  bool fill(size_t want, int timeout_ms) {
    constexpr size_t kChunk = 64 * 1024;
    if (begin_ == end_) begin_ = end_ = 0;
    if (buf_.size() - begin_ < std::max(want, kChunk / 2)) {
      std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
      end_ -= begin_;
      begin_ = 0;
      buf_.resize(std::max({buf_.size(), want, kChunk}));
    }
    while (end_ - begin_ < want) {
      if (timeout_ms >= 0) {
        pollfd p = {fd_, POLLIN, 0};
        int pr = poll(&p, 1, timeout_ms);
        if (pr < 0 && errno == EINTR) continue;
        if (pr <= 0) return closed_ = pr < 0, false;
      }
      ssize_t n = recv(fd_, buf_.data() + end_, buf_.size() - end_, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        begin_ = end_ = 0;  // a frame cut by the close is of no use
        closed_ = true;
        return false;
      }
      end_ += size_t(n);
    }
    return true;
  }

  int fd_ = -1;
  Bytes buf_;  // [begin_, end_) is read but not yet handed out
  size_t begin_ = 0, end_ = 0;
  bool closed_ = false;
  int default_timeout_ms_ = 5000;
};

// The body of a SIGN_REQUEST.
inline Bytes sign_body(ByteView blob, ByteView data, uint32_t flags = 0) {
  Writer w;
  w.string(blob);
  w.string(data);
  w.u32(flags);
  return w.take();
}

// Whole messages (type byte first), for AgentClient::request.
inline Bytes encode_request_identities() { return Bytes{msg::kRequestIdentities}; }
inline Bytes encode_sign_request(ByteView blob, ByteView data, uint32_t flags) {
  Bytes m{msg::kSignRequest};
  Bytes body = sign_body(blob, data, flags);
  m.insert(m.end(), body.begin(), body.end());
  return m;
}

// Reads the type byte and checks it; a FAILURE reply gets its own message, because it is the
// one an agent sends on purpose (refusal, unknown key).
inline Status expect_reply_type(Reader& r, uint8_t want) {
  uint8_t type = 0;
  if (!r.u8(type)) return make_error(Errc::malformed, "empty reply");
  if (type == msg::kFailure) return make_error(Errc::denied, "agent answered FAILURE");
  if (type != want)
    return make_error(Errc::malformed, "unexpected reply type " + std::to_string(type));
  return {};
}

struct ListedIdentity {
  Bytes blob;
  std::string comment;
};

// An IDENTITIES_ANSWER (whole message), strictly: no trailing bytes.
inline Result<std::vector<ListedIdentity>> decode_identities(ByteView reply) {
  Reader r(reply);
  if (Status s = expect_reply_type(r, msg::kIdentitiesAnswer); !s) return s.error();
  uint32_t n = 0;
  if (!r.u32(n)) return make_error(Errc::malformed, "identities: no count");
  std::vector<ListedIdentity> ids;
  ids.reserve(std::min<uint32_t>(n, 4096));
  for (uint32_t i = 0; i < n; i++) {
    ByteView blob, comment;
    if (!r.string(blob) || !r.string(comment))
      return make_error(Errc::malformed, "identities: truncated entry");
    ids.push_back({to_bytes(blob), std::string(as_string(comment))});
  }
  if (!r.empty()) return make_error(Errc::malformed, "identities: trailing bytes");
  return ids;
}

// A SIGN_RESPONSE (whole message): its signature blob.
inline Result<Bytes> decode_sign_response(ByteView reply) {
  Reader r(reply);
  if (Status s = expect_reply_type(r, msg::kSignResponse); !s) return s.error();
  ByteView sig;
  if (!r.string(sig) || !r.empty())
    return make_error(Errc::malformed, "sign response: bad signature string");
  return to_bytes(sig);
}

// The same for a reply that may be missing: the signature, or nullopt.
inline std::optional<Bytes> signature_of(const std::optional<Bytes>& reply) {
  if (!reply) return std::nullopt;
  auto sig = decode_sign_response(*reply);
  if (!sig) return std::nullopt;
  return std::move(*sig);
}

// The key blobs of an IDENTITIES_ANSWER that may be missing; empty when it is not one.
inline std::vector<Bytes> identities_of(const std::optional<Bytes>& reply) {
  std::vector<Bytes> out;
  if (!reply) return out;
  auto ids = decode_identities(*reply);
  if (!ids) return out;
  for (auto& id : *ids) out.push_back(std::move(id.blob));
  return out;
}

}  // namespace skagent::testing
