// SPDX-License-Identifier: BSD-2-Clause
// Asks a person through an SSH_ASKPASS program, without blocking the loop:
// the askpass runs as a child process watched by the event loop. A prompt is
// refused when no prompter can be shown, when it times out, and when its
// requester goes away (the caller drops the handle, which kills the askpass).
//
// Three kinds, as OpenSSH uses askpass: a yes/no question
// (SSH_ASKPASS_PROMPT=confirm), a secret such as a PIN (SSH_ASKPASS_PROMPT
// unset; the answer is read from its standard output straight into locked
// memory), and a notice that needs no answer (SSH_ASKPASS_PROMPT=none; killed
// when it is no longer true).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "agent/log.h"
#include "platform/event_loop.h"
#include "platform/secret.h"

namespace skagent {

class ConfirmPrompt;

// How a prompt ended.
struct PromptOutcome {
  bool yes = false;                 // confirm: an explicit yes; secret: a secret was given
  std::string why;                  // when not yes: cancelled, timed out, no prompter...
  std::unique_ptr<Secret> secret;   // secret prompts only
};

class Prompter {
 public:
  enum class Kind { confirm, secret, notice };

  Prompter(EventLoop& loop, const Logger& log) : loop_(loop), log_(log) {}
  // Starts a yes/no prompt (SSH_ASKPASS_PROMPT=confirm). `done(true)` only on
  // an explicit yes. Dropping the returned handle cancels the prompt.
  std::shared_ptr<ConfirmPrompt> confirm(const std::string& text,
                                         std::function<void(bool)> done,
                                         std::chrono::seconds timeout = std::chrono::seconds(60));
  // Any kind, with the reason when it is not a yes. For a notice `done` runs
  // when the askpass exits or the timeout kills it (and not when the handle is dropped).
  std::shared_ptr<ConfirmPrompt> ask(Kind kind, const std::string& text,
                                     std::function<void(PromptOutcome)> done,
                                     std::chrono::seconds timeout = std::chrono::seconds(60));
  // Whether an askpass may be shown at all (DISPLAY / SSH_ASKPASS_REQUIRE).
  static bool available();

 private:
  EventLoop& loop_;
  const Logger& log_;
};

class ConfirmPrompt : public std::enable_shared_from_this<ConfirmPrompt> {
 public:
  ConfirmPrompt(EventLoop& loop, const Logger& log, std::function<void(bool)> done);
  ConfirmPrompt(EventLoop& loop, const Logger& log, Prompter::Kind kind,
                std::function<void(PromptOutcome)> done);
  ~ConfirmPrompt();
  void start(const std::string& program, const std::string& text, std::chrono::seconds timeout);
  void refuse(const std::string& why);  // ends the prompt as a refusal (no askpass run)

 private:
  void finish(bool allowed, std::string why = {});
  void on_output();
  void on_exit(int status);

  EventLoop& loop_;
  const Logger& log_;
  Prompter::Kind kind_ = Prompter::Kind::confirm;
  std::function<void(PromptOutcome)> done_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint64_t timer_ = 0;
  std::string output_;                // confirm answers (never secrets)
  std::unique_ptr<Secret> secret_;    // secret answers
  bool exited_ = false;
  int status_ = -1;
  bool finished_ = false;
};

}  // namespace skagent
