// SPDX-License-Identifier: BSD-2-Clause
// Asking for a PIN or passphrase as OpenSSH's read_passphrase() does: on the
// controlling terminal with echo off, or through the SSH_ASKPASS program when
// there is no terminal (or SSH_ASKPASS_REQUIRE says so).
#pragma once

#include <string>
#include <string_view>

#include "keygen/secret_text.h"
#include "base/error.h"

namespace skagent::keygen {

enum class PromptMethod { terminal, askpass, none };

struct PromptEnvironment {
  bool terminal = false;        // /dev/tty can be opened (checked again at each prompt)
  std::string display;          // $DISPLAY
  std::string wayland_display;  // $WAYLAND_DISPLAY
  std::string askpass_require;  // $SSH_ASKPASS_REQUIRE: force, prefer, never
  std::string askpass;          // $SSH_ASKPASS (empty: OpenSSH's default program)
};

// The variables as main read them (null: unset); `terminal` from /dev/tty.
PromptEnvironment prompt_environment(const char* display, const char* wayland_display,
                                     const char* askpass_require, const char* askpass);

// OpenSSH's rules: "force" uses askpass even with a terminal; "prefer" uses it
// when a display is set; "never" forbids it; otherwise the terminal, and
// askpass (when a display is set) only without a terminal.
PromptMethod choose_prompt_method(const PromptEnvironment& env);

// $SSH_ASKPASS, or OpenSSH's default program.
std::string askpass_program(const PromptEnvironment& env);

// Runs `program prompt`; the answer is its first output line. Errc::denied
// when it exits non-zero (the person cancelled).
Result<SecretText> run_askpass(const std::string& program, std::string_view prompt);

// Reads a line from /dev/tty with echo off (restored afterwards, also on
// SIGINT/SIGTERM/SIGHUP/SIGTSTP).
Result<SecretText> read_terminal_secret(std::string_view prompt);

// Asks by whichever method applies.
Result<SecretText> ask_secret(const PromptEnvironment& env, std::string_view prompt);

// One line typed on /dev/tty, echoed (a typed confirmation); Errc::denied
// without a terminal or at end of input.
Result<std::string> ask_terminal_line(std::string_view prompt);

// A yes/no question on /dev/tty (end of input is a no); Errc::denied without
// a terminal.
Result<bool> ask_terminal_yes_no(std::string_view question);

}  // namespace skagent::keygen
