// SPDX-License-Identifier: BSD-2-Clause
// Only root and the agent's own uid are served (agent/server.cc). The socket's mode already
// turns other users away, so OpenSSH's agent-getpeereid never reaches this check on Linux;
// here the socket is opened to everyone and a child running as nobody connects: the agent
// must close the connection without an answer. Needs root (to become nobody).
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tests/agent/agent_harness.h"

namespace skagent::testing {
namespace {

// In the forked child: only system calls (the parent has threads). Exit 0: closed without an
// answer; 1: answered; 2: neither within 5 s; 3: could not become nobody; 4: no connect.
[[noreturn]] void connect_as_nobody(const char* path) {
  if (setgid(65534) != 0 || setuid(65534) != 0) _exit(3);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
  if (fd < 0 || connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) _exit(4);
  const uint8_t list[] = {0, 0, 0, 1, msg::kRequestIdentities};
  // MSG_NOSIGNAL: when the agent closed first, the send fails with EPIPE (exit 0) instead of
  // SIGPIPE killing the child (a test failure about 1 run in 150).
  if (send(fd, list, sizeof(list), MSG_NOSIGNAL) != ssize_t(sizeof(list))) _exit(0);
  struct pollfd pfd = {fd, POLLIN, 0};
  if (poll(&pfd, 1, 5000) != 1) _exit(2);
  uint8_t b;
  ssize_t n = read(fd, &b, 1);
  _exit(n > 0 ? 1 : 0);
}

TEST(PeerUid, AnotherUserIsDisconnectedEvenWhenTheSocketLetsItIn) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to connect as another user";
  AgentHarness agent;
  ASSERT_EQ(chmod(agent.dir().c_str(), 0755), 0);
  ASSERT_EQ(chmod(agent.socket_path().c_str(), 0666), 0);
  std::string path = agent.socket_path();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) connect_as_nobody(path.c_str());
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 0)
      << "1: nobody got an answer; 2: no close; 3: setuid; 4: connect";
  auto own = agent.client();
  EXPECT_TRUE(own.call(msg::kRequestIdentities));  // our own uid is still served
}

}  // namespace
}  // namespace skagent::testing
