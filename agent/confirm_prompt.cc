// SPDX-License-Identifier: BSD-2-Clause
#include "agent/confirm_prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <strings.h>

#include "platform/process.h"
#include "ssh/bytes.h"

namespace skagent {

namespace {

// As OpenSSH's read_passphrase: an askpass is used when a display is there or
// SSH_ASKPASS_REQUIRE=force, never when it is "never".
bool askpass_allowed() {
  const char* display = getenv("DISPLAY");
  const char* wayland = getenv("WAYLAND_DISPLAY");
  bool allowed = (display != nullptr && *display != 0) || (wayland != nullptr && *wayland != 0);
  const char* require = getenv("SSH_ASKPASS_REQUIRE");
  if (require != nullptr && strcasecmp(require, "force") == 0) allowed = true;
  if (require != nullptr && strcasecmp(require, "never") == 0) allowed = false;
  return allowed;
}

std::string askpass_program() {
  const char* p = getenv("SSH_ASKPASS");
  return (p != nullptr && *p != 0) ? p : "/usr/bin/ssh-askpass";
}

const char* kind_name(Prompter::Kind k) {
  switch (k) {
    case Prompter::Kind::confirm: return "confirmation";
    case Prompter::Kind::secret: return "PIN prompt";
    case Prompter::Kind::notice: return "notice";
  }
  return "prompt";
}

}  // namespace

// ------------------------------------------------------------------ Prompter

bool Prompter::available() { return askpass_allowed(); }

std::shared_ptr<ConfirmPrompt> Prompter::confirm(const std::string& text,
                                                 std::function<void(bool)> done,
                                                 std::chrono::seconds timeout) {
  return ask(Kind::confirm, text,
             [done = std::move(done)](PromptOutcome o) {
               if (done) done(o.yes);
             },
             timeout);
}

std::shared_ptr<ConfirmPrompt> Prompter::ask(Kind kind, const std::string& text,
                                             std::function<void(PromptOutcome)> done,
                                             std::chrono::seconds timeout) {
  auto p = std::make_shared<ConfirmPrompt>(loop_, log_, kind, std::move(done));
  if (!askpass_allowed()) {
    std::string why = "no askpass can be shown (set DISPLAY or SSH_ASKPASS_REQUIRE=force with SSH_ASKPASS)";
    log_.error(std::string(kind_name(kind)) + " refused: " + why);
    loop_.post([weak = std::weak_ptr<ConfirmPrompt>(p), why] {
      if (auto s = weak.lock()) s->refuse(why);
    });
    return p;
  }
  p->start(askpass_program(), text, timeout);
  return p;
}

// ------------------------------------------------------------------ ConfirmPrompt

ConfirmPrompt::ConfirmPrompt(EventLoop& loop, const Logger& log, std::function<void(bool)> done)
    : loop_(loop), log_(log), done_([done = std::move(done)](PromptOutcome o) {
        if (done) done(o.yes);
      }) {}

ConfirmPrompt::ConfirmPrompt(EventLoop& loop, const Logger& log, Prompter::Kind kind,
                             std::function<void(PromptOutcome)> done)
    : loop_(loop), log_(log), kind_(kind), done_(std::move(done)) {}

ConfirmPrompt::~ConfirmPrompt() {
  if (timer_ != 0) loop_.cancel_timer(timer_);
  if (out_fd_ >= 0) {
    loop_.unwatch(out_fd_);
    close(out_fd_);
  }
  if (pid_ > 0 && !exited_) kill(pid_, SIGTERM);  // the exit watcher still reaps it
}

void ConfirmPrompt::refuse(const std::string& why) { finish(false, why); }

void ConfirmPrompt::start(const std::string& program, const std::string& text,
                          std::chrono::seconds timeout) {
  if (program.empty()) return finish(false, "no askpass program");
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return finish(false, std::string("pipe: ") + strerror(errno));
  SpawnOptions so;
  so.argv = {program, text};
  if (kind_ == Prompter::Kind::confirm) so.extra_env = {"SSH_ASKPASS_PROMPT=confirm"};
  if (kind_ == Prompter::Kind::notice) so.extra_env = {"SSH_ASKPASS_PROMPT=none"};
  so.fds = {{1, fds[1]}};
  if (kind_ == Prompter::Kind::secret) secret_ = std::make_unique<Secret>();
  auto pid = spawn_process(so);
  close(fds[1]);
  if (!pid) {
    close(fds[0]);
    log_.error(std::string(kind_name(kind_)) + " refused: " + pid.error().message);
    return finish(false, pid.error().message);
  }
  pid_ = *pid;
  out_fd_ = fds[0];
  fcntl(out_fd_, F_SETFL, O_NONBLOCK);
  std::weak_ptr<ConfirmPrompt> weak = weak_from_this();
  loop_.watch(out_fd_, EventLoop::kRead, [weak](uint32_t) {
    if (auto s = weak.lock()) s->on_output();
  });
  loop_.on_child_exit(pid_, [weak](int status) {
    if (auto s = weak.lock()) s->on_exit(status);
  });
  timer_ = loop_.after(timeout, [weak, this] {
    if (auto s = weak.lock()) {
      timer_ = 0;
      if (kind_ != Prompter::Kind::notice) {
        log_.error(std::string(kind_name(kind_)) + " refused: the prompt timed out");
      }
      if (pid_ > 0 && !exited_) kill(pid_, SIGTERM);
      finish(false, "the prompt timed out");
    }
  });
}

void ConfirmPrompt::on_output() {
  char buf[256];
  ssize_t n;
  while ((n = read(out_fd_, buf, sizeof(buf))) > 0) {
    if (secret_) {
      secret_->append(buf, size_t(n));
    } else if (output_.size() < 1024) {
      output_.append(buf, size_t(n));
    }
  }
  secure_wipe(buf, sizeof(buf));
  if (secret_) wipe_registers_and_stack();
  if (n == 0 || (n < 0 && errno != EAGAIN)) {
    loop_.unwatch(out_fd_);
    close(out_fd_);
    out_fd_ = -1;
    if (exited_) on_exit(status_);
  }
}

void ConfirmPrompt::on_exit(int status) {
  exited_ = true;
  status_ = status;
  if (out_fd_ >= 0) return;  // wait until all output is read
  const bool exited_ok = WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (kind_ == Prompter::Kind::secret) {
    if (exited_ok) secret_->cut_at_newline();
    if (!exited_ok) return finish(false, "the PIN prompt was cancelled");
    return finish(true);
  }
  if (kind_ == Prompter::Kind::notice) return finish(false, "the notice was closed");
  std::string answer = output_.substr(0, output_.find_first_of("\r\n"));
  bool yes = exited_ok && (answer.empty() || strcasecmp(answer.c_str(), "yes") == 0);
  finish(yes, yes ? "" : "the person said no");
}

void ConfirmPrompt::finish(bool allowed, std::string why) {
  if (finished_) return;
  finished_ = true;
  if (timer_ != 0) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
  PromptOutcome o;
  o.yes = allowed;
  o.why = std::move(why);
  if (allowed && secret_) o.secret = std::move(secret_);
  secret_.reset();
  auto done = std::move(done_);
  if (done) done(std::move(o));
}

}  // namespace skagent
