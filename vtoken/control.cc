// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/control.h"

#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "vtoken/unix_listen.h"

namespace skagent::vtoken {

namespace {

constexpr size_t kMaxLine = 256;

bool fill_address(const std::string& path, struct sockaddr_un& sun) {
  if (path.empty() || path.size() >= sizeof(sun.sun_path)) return false;
  sun = {};
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  return true;
}

bool write_all(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::send(fd, s.data(), s.size(), MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    s.remove_prefix(size_t(n));
  }
  return true;
}

// Reads until a newline, EOF, `max` bytes or the deadline.
std::string read_text(int fd, size_t max, int timeout_ms, bool stop_at_newline) {
  std::string out;
  char buf[256];
  while (out.size() < max) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0) break;
    ssize_t n = read(fd, buf, std::min(sizeof(buf), max - out.size()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    out.append(buf, size_t(n));
    if (stop_at_newline && out.find('\n') != std::string::npos) break;
  }
  return out;
}

}  // namespace

std::string Controls::status() const {
  auto s = auth_.summary();
  std::string out;
  out += "touch=" + touch_.policy().to_string() + "\n";
  out += "touch_timeout_ms=" + std::to_string(touch_.timeout_ms()) + "\n";
  out += "touches=" + std::to_string(touch_.touches()) + "\n";
  out += "waiting=" + std::string(touch_.waiting() ? "1" : "0") + "\n";
  out += "pin_set=" + std::string(s.pin_set ? "1" : "0") + "\n";
  out += "pin_retries=" + std::to_string(s.pin_retries) + "\n";
  out += "pin_auth_blocked=" + std::string(s.pin_auth_blocked ? "1" : "0") + "\n";
  out += "resident_credentials=" + std::to_string(s.resident_credentials) + "\n";
  out += "sign_counter=" + std::to_string(s.sign_counter);
  return out;
}

std::string Controls::execute(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  std::string_view cmd = line, arg;
  if (size_t sp = line.find(' '); sp != line.npos) {
    cmd = line.substr(0, sp);
    arg = line.substr(sp + 1);
  }
  if (cmd == "touch") {
    auto p = TouchPolicy::parse(arg);
    if (!p) return "error: " + p.error().message;
    touch_.set_policy(*p);
    return "ok";
  }
  if (cmd == "touch-timeout") {
    uint32_t ms = 0;
    auto [end, ec] = std::from_chars(arg.data(), arg.data() + arg.size(), ms);
    if (ec != std::errc() || end != arg.data() + arg.size() || arg.empty()) {
      return "error: touch-timeout takes milliseconds";
    }
    touch_.set_timeout_ms(ms);
    return "ok";
  }
  if (!arg.empty()) return "error: " + std::string(cmd) + " takes no argument";
  if (cmd == "press") {
    touch_.press();
    return "ok";
  }
  if (cmd == "touches") return std::to_string(touch_.touches());
  if (cmd == "status") return status();
  if (cmd == "power-cycle") {
    return auth_.power_cycle() ? "ok" : "error: busy: a request is running (press or wait first)";
  }
  if (cmd == "quit") {
    quit_();
    return "ok";
  }
  return "error: unknown command (touch, touch-timeout, press, touches, status, power-cycle, quit)";
}

Result<std::unique_ptr<ControlServer>> ControlServer::listen(const std::string& path,
                                                             Controls& controls) {
  auto fd = listen_unix(path, "control socket", 8, false);
  if (!fd) return fd.error();
  return std::unique_ptr<ControlServer>(new ControlServer(*fd, path, controls));
}

ControlServer::~ControlServer() {
  close(fd_);
  unlink(path_.c_str());
}

void ControlServer::serve_one(int client) {
  std::string line = read_text(client, kMaxLine, 1000, true);
  if (size_t nl = line.find('\n'); nl != line.npos) line.resize(nl);
  write_all(client, controls_.execute(line) + "\n");
}

void ControlServer::run(int stop_fd) {
  for (;;) {
    struct pollfd p[2] = {{stop_fd, POLLIN, 0}, {fd_, POLLIN, 0}};
    if (poll(p, 2, -1) < 0 && errno != EINTR) return;
    if (p[0].revents != 0) return;
    if (p[1].revents & POLLIN) {
      int c = accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (c >= 0) {
        serve_one(c);
        close(c);
      }
    }
  }
}

Result<std::string> control_request(const std::string& socket_path, std::string_view command,
                                    int timeout_ms) {
  struct sockaddr_un sun;
  if (!fill_address(socket_path, sun))
    return make_error(Errc::malformed, "bad control socket path");
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return make_error(Errc::io, std::string("socket: ") + strerror(errno));
  std::unique_ptr<int, void (*)(int*)> guard(&fd, [](int* f) { close(*f); });
  if (connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0) {
    return make_error(Errc::not_found, "cannot reach " + socket_path + ": " + strerror(errno));
  }
  if (!write_all(fd, std::string(command) + "\n"))
    return make_error(Errc::io, "control: write failed");
  std::string reply = read_text(fd, 64 * 1024, timeout_ms, false);
  if (reply.empty()) return make_error(Errc::timeout, "control: no reply from " + socket_path);
  if (reply.back() == '\n') reply.pop_back();
  if (reply.rfind("error: ", 0) == 0) return make_error(Errc::denied, reply.substr(7));
  return reply;
}

}  // namespace skagent::vtoken
