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
  lock_.unlock(req.conn, to_bytes(pw), std::move(req.reply));
}

}  // namespace skagent
