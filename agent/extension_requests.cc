// SPDX-License-Identifier: BSD-2-Clause
// EXTENSION: query and session-bind@openssh.com.
#include "agent/agent.h"
#include "agent/messages.h"

namespace skagent {

namespace {

constexpr const char* kSupported[] = {"query", "session-bind@openssh.com"};

Bytes query_reply() {
  Writer w;
  w.u8(msg::kExtensionResponse);
  w.string("query");
  for (const char* name : kSupported) w.string(name);
  return w.take();
}

}  // namespace

void Agent::extension(Request& req) {
  Reader r(req.body);
  std::string name;
  if (!r.cstring(name)) {
    log_.error("extension: malformed request");
    return req.reply(msg::status(false));
  }
  if (name == "query") {
    if (!r.empty()) return req.reply(msg::status(false));
    return req.reply(query_reply());
  }
  if (name == "session-bind@openssh.com") {
    auto s = apply_session_bind(r.rest(), req.conn->bindings);
    if (!s) {
      // ssh goes on when the bind fails; from now on this connection is
      // forwarded and untrusted, whatever binds later (OpenSSH 9.6 remembers
      // the attempt; a later good bind must not reopen it either).
      req.conn->bind_failed = true;
      log_.error("session-bind: " + s.error().message +
                 "; connection " + std::to_string(req.conn->id) +
                 " is now treated as forwarded and untrusted");
    }
    return req.reply(msg::status(s.ok()));
  }
  log_.debug("unsupported extension \"" + name + "\"");
  req.reply(msg::status(false));
}

}  // namespace skagent
