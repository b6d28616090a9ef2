// SPDX-License-Identifier: BSD-2-Clause
// Why one queue: agent/protocol/lock_requests.cc. A guesser holding many connections can
// keep the agent locked (as with OpenSSH, whose agent sleeps through the delay); every
// other request is answered meanwhile.
#include "agent/keys/lock_gate.h"

#include <chrono>

namespace skagent {

LockGate::~LockGate() {
  if (timer_ != 0) loop_.cancel_timer(timer_);
}

void LockGate::unlock(std::weak_ptr<Connection> conn, Bytes password, ReplyFn reply) {
  queue_.push_back(Attempt{std::move(conn), std::move(password), std::move(reply)});
  run();
}

void LockGate::run() {
  // A reply can start the client's next request, which may queue another attempt: the
  // loop below takes it, rather than a nested call.
  if (running_ || timer_ != 0) return;
  running_ = true;
  while (!queue_.empty()) {
    auto now = LockState::Clock::now();
    if (state_.next_attempt() > now) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(state_.next_attempt() - now);
      timer_ = loop_.after(wait, [this] {
        timer_ = 0;
        run();
      });
      break;
    }
    Attempt a = std::move(queue_.front());
    queue_.pop_front();
    auto conn = a.conn.lock();
    if (!conn || conn->fd < 0) continue;  // the guesser left: nothing to answer
    auto s = state_.unlock(a.password);
    if (!s) log_.error("unlock: " + s.error().message);
    else log_.info("agent unlocked");
    a.reply(msg::status(s.ok()));
  }
  running_ = false;
}

}  // namespace skagent
