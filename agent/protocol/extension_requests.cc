// SPDX-License-Identifier: BSD-2-Clause
// EXTENSION: query and session-bind@openssh.com.
#include "agent/agent.h"
#include "agent/protocol/messages.h"

namespace skagent {

namespace {

// OpenSSH 10.5 answers "query" with the extensions it takes besides query itself.
constexpr const char* kSupported[] = {"session-bind@openssh.com"};

Bytes query_reply() {
  Writer w;
  w.u8(msg::kExtensionResponse);
  w.string("query");
  for (const char* name : kSupported) w.string(name);
  return w.take();
}

// A known extension that fails answers SSH_AGENT_EXTENSION_FAILURE (OpenSSH 10.3), so a
// client can tell "failed" from "not supported" (SSH_AGENT_FAILURE).
Bytes extension_status(bool ok) { return Bytes{ok ? msg::kSuccess : msg::kExtensionFailure}; }

}  // namespace

void Agent::extension(Request& req) {
  Reader r(req.body);
  std::string name;
  if (!r.cstring(name)) {
    return refuse(log_, req.reply, "extension: malformed request");
  }
  // session-bind works while locked (OpenSSH 10.5): ssh binds every new connection before it
  // knows the agent is locked. Every other extension waits for the unlock.
  if (name == "session-bind@openssh.com") {
    auto s = apply_session_bind(r.rest(), req.conn->bindings);
    if (!s) {
      // ssh goes on when the bind fails; from now on this connection is
      // forwarded and untrusted, whatever binds later (OpenSSH 9.6 remembers
      // the attempt; a later good bind must not reopen it either).
      req.conn->bind_failed = true;
      log_.error("session-bind: " + s.error().message + "; connection " +
                 std::to_string(req.conn->id) + " is now treated as forwarded and untrusted");
    }
    return req.reply(extension_status(s.ok()));
  }
  if (lock_.locked()) {
    return refuse(log_, req.reply, "agent locked: refusing extension \"" + name + "\"",
                  Logger::Level::debug);
  }
  if (name == "query") {
    // (OpenSSH ignores bytes after the name; a query that carries any is malformed here)
    if (!r.empty()) return req.reply(extension_status(false));
    return req.reply(query_reply());
  }
  refuse(log_, req.reply, "unsupported extension \"" + name + "\"", Logger::Level::debug);
}

}  // namespace skagent
