// SPDX-License-Identifier: BSD-2-Clause
// The checks OpenSSH 9.2 (process_sign_request2) makes before a
// destination-constrained key signs: the connection must be bound, the data
// must be a user-auth request for this key, the hop chain must be permitted
// for its user, the request must belong to the most recently bound session,
// and a hostbound request must name the most recently bound host key.
#pragma once

#include <string>
#include <vector>

#include "agent/connection.h"
#include "agent/policy/destination_constraint.h"
#include "agent/protocol/session_binding.h"
#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"

namespace skagent {

// What the confirmation prompt can show about a permitted request.
struct ConstrainedSignInfo {
  std::string user;           // target user (empty when unconstrained)
  std::string last_hostname;  // the constraint hostname that allowed the last hop
};

// `request_key` is the key from the SIGN_REQUEST. With no constraints this
// succeeds at once, as OpenSSH only checks constrained keys.
Result<ConstrainedSignInfo> check_constrained_sign(
    const PublicKey& request_key, const std::vector<DestinationConstraint>& constraints,
    const std::vector<SessionBinding>& bindings, ByteView data);

// The same for a connection: after a failed session-bind (Connection::
// bind_failed) every destination-constrained key is refused on it for good.
Result<ConstrainedSignInfo> check_constrained_sign_on(
    const PublicKey& request_key, const std::vector<DestinationConstraint>& constraints,
    const Connection& conn, ByteView data);

// identity_visible for a connection: after a failed session-bind no
// destination-constrained key is listed, removed or replaced through it.
bool identity_visible_on(const std::vector<DestinationConstraint>& constraints,
                         const Connection& conn);

}  // namespace skagent
