// SPDX-License-Identifier: BSD-2-Clause
#include "fido/cancel.h"

#include <poll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "fido/fido_error.h"

namespace skagent::fido {

namespace {

std::string seconds_text(std::chrono::milliseconds ms) {
  auto s = (ms.count() + 999) / 1000;
  return std::to_string(s) + (s == 1 ? " second" : " seconds");
}

std::string prefixed(std::string_view what, const std::string& text) {
  std::string m(what);
  if (!m.empty()) m += ": ";
  return m + text;
}

}  // namespace

bool Interrupts::requester_gone() const {
  if (requester_fd_ < 0) return false;
  struct pollfd p = {requester_fd_, POLLRDHUP, 0};
  return poll(&p, 1, 0) > 0 && (p.revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)) != 0;
}

int Interrupts::remaining_ms() const {
  auto left =
      std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()).count();
  if (left < 0) return 0;
  return left > INT32_MAX ? INT32_MAX : int(left);
}

std::optional<Error> Interrupts::check(std::string_view what) const {
  if (requester_gone()) return gone_error(what);
  if (expired()) return timeout_error(what);
  return std::nullopt;
}

Error Interrupts::timeout_error(std::string_view what) const {
  return make_error(Errc::timeout,
                    prefixed(what, "no touch (or no answer from the security key) within " +
                                       seconds_text(timeout_) + ": request cancelled"));
}

Error Interrupts::gone_error(std::string_view what) const {
  return make_error(Errc::io, prefixed(what, "the requester went away: request cancelled"));
}

CancelWatch::CancelWatch(const Interrupts& in, const Device& dev) : in_(in), dev_(dev) {
  stop_fd_ = eventfd(0, EFD_CLOEXEC);
  if (stop_fd_ >= 0) thread_ = std::thread([this] { run(); });
}

CancelWatch::~CancelWatch() {
  if (thread_.joinable()) {
    uint64_t one = 1;
    while (write(stop_fd_, &one, sizeof(one)) < 0 && errno == EINTR) {}
    thread_.join();
  }
  if (stop_fd_ >= 0) close(stop_fd_);
}

void CancelWatch::run() {
  for (;;) {
    struct pollfd p[2] = {{stop_fd_, POLLIN, 0}, {in_.requester_fd(), POLLRDHUP, 0}};
    int rc = poll(p, 2, in_.remaining_ms());
    if (rc < 0 && errno == EINTR) continue;
    if (rc > 0 && (p[0].revents & POLLIN)) return;  // the request is over
    Reason why = Reason::none;
    if (rc > 0 && (p[1].revents & (POLLRDHUP | POLLHUP | POLLERR | POLLNVAL)))
      why = Reason::requester_gone;
    else if (rc == 0 || in_.expired()) why = Reason::timeout;
    if (why == Reason::none) continue;
    reason_ = why;
    dev_.cancel();
    return;
  }
}

Error CancelWatch::error(int rc, std::string_view what, fido_dev_t* dev) const {
  switch (reason()) {
    case Reason::timeout:
      return in_.timeout_error(what);
    case Reason::requester_gone:
      return in_.gone_error(what);
    case Reason::none:
      break;
  }
  return fido_error(rc, what, dev);
}

}  // namespace skagent::fido
