// SPDX-License-Identifier: BSD-2-Clause
// A real skagent (event loop, server, agent) running on a thread in the test
// process, listening on a socket in a temp dir, and a blocking client for it.
#pragma once

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <optional>
#include <thread>

#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "agent/server.h"
#include "platform/unix_listener.h"
#include "ssh/private_key.h"

namespace skagent::testing {

inline std::string build_dir() {
  const char* b = getenv("BUILD");
  return b != nullptr ? b : "build";
}

class AgentClient {
 public:
  explicit AgentClient(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun {};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path.c_str());
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0;
  }
  ~AgentClient() { close(fd_); }
  bool connected() const { return connected_; }
  int fd() const { return fd_; }

  void send_raw(ByteView b) {
    size_t off = 0;
    while (off < b.size()) {
      ssize_t n = ::send(fd_, b.data() + off, b.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return;
      off += size_t(n);
    }
  }
  void send(uint8_t type, ByteView body) {
    Writer w;
    w.u32(uint32_t(body.size() + 1));
    w.u8(type);
    w.raw(body);
    send_raw(w.bytes());
  }
  // The next reply message (type byte first), or nullopt on close/timeout.
  std::optional<Bytes> receive(int timeout_ms = 5000) {
    uint8_t len_bytes[4];
    if (!read_exact(len_bytes, 4, timeout_ms)) return std::nullopt;
    Reader r(len_bytes);
    uint32_t len = 0;
    if (!r.u32(len) || len > 1024 * 1024) return std::nullopt;
    Bytes body(len);
    if (!read_exact(body.data(), len, timeout_ms)) return std::nullopt;
    return body;
  }
  std::optional<Bytes> call(uint8_t type, ByteView body = {}) {
    send(type, body);
    return receive();
  }
  bool call_ok(uint8_t type, ByteView body = {}) {
    auto r = call(type, body);
    return r && r->size() == 1 && (*r)[0] == msg::kSuccess;
  }
  bool call_failed(uint8_t type, ByteView body = {}) {
    auto r = call(type, body);
    return r && r->size() == 1 && (*r)[0] == msg::kFailure;
  }
  // A known extension that failed: SSH_AGENT_EXTENSION_FAILURE (OpenSSH 10.3+).
  bool call_ext_failed(uint8_t type, ByteView body = {}) {
    auto r = call(type, body);
    return r && r->size() == 1 && (*r)[0] == msg::kExtensionFailure;
  }
  // True when the agent closed the connection (EOF within the timeout).
  bool closed_by_peer(int timeout_ms = 5000) {
    uint8_t b;
    return !read_exact(&b, 1, timeout_ms) && eof_;
  }

 private:
  bool read_exact(uint8_t* p, size_t n, int timeout_ms) {
    while (n > 0) {
      struct pollfd pfd = {fd_, POLLIN, 0};
      if (poll(&pfd, 1, timeout_ms) <= 0) return false;
      ssize_t r = read(fd_, p, n);
      if (r <= 0) {
        eof_ = r == 0 || errno == ECONNRESET;
        return false;
      }
      p += r;
      n -= size_t(r);
    }
    return true;
  }
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
};

class AgentHarness {
 public:
  explicit AgentHarness(AgentOptions opts = {}) : opts_(std::move(opts)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("skagent-test-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    auto l = listen_unix((dir_ / "agent.sock").string(), getpid());
    if (!l) abort();
    listener_ = *l;
    log_.configure(Logger::Sink::stderr_sink,
                   getenv("SKAGENT_TEST_LOG") ? Logger::Level::debug : Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, build_dir() + "/bin/skagent-sk-helper",
                           build_dir() + "/bin/skagent-pkcs11-helper")
                 .value();
    server_ = std::make_unique<Server>(loop_, *agent_, listener_.fd);
    thread_ = std::thread([this] { loop_.run(); });
  }
  ~AgentHarness() {
    loop_.post([this] { loop_.stop(); });
    thread_.join();
    server_.reset();
    agent_.reset();
    close(listener_.fd);
    std::filesystem::remove_all(dir_);
  }
  std::string socket_path() const { return listener_.path; }
  AgentClient client() const { return AgentClient(listener_.path); }
  const std::filesystem::path& dir() const { return dir_; }

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  AgentOptions opts_;
  std::filesystem::path dir_;
  Listener listener_;
  Logger log_;
  std::unique_ptr<EventLoop> loop_owner_ = EventLoop::create().value();
  EventLoop& loop_ = *loop_owner_;
  std::unique_ptr<Agent> agent_;
  std::unique_ptr<Server> server_;
  std::thread thread_;
};

// ADD_IDENTITY body for a key, with optional raw constraint bytes.
inline Bytes add_body(const PrivateKey& key, std::string_view comment, ByteView constraints = {}) {
  Writer w;
  key.write(w);
  w.string(comment);
  w.raw(constraints);
  return w.take();
}

// An SSHSIG blob for namespace `ns` (ssh-keygen -Y sign's data to sign).
inline Bytes sshsig(const std::string& ns) {
  Writer w;
  w.raw(view("SSHSIG"));
  w.string(ns);
  w.string("");
  w.string("sha512");
  w.string(Bytes(64, 7));
  return w.take();
}

inline Bytes sign_body(ByteView blob, ByteView data, uint32_t flags = 0) {
  Writer w;
  w.string(blob);
  w.string(data);
  w.u32(flags);
  return w.take();
}

// Parses a SIGN_RESPONSE into the signature blob.
inline std::optional<Bytes> signature_of(const std::optional<Bytes>& reply) {
  if (!reply || reply->empty() || (*reply)[0] != msg::kSignResponse) return std::nullopt;
  Reader r(ByteView(*reply).subspan(1));
  ByteView sig;
  if (!r.string(sig) || !r.empty()) return std::nullopt;
  return to_bytes(sig);
}

// The key blobs of an IDENTITIES_ANSWER.
inline std::vector<Bytes> identities_of(const std::optional<Bytes>& reply) {
  std::vector<Bytes> out;
  if (!reply || reply->empty() || (*reply)[0] != msg::kIdentitiesAnswer) return out;
  Reader r(ByteView(*reply).subspan(1));
  uint32_t n = 0;
  if (!r.u32(n)) return out;
  for (uint32_t i = 0; i < n; i++) {
    ByteView blob, comment;
    if (!r.string(blob) || !r.string(comment)) return {};
    out.push_back(to_bytes(blob));
  }
  return out;
}

// After a hostile exchange, a fresh client must still see the one key and sign with it.
inline void expect_still_serving(const AgentHarness& agent, const PrivateKey& key) {
  auto c = agent.client();
  auto ids = identities_of(c.call(msg::kRequestIdentities));
  ASSERT_EQ(ids.size(), 1u);
  Bytes data = to_bytes(view("still here"));
  auto sig = signature_of(c.call(msg::kSignRequest, sign_body(key.public_key().blob(), data)));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify_signature(key.public_key(), *sig, data).ok());
}

}  // namespace skagent::testing
