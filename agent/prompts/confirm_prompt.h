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
#include <vector>

#include "agent/log.h"
#include "agent/options.h"
#include "platform/event_loop.h"
#include "platform/secret.h"

namespace skagent {

class ConfirmPrompt;

// A yes/no question in parts, so that each askpass program gets a form it shows
// right (see askpass_style and confirm_text).
struct ConfirmQuestion {
  std::string decision;              // who wants which key for what: the line to decide on
  std::string key_name;              // "work-laptop" (ksshaskpass's "Allow use of key ...?")
  std::string fingerprint;           // "SHA256:... (ED25519)"
  std::vector<std::string> details;  // caller, command line, path... one per line
};

// How an askpass program shows a question, known by the name of the program
// SSH_ASKPASS resolves to (symbolic links such as /usr/bin/ssh-askpass, which
// Debian's alternatives point at one of them, are followed).
enum class AskpassStyle {
  gtk_question,  // gnome-ssh-askpass: a real Yes/No question; plain text; Yes prints nothing
  kde,  // ksshaskpass: an Accept/Cancel question only for OpenSSH's two-line form; HTML; prints "yes"
  qt_entry,     // lxqt-openssh-askpass: a password field; renders HTML
  plain_entry,  // x11-ssh-askpass, ssh-askpass-fullscreen: a password field; plain text
  unknown,      // anything else: assumed to be a password field that may render markup
};
AskpassStyle askpass_style(const std::string& program);
// The text to give the askpass. Text chosen by a client or server can never be
// read as markup, and every form that has a password field asks for "yes".
std::string confirm_text(AskpassStyle style, const ConfirmQuestion& q);
// Whether the askpass's answer (its first output line, after it exited 0) is a
// yes: "yes" always; an empty answer only where a real question was shown.
bool confirm_answer_is_yes(AskpassStyle style, std::string_view answer);
// The same question on one screen of plain text (logs, tests, the audit).
std::string plain_text(const ConfirmQuestion& q);
// Text chosen by others made safe for a program that may render markup
// (Pango, Qt rich text, notification bodies): < > & become look-alikes.
std::string without_markup(std::string_view s);

// How a prompt ended.
struct PromptOutcome {
  bool yes = false;                // confirm: an explicit yes; secret: a secret was given
  std::string why;                 // when not yes: cancelled, timed out, no prompter...
  std::unique_ptr<Secret> secret;  // secret prompts only
};

class Prompter {
 public:
  enum class Kind { confirm, secret, notice };

  // `askpass`: the environment's word on prompts, as main read it (AgentOptions).
  Prompter(EventLoop& loop, const Logger& log, AskpassSettings askpass)
      : loop_(loop), log_(log), askpass_(std::move(askpass)) {}
  // Starts a yes/no prompt (SSH_ASKPASS_PROMPT=confirm). `done(true)` only on
  // an explicit yes. Dropping the returned handle cancels the prompt.
  std::shared_ptr<ConfirmPrompt> confirm(const std::string& text, std::function<void(bool)> done,
                                         std::chrono::seconds timeout = std::chrono::seconds(60));
  // Any kind, with the reason when it is not a yes. For a notice `done` runs
  // when the askpass exits or the timeout kills it (and not when the handle is dropped).
  std::shared_ptr<ConfirmPrompt> ask(Kind kind, const std::string& text,
                                     std::function<void(PromptOutcome)> done,
                                     std::chrono::seconds timeout = std::chrono::seconds(60));
  // A yes/no question laid out for the askpass in use (askpass_style).
  std::shared_ptr<ConfirmPrompt> ask(const ConfirmQuestion& q,
                                     std::function<void(PromptOutcome)> done,
                                     std::chrono::seconds timeout = std::chrono::seconds(60));
  // Whether an askpass may be shown at all (DISPLAY / SSH_ASKPASS_REQUIRE).
  bool available() const;

 private:
  std::string program() const;  // SSH_ASKPASS, else OpenSSH's default

  EventLoop& loop_;
  const Logger& log_;
  const AskpassSettings askpass_;
};

class ConfirmPrompt : public std::enable_shared_from_this<ConfirmPrompt> {
 public:
  ConfirmPrompt(EventLoop& loop, const Logger& log, std::function<void(bool)> done);
  ConfirmPrompt(EventLoop& loop, const Logger& log, Prompter::Kind kind,
                std::function<void(PromptOutcome)> done);
  ~ConfirmPrompt();
  void start(const std::string& program, const std::string& text, std::chrono::seconds timeout);
  // Confirmations: how the askpass shows them (which answers are a yes).
  void set_style(AskpassStyle style) { style_ = style; }
  void refuse(const std::string& why);  // ends the prompt as a refusal (no askpass run)

 private:
  void finish(bool allowed, std::string why = {});
  void on_output();
  void on_exit(int status);

  EventLoop& loop_;
  const Logger& log_;
  Prompter::Kind kind_ = Prompter::Kind::confirm;
  AskpassStyle style_ = AskpassStyle::unknown;
  std::function<void(PromptOutcome)> done_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint64_t timer_ = 0;
  std::string output_;              // confirm answers (never secrets)
  std::unique_ptr<Secret> secret_;  // secret answers
  bool exited_ = false;
  int status_ = -1;
  bool finished_ = false;
};

}  // namespace skagent
