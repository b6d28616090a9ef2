// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/confirm_prompt.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <climits>
#include <cstring>
#include <strings.h>

#include "platform/process.h"
#include "base/bytes.h"

namespace skagent {

namespace {

const char* kind_name(Prompter::Kind k) {
  switch (k) {
    case Prompter::Kind::confirm:
      return "confirmation";
    case Prompter::Kind::secret:
      return "PIN prompt";
    case Prompter::Kind::notice:
      return "notice";
  }
  return "prompt";
}

// Qt rich text (ksshaskpass, lxqt-openssh-askpass): everything escaped, and
// each word that holds a line-break opportunity ('/', '-') kept whole, so that
// a path or an option is never split over two lines.
std::string html_line(std::string_view s) {
  std::string out;
  size_t pos = 0;
  while (pos <= s.size()) {
    size_t end = s.find(' ', pos);
    if (end == std::string_view::npos) end = s.size();
    std::string_view w = s.substr(pos, end - pos);
    std::string e;
    for (char c : w) {
      switch (c) {
        case '<':
          e += "&lt;";
          break;
        case '>':
          e += "&gt;";
          break;
        case '&':
          e += "&amp;";
          break;
        case '"':
          e += "&quot;";
          break;
        default:
          e.push_back(c);
      }
    }
    if (w.find_first_of("/-") != std::string_view::npos) e = "<nobr>" + e + "</nobr>";
    if (pos > 0) out.push_back(' ');
    out += e;
    pos = end + 1;
  }
  return out;
}

// GTK (Pango) wraps after '/' and '-': a WORD JOINER (U+2060) after each
// forbids that, so a path or an option is never split over two lines.
std::string unsplittable(std::string_view s) {
  std::string out;
  for (char c : s) {
    out.push_back(c);
    if (c == '/' || c == '-') out += "\xe2\x81\xa0";
  }
  return out;
}

// x11-ssh-askpass and ssh-askpass-fullscreen never wrap: a long line runs off
// the screen. Lines are broken at spaces to `width` columns; a word longer than
// that gets a line of its own, whole.
std::string wrapped(std::string_view text, size_t width) {
  std::string out;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string_view::npos) nl = text.size();
    std::string_view line = text.substr(pos, nl - pos);
    size_t col = 0;
    size_t w = 0;
    while (w < line.size()) {
      size_t end = line.find(' ', w);
      if (end == std::string_view::npos) end = line.size();
      std::string_view word = line.substr(w, end - w);
      if (col > 0 && col + 1 + word.size() > width) {
        out += "\n  ";
        col = 2;
      } else if (col > 0) {
        out.push_back(' ');
        col++;
      }
      out += word;
      col += word.size();
      w = end + 1;
    }
    if (nl < text.size()) out.push_back('\n');
    pos = nl + 1;
  }
  return out;
}

// What closes every form: how to answer, in the words of the buttons shown.
std::string answer_line(AskpassStyle style) {
  switch (style) {
    case AskpassStyle::gtk_question:
      return "Yes allows it, No refuses.";
    case AskpassStyle::kde:
      return "Accept allows it, Cancel refuses.";
    default:
      break;
  }
  return "To allow it, type yes and press OK. Anything else refuses.";
}

}  // namespace

AskpassStyle askpass_style(const std::string& program) {
  char resolved[PATH_MAX];
  std::string path = realpath(program.c_str(), resolved) != nullptr ? resolved : program;
  std::string name = path.substr(path.rfind('/') + 1);
  if (name == "gnome-ssh-askpass") return AskpassStyle::gtk_question;
  if (name == "ksshaskpass") return AskpassStyle::kde;
  if (name == "lxqt-openssh-askpass") return AskpassStyle::qt_entry;
  if (name == "x11-ssh-askpass" || name == "ssh-askpass-fullscreen")
    return AskpassStyle::plain_entry;
  return AskpassStyle::unknown;
}

std::string without_markup(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '<':
        out += "\xe2\x80\xb9";
        break;  // U+2039 SINGLE LEFT-POINTING ANGLE QUOTATION MARK
      case '>':
        out += "\xe2\x80\xba";
        break;  // U+203A
      case '&':
        out += "\xef\xbc\x86";
        break;  // U+FF06 FULLWIDTH AMPERSAND
      default:
        out.push_back(c);
    }
  }
  return out;
}

