// SPDX-License-Identifier: BSD-2-Clause
// session-bind@openssh.com: ssh tells the agent which host (key) and which
// SSH session (exchange hash) a connection serves, proven by the host key's
// signature over the session id. A connection's bindings, oldest first, are
// the hop chain that destination constraints are checked against.
#pragma once

#include <cstddef>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"

namespace skagent {

struct SessionBinding {
  PublicKey host_key;
  Bytes session_id;
  bool forwarding = false;  // bound for agent forwarding, not for user auth
};

inline constexpr size_t kMaxSessionBindings = 16;  // per connection, as OpenSSH
inline constexpr size_t kMaxSessionIdLen = 128;    // OpenSSH's AGENT_MAX_SID_LEN

// The extension body, parsed but not yet verified.
struct SessionBindRequest {
  PublicKey host_key;
  Bytes session_id;
  Bytes signature;
  bool forwarding = false;
};

// Parses the body after the extension name: string hostkey, string
// session_id, string signature, bool is_forwarding; nothing may follow.
Result<SessionBindRequest> parse_session_bind(ByteView body);

// Checks the host key's signature over the session id (and, for a host
// certificate, the CA's signature on it, which OpenSSH checks when parsing).
Status verify_session_bind(const SessionBindRequest& req);

// Applies a verified request to a connection's bindings with OpenSSH's rules:
// no binding after an authentication bind; the same id with the same key is
// a no-op; the same id with another key fails; at most kMaxSessionBindings.
Status record_session_binding(std::vector<SessionBinding>& bindings, SessionBindRequest req);

// parse + verify + record: the whole session-bind@openssh.com extension.
// `bindings` is unchanged on failure.
Status apply_session_bind(ByteView body, std::vector<SessionBinding>& bindings);

}  // namespace skagent
