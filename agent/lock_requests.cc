// SPDX-License-Identifier: BSD-2-Clause
// LOCK and UNLOCK. Unlock attempts are serialised through one gate, and after
// a failure the gate stays shut for the growing delay; the delay holds only
// the unlock requester's reply, never the event loop.
#include <chrono>

#include "agent/agent.h"
#include "agent/messages.h"

namespace skagent {

static bool read_password(ByteView body, ByteView& password) {
  Reader r(body);
  return r.string(password) && r.empty();
}

void Agent::lock(Request& req) {
  ByteView password;
  if (!read_password(req.body, password)) return req.reply(msg::status(false));
  auto s = lock_.lock(password);
  if (!s) log_.error("lock: " + s.error().message);
  else log_.info("agent locked");
  if (s) wipe_secrets("agent locked");
  req.reply(msg::status(s.ok()));
}

void Agent::unlock(Request& req) {
  ByteView pw;
  if (!read_password(req.body, pw)) return req.reply(msg::status(false));
  auto now = LockState::Clock::now();
  auto gate = std::max(now, lock_.next_attempt());
  // Reserve this attempt's slot so parallel guesses queue behind it.
  lock_.reserve_attempt_slot(gate + std::chrono::milliseconds(1));
  Bytes password = to_bytes(pw);
  auto attempt = [this, password = std::move(password), reply = std::move(req.reply)] {
    auto s = lock_.unlock(password);
    if (!s) log_.error("unlock: " + s.error().message);
    else log_.info("agent unlocked");
    reply(msg::status(s.ok()));
  };
  if (gate <= now) return attempt();
  loop_.after(std::chrono::ceil<std::chrono::milliseconds>(gate - now), std::move(attempt));
}

}  // namespace skagent