std::string plain_text(const ConfirmQuestion& q) {
  std::string t = q.decision + "\n\nKey fingerprint " + q.fingerprint + ".";
  for (const auto& d : q.details) t += "\n" + d;
  return t;
}

std::string confirm_text(AskpassStyle style, const ConfirmQuestion& q) {
  switch (style) {
    case AskpassStyle::kde: {
      // ksshaskpass asks Accept/Cancel only for OpenSSH's exact form: one line
      // "Allow use of key ...", then "Key fingerprint ....". The details go
      // into the first line as HTML line breaks (the <b> makes Qt read the
      // whole text as HTML, so what others chose is always escaped).
      std::string t = "Allow use of key " + html_line(q.key_name) + "?<br><b>" +
                      html_line(q.decision) + "</b><br>";
      for (const auto& d : q.details) t += "<br>" + html_line(d);
      t += "<br><br>" + answer_line(style) + "<br>\nKey fingerprint " + html_line(q.fingerprint) +
           ".";
      return t;
    }
    case AskpassStyle::qt_entry: {
      std::string t = "<b>" + html_line(q.decision) + "</b><br><br>Key fingerprint " +
                      html_line(q.fingerprint) + ".";
      for (const auto& d : q.details) t += "<br>" + html_line(d);
      return t + "<br><br><b>" + answer_line(style) + "</b>";
    }
    case AskpassStyle::gtk_question:
      return unsplittable(plain_text(q)) + "\n\n" + answer_line(style);
    case AskpassStyle::plain_entry:
      return wrapped(plain_text(q) + "\n\n" + answer_line(style), 72);
    case AskpassStyle::unknown:
      break;
  }
  return without_markup(plain_text(q)) + "\n\n" + answer_line(style);
}

bool confirm_answer_is_yes(AskpassStyle style, std::string_view answer) {
  if (answer.size() == 3 && strncasecmp(answer.data(), "yes", 3) == 0) return true;
  return answer.empty() && style == AskpassStyle::gtk_question;
}

// ------------------------------------------------------------------ Prompter

// As OpenSSH's read_passphrase: an askpass is used when a display is there or
// SSH_ASKPASS_REQUIRE=force, never when it is "never".
bool Prompter::available() const {
  bool allowed = !askpass_.display.empty() || !askpass_.wayland_display.empty();
  if (strcasecmp(askpass_.require.c_str(), "force") == 0) allowed = true;
  if (strcasecmp(askpass_.require.c_str(), "never") == 0) allowed = false;
  return allowed;
}

std::string Prompter::program() const {
  return askpass_.program.empty() ? "/usr/bin/ssh-askpass" : askpass_.program;
}

std::shared_ptr<ConfirmPrompt> Prompter::confirm(const std::string& text,
                                                 std::function<void(bool)> done,
                                                 std::chrono::seconds timeout) {
  return ask(
      Kind::confirm, text,
      [done = std::move(done)](PromptOutcome o) {
        if (done) done(o.yes);
      },
      timeout);
}

std::shared_ptr<ConfirmPrompt> Prompter::ask(Kind kind, const std::string& text,
                                             std::function<void(PromptOutcome)> done,
                                             std::chrono::seconds timeout) {
  auto p = std::make_shared<ConfirmPrompt>(loop_, log_, kind, std::move(done));
  if (!available()) {
    std::string why =
        "no askpass can be shown (set DISPLAY or SSH_ASKPASS_REQUIRE=force with SSH_ASKPASS)";
    log_.error(std::string(kind_name(kind)) + " refused: " + why);
    loop_.post([weak = std::weak_ptr<ConfirmPrompt>(p), why] {
      if (auto s = weak.lock()) s->refuse(why);
    });
    return p;
  }
  p->start(program(), text, timeout);
  return p;
}

std::shared_ptr<ConfirmPrompt> Prompter::ask(const ConfirmQuestion& q,
                                             std::function<void(PromptOutcome)> done,
                                             std::chrono::seconds timeout) {
  if (!available()) return ask(Kind::confirm, plain_text(q), std::move(done), timeout);
  const std::string program = this->program();
  const AskpassStyle style = askpass_style(program);
  auto p = std::make_shared<ConfirmPrompt>(loop_, log_, Kind::confirm, std::move(done));
  p->set_style(style);
  p->start(program, confirm_text(style, q), timeout);
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
  bool yes = exited_ok && confirm_answer_is_yes(style_, answer);
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
