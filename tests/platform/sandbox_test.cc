// SPDX-License-Identifier: BSD-2-Clause
#include "platform/sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

namespace skagent {
namespace {

// The agent's Landlock grants no removal at all. (It used to grant REMOVE_FILE on the socket's
// directory, which covers the whole tree beneath it: with -a ~/x.sock, any file in $HOME.)
// Landlock is per thread, so the sandbox goes on a thread of its own and the test's others
// stay free.
TEST(AgentLandlock, TheSandboxedAgentRemovesNothing) {
  if (landlock_abi() == 0) GTEST_SKIP() << "kernel without Landlock";
  char t[] = "/tmp/sklandlock-XXXXXX";
  std::string dir = mkdtemp(t);
  std::filesystem::create_directory(dir + "/sub");
  for (const char* f : {"/agent.sock", "/victim", "/sub/victim"}) std::ofstream(dir + f) << "x";
  int errs[3] = {0, 0, 0};
  bool applied = false;
  std::thread([&] {
    applied = apply_agent_landlock().ok();
    const char* files[3] = {"/agent.sock", "/victim", "/sub/victim"};
    for (int i = 0; i < 3; i++) errs[i] = unlink((dir + files[i]).c_str()) == 0 ? 0 : errno;
  }).join();
  EXPECT_TRUE(applied);
  for (int e : errs) EXPECT_EQ(e, EACCES);
  EXPECT_TRUE(std::filesystem::exists(dir + "/victim"));
  EXPECT_TRUE(std::filesystem::exists(dir + "/sub/victim"));
  std::filesystem::remove_all(dir);
}

// Runs `body` in a child that first applies the helper sandbox with `rules`; its exit status
// (or the signal that ended it) as waitpid reports it.
int in_sandboxed_child(const HelperSandboxRules& rules, const std::function<int()>& body) {
  pid_t pid = fork();
  if (pid == 0) {
    if (!apply_helper_sandbox(rules)) _exit(100);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return status;
}

bool killed_by_filter(int status) { return WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS; }

// A helper signals only itself: tgkill to another process (its parent, the agent) is as fatal
// as kill. Signal 0 checks permission only, so without the filter each call would succeed.
TEST(HelperSandbox, SignalsOnlyItself) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "ASan builds allow tgkill and tkill (LeakSanitizer's tracer)";
#endif
  int own = in_sandboxed_child(
      {}, [] { return syscall(SYS_tgkill, long(getpid()), long(gettid()), 0L) == 0 ? 0 : 1; });
  EXPECT_TRUE(WIFEXITED(own) && WEXITSTATUS(own) == 0) << own;
  for (long call : {long(SYS_kill), long(SYS_tgkill), long(SYS_tkill)}) {
    int st = in_sandboxed_child({}, [call] {
      long parent = getppid();
      long rc = call == SYS_tgkill ? syscall(call, parent, parent, 0L) : syscall(call, parent, 0L);
      return rc == 0 ? 0 : 1;
    });
    EXPECT_TRUE(killed_by_filter(st)) << "syscall " << call << ": status " << st;
  }
}

// Landlock: under /dev a helper writes /dev/null and the devices it names, nothing else (no
// new pty, no terminal by path); elsewhere only beneath its stores.
TEST(HelperSandbox, WritesOnlyItsDevicesAndStores) {
  if (landlock_abi() == 0) GTEST_SKIP() << "kernel without Landlock";
  char t[] = "/tmp/skhelperlandlock-XXXXXX";
  std::string dir = mkdtemp(t);
  std::filesystem::create_directory(dir + "/store");
  std::filesystem::create_directory(dir + "/other");
  HelperSandboxRules rules;
  rules.stores = {dir + "/store"};
  rules.devices = {"/dev/zero"};
  auto opens = [](const std::string& path, int flags) {
    int fd = open(path.c_str(), flags | O_CLOEXEC | O_NOCTTY, 0600);
    if (fd >= 0) close(fd);
    return fd >= 0 ? 0 : errno;
  };
  struct Case {
    std::string path;
    int flags;
    int want;
  } cases[] = {
      {"/dev/null", O_WRONLY, 0},
      {"/dev/zero", O_RDWR, 0},
      {"/dev/full", O_WRONLY, EACCES},
      {"/dev/ptmx", O_RDWR, EACCES},
      {"/dev/full", O_RDONLY, 0},
      {dir + "/store/new", O_WRONLY | O_CREAT, 0},
      {dir + "/other/new", O_WRONLY | O_CREAT, EACCES},
  };
  for (const auto& c : cases) {
    int st = in_sandboxed_child(rules, [&] { return opens(c.path, c.flags); });
    ASSERT_TRUE(WIFEXITED(st)) << c.path << ": status " << st;
    EXPECT_EQ(WEXITSTATUS(st), c.want) << c.path << " flags " << c.flags;
  }
  std::filesystem::remove_all(dir);
}

// A token-free spare sk helper (skagent-sk-helper --no-token) reaches no token whatever its
// provider does (doc/SECURITY.md): socket(AF_UNIX) is refused, and so is a socketpair, since a
// datagram one would send to any datagram socket by its path (sendto, or connect then send).
TEST(HelperSandbox, ATokenFreeSpareSendsToNoSocketByPath) {
  if (landlock_abi() == 0) GTEST_SKIP() << "kernel without Landlock";
  char t[] = "/tmp/skspare-XXXXXX";
  std::string dir = mkdtemp(t);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string path = dir + "/dgram.sock";
  ASSERT_LT(path.size(), sizeof(addr.sun_path));
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int listener = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(listener, 0);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  HelperSandboxRules rules;
  rules.token_free = true;
  int st = in_sandboxed_child(rules, [&] {
    if (socket(AF_UNIX, SOCK_STREAM, 0) >= 0 || errno != EACCES) return 1;
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) != 0) return 0;  // refused: nothing to send with
    if (sendto(sv[0], "sendto", 6, 0, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) > 0)
      return 2;
    if (connect(sv[1], reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0 &&
        send(sv[1], "connect", 7, 0) > 0)
      return 3;
    return 0;
  });
  char buf[16];
  ssize_t got = recv(listener, buf, sizeof(buf), MSG_DONTWAIT);
  close(listener);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(WIFEXITED(st)) << "status " << st;
  EXPECT_EQ(WEXITSTATUS(st), 0) << "1: socket(AF_UNIX) allowed; 2: sendto by path reached the "
                                   "socket; 3: connect by path reached it";
  EXPECT_LT(got, 0) << "a datagram from the spare arrived: "
                    << std::string(buf, size_t(std::max<ssize_t>(got, 0)));
}

// A token-free spare may not even read a device node: a hidraw node's reader gets a copy of each
// input report the token sends the main helper. (Its Landlock read everything under "/" before.)
TEST(HelperSandbox, ATokenFreeSpareOpensNoDeviceNodeEvenToRead) {
  if (landlock_abi() == 0) GTEST_SKIP() << "kernel without Landlock";
  HelperSandboxRules rules;
  rules.token_free = true;
  int st = in_sandboxed_child(rules, [] {
    int fd = open("/dev/full", O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return 0;
    close(fd);
    return 1;
  });
  ASSERT_TRUE(WIFEXITED(st)) << "status " << st;
  EXPECT_EQ(WEXITSTATUS(st), 0) << "/dev/full opened read-only in a token-free spare";
}

}  // namespace
}  // namespace skagent
