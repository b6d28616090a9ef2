// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/user_presence.h"

#include <algorithm>
#include <charconv>
#include <optional>
#include <thread>

#include "vtoken/ctap_status.h"

namespace skagent::vtoken {

Result<TouchPolicy> TouchPolicy::parse(std::string_view text) {
  TouchPolicy p;
  if (text == "immediate") return p;
  if (text == "never") {
    p.mode = TouchMode::never;
    return p;
  }
  if (text == "refuse") {
    p.mode = TouchMode::refuse;
    return p;
  }
  if (text.substr(0, 6) == "after=") {
    std::string_view num = text.substr(6);
    uint32_t ms = 0;
    auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), ms);
    if (ec == std::errc() && end == num.data() + num.size() && !num.empty() && ms <= 3600000) {
      p.mode = TouchMode::after;
      p.after_ms = ms;
      return p;
    }
  }
  return make_error(Errc::malformed,
                    "touch policy must be immediate, after=MS (up to 3600000), never or refuse");
}

std::string TouchPolicy::to_string() const {
  switch (mode) {
    case TouchMode::immediate:
      return "immediate";
    case TouchMode::after:
      return "after=" + std::to_string(after_ms);
    case TouchMode::never:
      return "never";
    case TouchMode::refuse:
      return "refuse";
  }
  return "?";
}

uint8_t status_of(Presence p) {
  switch (p) {
    case Presence::touched:
      return ctap::kOk;
    case Presence::refused:
      return ctap::kOperationDenied;
    case Presence::timed_out:
      return ctap::kUserActionTimeout;
    case Presence::cancelled:
      return ctap::kKeepaliveCancel;
  }
  return ctap::kOther;
}

bool SleepingWait::cancelled(int ms) {
  std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  return false;
}

void TouchControl::set_policy(TouchPolicy p) {
  std::lock_guard lock(mu_);
  policy_ = p;
}

TouchPolicy TouchControl::policy() const {
  std::lock_guard lock(mu_);
  return policy_;
}

void TouchControl::set_timeout_ms(uint32_t ms) {
  std::lock_guard lock(mu_);
  timeout_ms_ = ms;
}

uint32_t TouchControl::timeout_ms() const {
  std::lock_guard lock(mu_);
  return timeout_ms_;
}

void TouchControl::press() {
  std::lock_guard lock(mu_);
  pressed_ = true;
}

uint64_t TouchControl::touches() const {
  std::lock_guard lock(mu_);
  return touches_;
}

bool TouchControl::waiting() const {
  std::lock_guard lock(mu_);
  return waiting_;
}

Presence TouchControl::wait(PresenceWait& transport) {
  using Clock = std::chrono::steady_clock;
  const auto start = Clock::now();
  {
    std::lock_guard lock(mu_);
    waiting_ = true;
  }
  for (;;) {
    int slice = 100;
    {
      std::lock_guard lock(mu_);
      auto elapsed =
          std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
      std::optional<Presence> outcome;
      if (pressed_) {
        pressed_ = false;
        outcome = Presence::touched;
      } else {
        switch (policy_.mode) {
          case TouchMode::immediate:
            outcome = Presence::touched;
            break;
          case TouchMode::refuse:
            outcome = Presence::refused;
            break;
          case TouchMode::after:
            if (elapsed >= policy_.after_ms) outcome = Presence::touched;
            else slice = int(std::min<int64_t>(slice, policy_.after_ms - elapsed));
            break;
          case TouchMode::never:
            if (elapsed >= timeout_ms_) outcome = Presence::timed_out;
            else slice = int(std::min<int64_t>(slice, timeout_ms_ - elapsed));
            break;
        }
      }
      if (outcome) {
        if (*outcome == Presence::touched) touches_++;
        waiting_ = false;
        return *outcome;
      }
    }
    if (transport.cancelled(slice)) {
      std::lock_guard lock(mu_);
      waiting_ = false;
      return Presence::cancelled;
    }
  }
}

}  // namespace skagent::vtoken
