// SPDX-License-Identifier: BSD-2-Clause
#include "platform/sandbox.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <functional>

#include <cerrno>
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

}  // namespace
}  // namespace skagent
