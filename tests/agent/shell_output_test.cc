// SPDX-License-Identifier: BSD-2-Clause
#include "agent/shell_output.h"

#include <gtest/gtest.h>

namespace skagent {
namespace {

// The exact lines ssh-agent prints, so `eval $(skagent)` behaves the same.
TEST(ShellOutput, ShEnvLine) {
  EXPECT_EQ(env_line(false, "SSH_AUTH_SOCK", "/tmp/ssh-abc/agent.42"),
            "SSH_AUTH_SOCK=/tmp/ssh-abc/agent.42; export SSH_AUTH_SOCK;\n");
  EXPECT_EQ(env_line(false, "SSH_AGENT_PID", "1234"),
            "SSH_AGENT_PID=1234; export SSH_AGENT_PID;\n");
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

// OpenSSH 10.5 escapes SSH_AUTH_SOCK; these are the bytes its ssh-agent printed for the same
// paths (-s and -c).
TEST(ShellOutput, EscapedLikeOpenSsh105) {
  EXPECT_EQ(env_line(false, "SSH_AUTH_SOCK", "/tmp/a b/s o"),
            "SSH_AUTH_SOCK=\"/tmp/a b/s o\"; export SSH_AUTH_SOCK;\n");
  EXPECT_EQ(env_line(true, "SSH_AUTH_SOCK", "/tmp/a b/s\tp"),
            "setenv SSH_AUTH_SOCK \"/tmp/a b/s\tp\";\n");
  EXPECT_EQ(env_line(false, "SSH_AUTH_SOCK", "/tmp/a'c\"d\\e"),
            "SSH_AUTH_SOCK=/tmp/a\\'c\\\"d\\\\e; export SSH_AUTH_SOCK;\n");
  EXPECT_EQ(env_line(true, "SSH_AUTH_SOCK", "/tmp/x'y"), "setenv SSH_AUTH_SOCK /tmp/x\\'y;\n");
  EXPECT_EQ(shell_word("/home/u/.ssh/agent/s.2N0me1rP8M.agent.YXLKEORcKw"),
            "/home/u/.ssh/agent/s.2N0me1rP8M.agent.YXLKEORcKw");
}

// Where 10.5's form would evaluate to something else (or run a command: it prints
// "/tmp/x$y;z" bare), the whole word is single-quoted.
TEST(ShellOutput, UnsafeForOpenSshFormSingleQuoted) {
  EXPECT_EQ(shell_word("/tmp/x$y;z"), "'/tmp/x$y;z'");
  EXPECT_EQ(shell_word("/tmp/a`id`"), "'/tmp/a`id`'");
  EXPECT_EQ(shell_word("/tmp/sp a'c"), "'/tmp/sp a'\\''c'");
  EXPECT_EQ(shell_word("~/s"), "'~/s'");
  EXPECT_EQ(shell_word("/tmp/*"), "'/tmp/*'");
  EXPECT_EQ(shell_word(""), "");
}

TEST(ShellOutput, ControlCharacters) {
  EXPECT_TRUE(has_control_characters("/tmp/a\nb"));
  EXPECT_TRUE(has_control_characters(std::string("/tmp/a\0b", 8)));
  EXPECT_TRUE(has_control_characters("/tmp/\x7f"));
  EXPECT_FALSE(has_control_characters("/tmp/a b\xc3\xa9"));
  EXPECT_FALSE(has_control_characters("/tmp/a\tb"));  // 10.5 double-quotes it; so do we
}

}  // namespace
}  // namespace skagent
