// SPDX-License-Identifier: BSD-2-Clause
// How skagent-keygen talks to the person running it: output, secrets (PINs and
// passphrases, never echoed), yes/no questions and file names. The real one is
// make_terminal_console() (keygen/pin_prompt.cc); tests substitute their own.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "keygen/secret_text.h"
#include "base/error.h"

namespace skagent::keygen {

class Console {
 public:
  virtual ~Console() = default;
  virtual void out(std::string_view text) = 0;  // standard output
  virtual void err(std::string_view text) = 0;  // standard error
  // A PIN or passphrase: on the terminal without echo, or through SSH_ASKPASS
  // when there is no terminal. Errc::denied when nobody can be asked or the
  // person cancels.
  virtual Result<SecretText> ask_secret(std::string_view prompt) = 0;
  // A yes/no question on the terminal (true only for an answer starting with
  // y or Y). Errc::denied when there is no terminal to ask on.
  virtual Result<bool> confirm(std::string_view question) = 0;
  // A line typed on the terminal, echoed: a confirmation that must be
  // spelled out (--reset-token). Errc::denied when there is no terminal.
  virtual Result<std::string> ask_typed(std::string_view prompt) = 0;
  // One line of input (a file name), read from standard input as ssh-keygen
  // does; Errc::not_found at end of input.
  virtual Result<std::string> ask_line(std::string_view prompt) = 0;
};

struct PromptEnvironment;
// PINs and passphrases are asked as `env` (read by main) says.
std::unique_ptr<Console> make_terminal_console(PromptEnvironment env);

}  // namespace skagent::keygen
