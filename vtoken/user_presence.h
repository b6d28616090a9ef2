// SPDX-License-Identifier: BSD-2-Clause
// Test control over "touches": how the virtual user answers a request for user
// presence (at once, after a delay, never, or by refusing), a manual press,
// and a count of the touches given. Thread-safe: the control socket changes
// the policy while a transport waits.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skagent::vtoken {

enum class TouchMode { immediate, after, never, refuse };

struct TouchPolicy {
  TouchMode mode = TouchMode::immediate;
  uint32_t after_ms = 0;  // TouchMode::after only

  // "immediate", "after=MS", "never", "refuse".
  static Result<TouchPolicy> parse(std::string_view text);
  std::string to_string() const;
};

enum class Presence { touched, refused, timed_out, cancelled };

// The CTAP status for a wait that did not end in a touch.
uint8_t status_of(Presence p);

// The transport's side of a wait: it keeps the link alive (CTAPHID KEEPALIVE)
// and notices a CANCEL or a platform that went away.
class PresenceWait {
 public:
  virtual ~PresenceWait() = default;
  // Waits up to `ms` milliseconds for a touch; true when the platform cancelled.
  virtual bool cancelled(int ms) = 0;
  // The token is busy (no touch needed) for up to `ms` milliseconds: CTAPHID
  // says "processing" instead of "user presence needed". True when cancelled.
  virtual bool processing(int ms) { return cancelled(ms); }
};

// A PresenceWait with nothing to watch (NFC, unit tests): it only sleeps.
class SleepingWait : public PresenceWait {
 public:
  bool cancelled(int ms) override;
};

class TouchControl {
 public:
  explicit TouchControl(TouchPolicy policy = {}, uint32_t timeout_ms = 30000)
      : policy_(policy), timeout_ms_(timeout_ms) {}

  void set_policy(TouchPolicy p);
  TouchPolicy policy() const;
  // How long a "never" wait lasts before USER_ACTION_TIMEOUT.
  void set_timeout_ms(uint32_t ms);
  uint32_t timeout_ms() const;
  // A person touches the key: ends the current wait (or the next one) with a
  // touch, whatever the policy.
  void press();
  uint64_t touches() const;
  bool waiting() const;

  // Asks for a touch; polls `transport` at least every 100 ms.
  Presence wait(PresenceWait& transport);

 private:
  mutable std::mutex mu_;
  TouchPolicy policy_;
  uint32_t timeout_ms_;
  bool pressed_ = false;
  bool waiting_ = false;
  uint64_t touches_ = 0;
};

}  // namespace skagent::vtoken
