// SPDX-License-Identifier: BSD-2-Clause
#include "agent/shell_output.h"

#include <gtest/gtest.h>

namespace skagent {
namespace {

// The exact lines ssh-agent prints, so `eval $(skagent)` behaves the same.
TEST(ShellOutput, ShEnvLine) {
  EXPECT_EQ(env_line(false, "SSH_AUTH_SOCK", "/tmp/ssh-abc/agent.42"),
            "SSH_AUTH_SOCK=/tmp/ssh-abc/agent.42; export SSH_AUTH_SOCK;\n");
  EXPECT_EQ(env_line(false, "SSH_AGENT_PID", "1234"), "SSH_AGENT_PID=1234; export SSH_AGENT_PID;\n");
}

TEST(ShellOutput, CshEnvLine) {
  EXPECT_EQ(env_line(true, "SSH_AUTH_SOCK", "/tmp/ssh-abc/agent.42"),
            "setenv SSH_AUTH_SOCK /tmp/ssh-abc/agent.42;\n");
  EXPECT_EQ(env_line(true, "SSH_AGENT_PID", "1234"), "setenv SSH_AGENT_PID 1234;\n");
}

TEST(ShellOutput, UnsetLines) {
  EXPECT_EQ(unset_line(false, "SSH_AUTH_SOCK"), "unset SSH_AUTH_SOCK;\n");
  EXPECT_EQ(unset_line(true, "SSH_AGENT_PID"), "unsetenv SSH_AGENT_PID;\n");
}

}  // namespace
}  // namespace skagent
