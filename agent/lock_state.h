// LOCK / UNLOCK: only a salted bcrypt-pbkdf hash of the password is kept.
// Failed unlocks earn a growing delay (0.1 s per failure, at most 10 s), as in
// OpenSSH, but the delay is applied to the unlock attempts only, so a guesser
// never stalls other clients.
#pragma once

#include <chrono>

#include "ssh/bytes.h"
#include "ssh/error.h"

namespace skagent {

class LockState {
 public:
  using Clock = std::chrono::steady_clock;

  bool locked() const { return locked_; }
  // Bytes of salt and hash still held (freed, so wiped, on unlock): for the tests.
  size_t held_bytes() const { return salt_.capacity() + hash_.capacity(); }
  Status lock(ByteView password);
  // Returns ok on success; on failure the delay before the next attempt grows.
  Status unlock(ByteView password);
  // When the next unlock attempt may be evaluated (attempts are serialised).
  Clock::time_point next_attempt() const { return next_attempt_; }
  void reserve_attempt_slot(Clock::time_point t) { next_attempt_ = t; }

 private:
  bool locked_ = false;
  Bytes salt_, hash_;
  unsigned failures_ = 0;
  Clock::time_point next_attempt_{};
};

}  // namespace skagent
