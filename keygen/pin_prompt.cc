// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/pin_prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "keygen/console.h"
#include "platform/helper_channel.h"

namespace skagent::keygen {

namespace {

constexpr const char* kDefaultAskpass = "/usr/bin/ssh-askpass";

bool equals_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); i++) {
    char x = a[i] >= 'A' && a[i] <= 'Z' ? char(a[i] - 'A' + 'a') : a[i];
    char y = b[i] >= 'A' && b[i] <= 'Z' ? char(b[i] - 'A' + 'a') : b[i];
    if (x != y) return false;
  }
  return true;
}

// Signals that must not leave the terminal without echo.
constexpr int kSignals[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGTSTP, SIGTTIN, SIGTTOU};
constexpr size_t kNumSignals = sizeof(kSignals) / sizeof(kSignals[0]);
volatile sig_atomic_t g_caught = 0;
void on_signal(int sig) { g_caught = sig; }

// Saves and restores the terminal mode and the signal handlers around a read.
class TerminalSession {
 public:
  explicit TerminalSession(int fd, bool echo_off) : fd_(fd) {
    g_caught = 0;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);  // no SA_RESTART: the read returns EINTR
    for (size_t i = 0; i < kNumSignals; i++) sigaction(kSignals[i], &sa, &saved_[i]);
    if (echo_off && tcgetattr(fd_, &old_) == 0) {
      struct termios t = old_;
      t.c_lflag &= tcflag_t(~(ECHO | ECHOE | ECHOK | ECHONL));
      changed_ = tcsetattr(fd_, TCSAFLUSH, &t) == 0;
    }
  }
  ~TerminalSession() {
    if (changed_) {
      tcsetattr(fd_, TCSAFLUSH, &old_);
      (void)write_all(fd_, view("\n"));  // the newline the person typed was not echoed
    }
    for (size_t i = 0; i < kNumSignals; i++) sigaction(kSignals[i], &saved_[i], nullptr);
    // Deliver what arrived while we held the terminal, now that it is restored.
    if (g_caught != 0) kill(getpid(), g_caught);
  }
  TerminalSession(const TerminalSession&) = delete;
  TerminalSession& operator=(const TerminalSession&) = delete;

 private:
  int fd_;
  struct termios old_ {};
  bool changed_ = false;
  struct sigaction saved_[kNumSignals];
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// Reads one line from `fd` into locked memory (without the line end).
Result<SecretText> read_line(int fd, bool echo_off, std::string_view prompt) {
  auto locked = LockedBuffer::create(SecretText::kMaxSize + 1);
  if (!locked) return locked.error();
  LockedBuffer& buf = **locked;
  size_t len = 0;
  bool eof = false;
  {
    TerminalSession session(fd, echo_off);
    (void)write_all(fd, view("\r"));
    (void)write_all(fd, view(prompt));
    for (;;) {
      char c;
      ssize_t n = read(fd, &c, 1);
      if (n < 0 && errno == EINTR) {
        if (g_caught != 0) break;
        continue;
      }
      if (n <= 0) {
        eof = len == 0;
        break;
      }
      if (c == '\n' || c == '\r') break;
      if (len < SecretText::kMaxSize) buf.data()[len++] = uint8_t(c);
    }
  }
  if (g_caught != 0) return make_error(Errc::denied, "interrupted");
  if (eof) return make_error(Errc::denied, "no answer (end of input on the terminal)");
  return SecretText::copy_of(std::string_view(reinterpret_cast<const char*>(buf.data()), len));
}

bool terminal_available() {
  int fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC);
  if (fd < 0) return false;
  close(fd);
  return true;
}

}  // namespace

PromptEnvironment prompt_environment(const char* display, const char* wayland_display,
                                     const char* askpass_require, const char* askpass) {
  auto text = [](const char* v) { return std::string(v != nullptr ? v : ""); };
  PromptEnvironment env;
  env.terminal = terminal_available();
  env.display = text(display);
  env.wayland_display = text(wayland_display);
  env.askpass_require = text(askpass_require);
  env.askpass = text(askpass);
  return env;
}

PromptMethod choose_prompt_method(const PromptEnvironment& env) {
  bool allow_askpass = !env.display.empty() || !env.wayland_display.empty();
  bool use_askpass = false;
  if (equals_nocase(env.askpass_require, "force")) {
    use_askpass = allow_askpass = true;
  } else if (equals_nocase(env.askpass_require, "prefer")) {
    use_askpass = allow_askpass;
  } else if (equals_nocase(env.askpass_require, "never")) {
    allow_askpass = false;
  }
  if (!use_askpass && env.terminal) return PromptMethod::terminal;
  return allow_askpass ? PromptMethod::askpass : PromptMethod::none;
}

