// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/pin_prompt.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>

#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::TempDir;

PromptEnvironment env(bool tty, std::string display, std::string require) {
  PromptEnvironment e;
  e.terminal = tty;
  e.display = std::move(display);
  e.askpass_require = std::move(require);
  return e;
}

TEST(KeygenPinPrompt, MethodFollowsOpenSSH) {
  EXPECT_EQ(choose_prompt_method(env(true, "", "")), PromptMethod::terminal);
  EXPECT_EQ(choose_prompt_method(env(true, ":0", "")), PromptMethod::terminal);
  EXPECT_EQ(choose_prompt_method(env(false, ":0", "")), PromptMethod::askpass);
  EXPECT_EQ(choose_prompt_method(env(false, "", "")), PromptMethod::none);
  EXPECT_EQ(choose_prompt_method(env(true, "", "force")), PromptMethod::askpass);
  EXPECT_EQ(choose_prompt_method(env(false, "", "FORCE")), PromptMethod::askpass);
  EXPECT_EQ(choose_prompt_method(env(true, ":0", "prefer")), PromptMethod::askpass);
  EXPECT_EQ(choose_prompt_method(env(true, "", "prefer")), PromptMethod::terminal);
  EXPECT_EQ(choose_prompt_method(env(false, ":0", "never")), PromptMethod::none);
  EXPECT_EQ(choose_prompt_method(env(true, ":0", "never")), PromptMethod::terminal);
  PromptEnvironment w = env(false, "", "");
  w.wayland_display = "wayland-0";
  EXPECT_EQ(choose_prompt_method(w), PromptMethod::askpass);
}

std::string script(const TempDir& d, const std::string& name, const std::string& body) {
  std::string p = d / name;
  std::ofstream(p) << "#!/bin/sh\n" << body;
  chmod(p.c_str(), 0755);
  return p;
}

TEST(KeygenPinPrompt, AskpassAnswerAndCancel) {
  TempDir d;
  std::string log = d / "log";
  auto ok = script(d, "ok", "printf '%s\\n' \"$1\" >" + log + "\nprintf '4321\\nrest\\n'\n");
  auto r = run_askpass(ok, "Enter PIN for authenticator: ");
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->view(), "4321");
  std::ifstream in(log);
  std::string prompt;
  std::getline(in, prompt);
  EXPECT_EQ(prompt, "Enter PIN for authenticator: ");

  auto cancel = script(d, "cancel", "exit 1\n");
  r = run_askpass(cancel, "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::denied);

  r = run_askpass(d / "does-not-exist", "x");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::denied);

  auto empty = script(d, "empty", "echo\n");  // an empty PIN is still an answer
  r = run_askpass(empty, "x");
  ASSERT_TRUE(r);
  EXPECT_TRUE(r->empty());
}

TEST(KeygenPinPrompt, SecretTextIsBounded) {
  auto made = SecretText::copy_of(std::string(5000, 'x'));
  ASSERT_TRUE(made.ok());
  SecretText s = std::move(made).value();
  EXPECT_EQ(s.size(), SecretText::kMaxSize);
  SecretText e;
  EXPECT_TRUE(e.empty());
  EXPECT_STREQ(e.c_str(), "");
  SecretText m(std::move(s));
  EXPECT_EQ(m.view(), std::string(SecretText::kMaxSize, 'x'));
}

}  // namespace
}  // namespace skagent::keygen
