// SPDX-License-Identifier: BSD-2-Clause
// A real skagent (event loop, server, agent) running on a thread in the test
// process, listening on a socket in a temp dir; its client is tests/common/agent_client.h.
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
#include "tests/common/agent_client.h"

namespace skagent::testing {

inline std::string build_dir() {
  const char* b = getenv("BUILD");
  return b != nullptr ? b : "build";
}

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
    agent_ = std::make_unique<Agent>(opts_, log_, loop_, build_dir() + "/bin/skagent-sk-helper",
                                     build_dir() + "/bin/skagent-pkcs11-helper");
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
  EventLoop loop_;
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
