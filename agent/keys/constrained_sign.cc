// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/constrained_sign.h"

#include "agent/keys/key_equal.h"
#include "agent/protocol/userauth_request.h"

namespace skagent {

namespace {

Error refuse(const std::string& why) {
  return make_error(Errc::denied, "refusing use of destination-constrained key: " + why);
}

// ssh binds right before user auth, so the request must be for the newest
// session; a forwarded hop must also say which host it authenticates to.
Status check_latest_session(const UserauthRequest& req,
                            const std::vector<SessionBinding>& bindings) {
  const SessionBinding& latest = bindings.back();
  if (!equal_ct(req.session_id, latest.session_id)) {
    return refuse("session id of the request is not the most recently bound one");
  }
  if (bindings.size() > 1 && !req.host_key) {
    return refuse("no host key in the request on a forwarded connection");
  }
  if (req.host_key && !key_equal(*req.host_key, latest.host_key)) {
    return refuse("host key in the request is not the most recently bound one");
  }
  return {};
}

}  // namespace

Result<ConstrainedSignInfo> check_constrained_sign(
    const PublicKey& request_key, const std::vector<DestinationConstraint>& constraints,
    const std::vector<SessionBinding>& bindings, ByteView data) {
  ConstrainedSignInfo info;
  if (constraints.empty()) return info;
  if (bindings.empty()) return refuse("signing on an unbound connection");
  auto req = parse_userauth_request(data, request_key);
  if (!req) return refuse("data to sign is not a user-auth request (" + req.error().message + ")");
  if (auto s = permitted_by_destinations(request_key, constraints, bindings, &req->user,
                                         &info.last_hostname);
      !s) {
    return s.error();
  }
  if (auto s = check_latest_session(*req, bindings); !s) return s.error();
  info.user = std::move(req->user);
  return info;
}

Result<ConstrainedSignInfo> check_constrained_sign_on(
    const PublicKey& request_key, const std::vector<DestinationConstraint>& constraints,
    const Connection& conn, ByteView data) {
  if (!constraints.empty() && conn.bind_failed) {
    return refuse("a session-bind on this connection failed, so its hosts are unknown");
  }
  return check_constrained_sign(request_key, constraints, conn.bindings, data);
}

bool identity_visible_on(const std::vector<DestinationConstraint>& constraints,
                         const Connection& conn) {
  if (constraints.empty()) return true;
  return !conn.bind_failed && identity_visible(constraints, conn.bindings);
}

}  // namespace skagent