std::string askpass_program(const PromptEnvironment& env) {
  return env.askpass.empty() ? kDefaultAskpass : env.askpass;
}

Result<SecretText> run_askpass(const std::string& program, std::string_view prompt) {
  // Before the fork: nothing to undo when it fails.
  auto locked = LockedBuffer::create(SecretText::kMaxSize + 1);
  if (!locked) return locked.error();
  LockedBuffer& buf = **locked;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0)
    return make_error(Errc::io, std::string("pipe: ") + strerror(errno));
  std::string prompt_arg(prompt);
  pid_t pid = fork();
  if (pid < 0) {
    close(p[0]);
    close(p[1]);
    return make_error(Errc::io, std::string("fork: ") + strerror(errno));
  }
  if (pid == 0) {
    if (dup2(p[1], STDOUT_FILENO) < 0) _exit(127);
    execlp(program.c_str(), program.c_str(), prompt_arg.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(p[1]);
  size_t len = 0;
  bool line_done = false;
  for (;;) {
    char c;
    ssize_t n = read(p[0], &c, 1);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (c == '\n' || c == '\r') line_done = true;
    if (!line_done && len < SecretText::kMaxSize) buf.data()[len++] = uint8_t(c);
  }
  close(p[0]);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127) {
      return make_error(Errc::denied, "cannot run the askpass program " + program);
    }
    return make_error(Errc::denied, "cancelled (askpass " + program + ")");
  }
  return SecretText::copy_of(std::string_view(reinterpret_cast<const char*>(buf.data()), len));
}

Result<SecretText> read_terminal_secret(std::string_view prompt) {
  Fd tty(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) return make_error(Errc::denied, "no terminal to ask on");
  return read_line(tty.get(), true, prompt);
}

Result<SecretText> ask_secret(const PromptEnvironment& given, std::string_view prompt) {
  PromptEnvironment env = given;
  env.terminal = terminal_available();  // a terminal may have gone since start-up
  switch (choose_prompt_method(env)) {
    case PromptMethod::terminal:
      return read_terminal_secret(prompt);
    case PromptMethod::askpass:
      return run_askpass(askpass_program(env), prompt);
    case PromptMethod::none:
      break;
  }
  return make_error(Errc::denied,
                    "cannot ask \"" + std::string(prompt) +
                        "\": no terminal, and SSH_ASKPASS cannot be used (it needs DISPLAY or "
                        "WAYLAND_DISPLAY, or SSH_ASKPASS_REQUIRE=force)");
}

Result<bool> ask_terminal_yes_no(std::string_view question) {
  Fd tty(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) return make_error(Errc::denied, "no terminal to ask on");
  auto answer = read_line(tty.get(), false, question);
  if (!answer) {
    // End of input is a no, as for ssh-keygen's fgets(); an interruption too.
    return false;
  }
  return !answer->empty() && (answer->view()[0] == 'y' || answer->view()[0] == 'Y');
}

Result<std::string> ask_terminal_line(std::string_view prompt) {
  Fd tty(open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC));
  if (tty.get() < 0) return make_error(Errc::denied, "no terminal to ask on");
  auto answer = read_line(tty.get(), false, prompt);
  if (!answer) return answer.error();
  return std::string(answer->view());
}

// ---- the console of the real program ----------------------------------------

namespace {

class TerminalConsole : public Console {
 public:
  explicit TerminalConsole(PromptEnvironment env) : env_(std::move(env)) {}
  void out(std::string_view text) override {
    fwrite(text.data(), 1, text.size(), stdout);
    fflush(stdout);
  }
  void err(std::string_view text) override {
    fflush(stdout);
    fwrite(text.data(), 1, text.size(), stderr);
    fflush(stderr);
  }
  Result<SecretText> ask_secret(std::string_view prompt) override {
    fflush(stdout);
    return keygen::ask_secret(env_, prompt);
  }
  Result<std::string> ask_typed(std::string_view prompt) override {
    fflush(stdout);
    return ask_terminal_line(prompt);
  }
  Result<bool> confirm(std::string_view question) override {
    fflush(stdout);
    return ask_terminal_yes_no(question);
  }
  Result<std::string> ask_line(std::string_view prompt) override {
    out(prompt);
    std::string line;
    int c;
    bool any = false;
    while ((c = getchar()) != EOF) {
      any = true;
      if (c == '\n') break;
      line.push_back(char(c));
    }
    if (!any) return make_error(Errc::not_found, "end of input");
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return line;
  }

 private:
  PromptEnvironment env_;
};

}  // namespace

std::unique_ptr<Console> make_terminal_console(PromptEnvironment env) {
  return std::make_unique<TerminalConsole>(std::move(env));
}

}  // namespace skagent::keygen
