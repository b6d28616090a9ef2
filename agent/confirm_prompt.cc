#include "agent/confirm_prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <strings.h>

#include "platform/process.h"

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

}  // namespace

std::shared_ptr<ConfirmPrompt> Prompter::confirm(const std::string& text,
                                                 std::function<void(bool)> done,
                                                 std::chrono::seconds timeout) {
  auto p = std::make_shared<ConfirmPrompt>(loop_, log_, std::move(done));
  if (!askpass_allowed()) {
    log_.error("confirmation refused: no askpass can be shown (set DISPLAY or "
               "SSH_ASKPASS_REQUIRE=force with SSH_ASKPASS)");
    loop_.post([weak = std::weak_ptr<ConfirmPrompt>(p)] {
      if (auto s = weak.lock()) s->start("", "", std::chrono::seconds(0));
    });
    return p;
  }
  p->start(askpass_program(), text, timeout);
  return p;
}

ConfirmPrompt::ConfirmPrompt(EventLoop& loop, const Logger& log, std::function<void(bool)> done)
    : loop_(loop), log_(log), done_(std::move(done)) {}

ConfirmPrompt::~ConfirmPrompt() {
  if (timer_ != 0) loop_.cancel_timer(timer_);
  if (out_fd_ >= 0) {
    loop_.unwatch(out_fd_);
    close(out_fd_);
  }
  if (pid_ > 0 && !exited_) kill(pid_, SIGTERM);  // the exit watcher still reaps it
}

void ConfirmPrompt::start(const std::string& program, const std::string& text,
                          std::chrono::seconds timeout) {
  if (program.empty()) return finish(false);
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return finish(false);
  SpawnOptions so;
  so.argv = {program, text};
  so.extra_env = {"SSH_ASKPASS_PROMPT=confirm"};
  so.fds = {{1, fds[1]}};
  auto pid = spawn_process(so);
  close(fds[1]);
  if (!pid) {
    close(fds[0]);
    log_.error("confirmation refused: " + pid.error().message);
    return finish(false);
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
      log_.error("confirmation refused: the prompt timed out");
      if (pid_ > 0 && !exited_) kill(pid_, SIGTERM);
      finish(false);
    }
  });
}

void ConfirmPrompt::on_output() {
  char buf[256];
  ssize_t n;
  while ((n = read(out_fd_, buf, sizeof(buf))) > 0) {
    if (output_.size() < 1024) output_.append(buf, size_t(n));
  }
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
  std::string answer = output_.substr(0, output_.find_first_of("\r\n"));
  bool yes = WIFEXITED(status) && WEXITSTATUS(status) == 0 &&
             (answer.empty() || strcasecmp(answer.c_str(), "yes") == 0);
  finish(yes);
}

void ConfirmPrompt::finish(bool allowed) {
  if (finished_) return;
  finished_ = true;
  if (timer_ != 0) {
    loop_.cancel_timer(timer_);
    timer_ = 0;
  }
  auto done = std::move(done_);
  if (done) done(allowed);
}

}  // namespace skagent
