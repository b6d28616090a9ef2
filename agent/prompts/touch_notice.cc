// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/touch_notice.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "platform/process.h"

namespace skagent {

namespace {

const std::vector<std::string> kCallPrefix = {TouchNotifier::kGdbus,
                                              "call",
                                              "--session",
                                              "--timeout",
                                              "10",
                                              "--dest",
                                              "org.freedesktop.Notifications",
                                              "--object-path",
                                              "/org/freedesktop/Notifications",
                                              "--method"};

// Notification bodies may be read as markup: keep '<' '>' '&' out of them.
std::string no_markup(std::string s) {
  for (char& c : s) {
    if (c == '<' || c == '>' || c == '&') c = '?';
  }
  return s;
}

}  // namespace

// One Notify call and what became of it.
struct TouchNotifier::Notice {
  pid_t pid = -1;
  int out_fd = -1;
  std::string out;
  bool exited = false;
  int status = -1;
  uint32_t id = 0;         // the notification's id, once Notify answered
  bool withdrawn = false;  // the touch came or the request ended
};

TouchNotifier::TouchNotifier(EventLoop& loop, const Logger& log, SessionBus bus)
    : loop_(loop), bus_(std::move(bus)), log_(log) {}

TouchNotifier::~TouchNotifier() {
  for (auto& [key, n] : notices_) {
    if (n->out_fd >= 0) {
      loop_.unwatch(n->out_fd);
      close(n->out_fd);
    }
    if (n->id != 0) close_notification(n->id);  // best effort on the way out
  }
}

bool TouchNotifier::available() const {
  if (access(kGdbus, X_OK) != 0) return false;
  if (!bus_.address.empty()) return true;
  if (bus_.runtime_dir.empty() || bus_.runtime_dir[0] != '/') return false;
  struct stat st {};
  return stat((bus_.runtime_dir + "/bus").c_str(), &st) == 0 && S_ISSOCK(st.st_mode);
}

std::string TouchNotifier::gvariant_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      snprintf(buf, sizeof(buf), "\\u%04x", unsigned(u));
      out += buf;
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
  return out;
}

bool TouchNotifier::parse_notify_reply(const std::string& out, uint32_t& id) {
  auto pos = out.find("uint32 ");
  if (pos == std::string::npos) return false;
  pos += 7;
  uint64_t v = 0;
  size_t digits = 0;
  while (pos < out.size() && out[pos] >= '0' && out[pos] <= '9' && digits < 10) {
    v = v * 10 + uint64_t(out[pos] - '0');
    pos++;
    digits++;
  }
  if (digits == 0 || v == 0 || v > UINT32_MAX) return false;
  id = uint32_t(v);
  return true;
}

pid_t TouchNotifier::run_gdbus(const std::vector<std::string>& args, int* out_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  SpawnOptions so;
  so.argv = args;
  so.fds = {{1, fds[1]}};
  auto pid = spawn_process(so);
  close(fds[1]);
  if (!pid) {
    close(fds[0]);
    log_.debug("notification: " + pid.error().message);
    return -1;
  }
  fcntl(fds[0], F_SETFL, O_NONBLOCK);
  *out_fd = fds[0];
  return *pid;
}

std::shared_ptr<void> TouchNotifier::show(const std::string& summary, const std::string& body) {
  if (!available()) {
    log_.debug("notification: no session bus or no " + std::string(kGdbus));
    return nullptr;
  }
  std::vector<std::string> args = kCallPrefix;
  args.insert(args.end(),
              {"org.freedesktop.Notifications.Notify", gvariant_string("skagent"), "uint32 0",
               gvariant_string("dialog-password"), gvariant_string(no_markup(summary)),
               gvariant_string(no_markup(body)), "@as []",
               "@a{sv} {'urgency': <byte 2>, 'category': <'device'>}", "int32 120000"});
  auto n = std::make_shared<Notice>();
  n->pid = run_gdbus(args, &n->out_fd);
  if (n->pid < 0) return nullptr;
  const uint64_t key = next_++;
  notices_[key] = n;
  loop_.watch(n->out_fd, EventLoop::kRead, liveness_.guard([this, key, n](uint32_t) {
    char buf[256];
    ssize_t r;
    while ((r = read(n->out_fd, buf, sizeof(buf))) > 0) {
      if (n->out.size() < 4096) n->out.append(buf, size_t(r));
    }
    if (r == 0 || (r < 0 && errno != EAGAIN)) {
      loop_.unwatch(n->out_fd);
      close(n->out_fd);
      n->out_fd = -1;
      if (n->exited) on_notify_done(key, WIFEXITED(n->status) && WEXITSTATUS(n->status) == 0);
    }
  }));
  loop_.on_child_exit(n->pid, liveness_.guard([this, key, n](int status) {
    n->exited = true;
    n->status = status;
    if (n->out_fd < 0) on_notify_done(key, WIFEXITED(status) && WEXITSTATUS(status) == 0);
  }));
  log_.debug("notification shown: " + body);
  return std::shared_ptr<void>(
      new int(0), [gone = liveness_.guard([this, key] { withdraw(key); })](int* p) mutable {
        delete p;
        gone();
      });
}

void TouchNotifier::on_notify_done(uint64_t key, bool ok) {
  auto it = notices_.find(key);
  if (it == notices_.end()) return;
  auto n = it->second;
  uint32_t id = 0;
  if (!ok || !parse_notify_reply(n->out, id)) {
    log_.debug("notification: Notify failed");
    notices_.erase(it);
    return;
  }
  n->id = id;
  if (n->withdrawn) {
    close_notification(id);
    notices_.erase(it);
  }
}

void TouchNotifier::withdraw(uint64_t key) {
  auto it = notices_.find(key);
  if (it == notices_.end()) return;
  auto n = it->second;
  n->withdrawn = true;
  if (n->id != 0) {
    close_notification(n->id);
    notices_.erase(it);
  }
  // Otherwise Notify has not answered yet: on_notify_done closes it.
}

void TouchNotifier::close_notification(uint32_t id) {
  std::vector<std::string> args = kCallPrefix;
  args.insert(args.end(),
              {"org.freedesktop.Notifications.CloseNotification", "uint32 " + std::to_string(id)});
  int fd = -1;
  pid_t pid = run_gdbus(args, &fd);
  if (pid < 0) return;
  // Drain and forget its "()" answer; the loop reaps it.
  EventLoop& loop = loop_;
  loop_.watch(fd, EventLoop::kRead, [&loop, fd](uint32_t) {
    char buf[256];
    ssize_t r;
    while ((r = read(fd, buf, sizeof(buf))) > 0) {}
    if (r == 0 || (r < 0 && errno != EAGAIN)) {
      loop.unwatch(fd);
      close(fd);
    }
  });
  loop_.on_child_exit(pid, [](int) {});
  log_.debug("notification " + std::to_string(id) + " withdrawn");
}

}  // namespace skagent
