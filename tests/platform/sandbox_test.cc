// SPDX-License-Identifier: BSD-2-Clause
#include "platform/sandbox.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

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

}  // namespace
}  // namespace skagent
