// SPDX-License-Identifier: BSD-2-Clause
// LOCK / UNLOCK: only a salted bcrypt-pbkdf hash of the password is kept.
// Failed unlocks earn a growing delay (0.1 s per failure, at most 10 s), as in
// OpenSSH. The count and the delay belong to the agent, not to a connection:
// agent/protocol/lock_requests.cc evaluates unlock attempts one at a time, each no
// earlier than next_attempt(), so guessing on many connections at once gains
// nothing; the delay holds only unlock attempts, never other clients.
#pragma once

#include <chrono>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

class LockState {
 public:
  using Clock = std::chrono::steady_clock;

  explicit LockState(std::chrono::microseconds step = std::chrono::milliseconds(100))
      : step_(step) {}

  bool locked() const { return locked_; }
  // Bytes of salt and hash still held (freed, so wiped, on unlock): for the tests.
  size_t held_bytes() const { return salt_.capacity() + hash_.capacity(); }
  Status lock(ByteView password);
  // Returns ok on success; on failure the delay before the next attempt grows.
  Status unlock(ByteView password);
  // No unlock attempt may be evaluated before this.
  Clock::time_point next_attempt() const { return next_attempt_; }

 private:
  std::chrono::microseconds step_;  // the delay added per failure (tests shorten it)
  bool locked_ = false;
  Bytes salt_, hash_;
  unsigned failures_ = 0;
  Clock::time_point next_attempt_{};
};

}  // namespace skagent
