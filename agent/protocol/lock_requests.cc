// SPDX-License-Identifier: BSD-2-Clause
// LOCK and UNLOCK. Unlock attempts from every connection wait in one queue and are
// evaluated one at a time, each no earlier than the agent-wide delay that the failures
// before it earned (agent/keys/lock_state.h): 300 guesses on 300 connections take as long
// as 300 in a row. The right password waits its turn too: evaluating it early would
// tell a guesser whether its guess was right sooner than the delay allows. A guesser
// holding many connections can thus keep the agent locked (as with OpenSSH, whose
// agent sleeps through the delay); every other request is answered meanwhile.
#include <chrono>

#include "agent/agent.h"
#include "agent/protocol/messages.h"

namespace skagent {

static bool read_password(ByteView body, ByteView& password) {
  Reader r(body);
  return r.string(password) && r.empty();
}

void Agent::lock(Request& req) {
  ByteView password;
  if (!read_password(req.body, password)) return refuse(log_, req.reply, "lock: malformed request");
  auto s = lock_.lock(password);
  if (!s) log_.error("lock: " + s.error().message);
  else log_.info("agent locked");
  if (s) wipe_secrets("agent locked");
  req.reply(msg::status(s.ok()));
}

void Agent::unlock(Request& req) {
  ByteView pw;
  if (!read_password(req.body, pw)) return refuse(log_, req.reply, "unlock: malformed request");
  unlocks_.push_back(UnlockAttempt{req.conn, to_bytes(pw), std::move(req.reply)});
  run_unlocks();
}

void Agent::run_unlocks() {
  // A reply can start the client's next request, which may queue another attempt: the
  // loop below takes it, rather than a nested call.
  if (running_unlocks_ || unlock_timer_ != 0) return;
  running_unlocks_ = true;
  while (!unlocks_.empty()) {
    auto now = LockState::Clock::now();
    if (lock_.next_attempt() > now) {
      auto wait = std::chrono::ceil<std::chrono::milliseconds>(lock_.next_attempt() - now);
      unlock_timer_ = loop_.after(wait, [this] {
        unlock_timer_ = 0;
        run_unlocks();
      });
      break;
    }
    UnlockAttempt a = std::move(unlocks_.front());
    unlocks_.pop_front();
    auto conn = a.conn.lock();
    if (!conn || conn->fd < 0) continue;  // the guesser left: nothing to answer
    auto s = lock_.unlock(a.password);
    if (!s) log_.error("unlock: " + s.error().message);
    else log_.info("agent unlocked");
    a.reply(msg::status(s.ok()));
  }
  running_unlocks_ = false;
}

}  // namespace skagent
