// SPDX-License-Identifier: BSD-2-Clause
// The agent's lock and the one queue of UNLOCK attempts (agent/keys/lock_gate.cc): attempts
// from every connection wait in arrival order and are evaluated one at a time, each no earlier
// than the agent-wide delay that the failures before it earned (lock_state.h).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>

#include "agent/connection.h"
#include "agent/keys/lock_state.h"
#include "agent/log.h"
#include "agent/protocol/reply.h"
#include "platform/event_loop.h"

namespace skagent {

class LockGate {
 public:
  LockGate(EventLoop& loop, const Logger& log, std::chrono::microseconds delay_step)
      : loop_(loop), log_(log), state_(delay_step) {}
  // Cancels the timer of an attempt still waiting: the loop outlives the gate.
  ~LockGate();
  LockGate(const LockGate&) = delete;
  LockGate& operator=(const LockGate&) = delete;

  bool locked() const { return state_.locked(); }
  Status lock(ByteView password) { return state_.lock(password); }
  // Queues an UNLOCK from `conn`; `reply` gets SUCCESS or FAILURE in its turn, or nothing
  // when the connection has gone by then.
  void unlock(std::weak_ptr<Connection> conn, Bytes password, ReplyFn reply);

 private:
  struct Attempt {
    std::weak_ptr<Connection> conn;
    Bytes password;
    ReplyFn reply;
  };
  void run();

  EventLoop& loop_;
  const Logger& log_;
  LockState state_;
  std::deque<Attempt> queue_;  // in arrival order, from every connection
  uint64_t timer_ = 0;
  bool running_ = false;
};

}  // namespace skagent
