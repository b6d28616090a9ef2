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
#include <fstream>
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
  // `helper_env`: "NAME=value" settings for the helpers' token libraries (test providers and
  // modules read them), given to each helper through a wrapper script in the agent's temp dir
  // (set_helper_env changes them for helpers started later), so that the test process's own
  // environment is never changed.
  explicit AgentHarness(AgentOptions opts = {}, std::vector<std::string> helper_env = {})
      : opts_(std::move(opts)) {
    dir_ = std::filesystem::temp_directory_path() /
           ("skagent-test-" + std::to_string(getpid()) + "-" + std::to_string(counter()++));
    std::filesystem::create_directories(dir_);
    // An askpass named without a directory is a script the test writes into dir().
    std::string& askpass = opts_.askpass.program;
    if (!askpass.empty() && askpass.find('/') == std::string::npos) {
      askpass = (dir_ / askpass).string();
    }
    auto l = listen_unix((dir_ / "agent.sock").string(), getpid());
    if (!l) abort();
    listener_ = *l;
    log_.configure(Logger::Sink::stderr_sink,
                   getenv("SKAGENT_TEST_LOG") ? Logger::Level::debug : Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, helper("skagent-sk-helper", helper_env),
                           helper("skagent-pkcs11-helper", helper_env))
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
  // The helpers started from now on get `env` ("NAME=value") in their environment; only for a
  // harness made with helper settings.
  void set_helper_env(const std::vector<std::string>& env) {
    std::ofstream out(dir_ / "helper.env");
    for (const auto& e : env) out << "export '" << e << "'\n";
  }
  std::string socket_path() const { return listener_.path; }
  AgentClient client() const { return AgentClient(listener_.path); }
  const std::filesystem::path& dir() const { return dir_; }
  // The agent's loop: post() runs a task on its thread (a test may hold the loop with it).
  EventLoop& loop() { return loop_; }
  Server& server() { return *server_; }  // touch it on the loop's thread (loop().post)

 private:
  static int& counter() {
    static int n = 0;
    return n;
  }
  // The built helper, or (with settings) a script that runs it with the settings of the moment.
  std::string helper(const std::string& name, const std::vector<std::string>& env) {
    std::string real = std::filesystem::absolute(build_dir() + "/bin/" + name).string();
    if (env.empty()) return real;
    set_helper_env(env);
    std::string script = (dir_ / name).string();
    std::ofstream(script) << "#!/bin/sh\n. '" << (dir_ / "helper.env").string() << "'\nexec '"
                          << real << "' \"$@\"\n";
    std::filesystem::permissions(script, std::filesystem::perms::owner_all);
    return script;
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

// Options whose agent asks through the askpass `program` whatever the display
// (SSH_ASKPASS_REQUIRE=force); a bare name is a script in the harness's dir().
inline AgentOptions with_askpass(const std::string& program, AgentOptions o = {}) {
  o.askpass = {"", "", "force", program};
  return o;
}

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
