// SPDX-License-Identifier: BSD-2-Clause
#include "agent/protocol/session_binding.h"

#include <string>

#include "agent/keys/key_equal.h"
#include "base/wire.h"

namespace skagent {

namespace {

Error malformed(const std::string& what) {
  return make_error(Errc::malformed, "malformed session-bind request: " + what);
}

bool same_session_id(const SessionBinding& b, ByteView id) { return equal_ct(b.session_id, id); }

}  // namespace

Result<SessionBindRequest> parse_session_bind(ByteView body) {
  Reader r(body);
  ByteView key_blob, sid, sig;
  uint8_t fwd = 0;
  if (!r.string(key_blob) || !r.string(sid) || !r.string(sig) || !r.u8(fwd)) {
    return malformed("truncated");
  }
  if (!r.empty()) return malformed("trailing bytes");
  if (sid.empty()) return malformed("empty session id");
  if (sid.size() > kMaxSessionIdLen) {
    return make_error(Errc::limit, "session-bind: session id longer than " +
                                       std::to_string(kMaxSessionIdLen) + " bytes");
  }
  auto key = parse_public_key(key_blob);
  if (!key) return malformed("host key: " + key.error().message);
  // OpenSSH treats any non-zero byte as true.
  return SessionBindRequest{std::move(*key), to_bytes(sid), to_bytes(sig), fwd != 0};
}

Status verify_session_bind(const SessionBindRequest& req) {
  if (req.host_key.is_cert()) {
    if (auto s = verify_certificate_signature(*req.host_key.cert); !s) {
      return make_error(Errc::crypto, "session-bind: bad host certificate: " + s.error().message);
    }
  }
  // No algorithm is imposed, as OpenSSH's sshkey_verify(..., alg = NULL).
  if (auto s = verify_signature(req.host_key.plain(), req.signature, req.session_id); !s) {
    return make_error(Errc::crypto,
                      "session-bind: host key signature over the session id "
                      "does not verify: " +
                          s.error().message);
  }
  return {};
}

Status record_session_binding(std::vector<SessionBinding>& bindings, SessionBindRequest req) {
  for (const auto& b : bindings) {
    if (!b.forwarding) {
      return make_error(Errc::denied,
                        "session-bind: connection already bound for "
                        "authentication cannot be bound again");
    }
    if (!same_session_id(b, req.session_id)) continue;   // a new id for a known key is fine
    if (key_equal(req.host_key, b.host_key)) return {};  // already recorded
    return make_error(Errc::denied,
                      "session-bind: session id already recorded against a different host key");
  }
  if (bindings.size() >= kMaxSessionBindings) {
    return make_error(Errc::limit, "session-bind: too many session ids on this connection (max " +
                                       std::to_string(kMaxSessionBindings) + ")");
  }
  bindings.push_back({std::move(req.host_key), std::move(req.session_id), req.forwarding});
  return {};
}

Status apply_session_bind(ByteView body, std::vector<SessionBinding>& bindings) {
  auto req = parse_session_bind(body);
  if (!req) return req.error();
  if (auto s = verify_session_bind(*req); !s) return s;
  return record_session_binding(bindings, std::move(*req));
}

}  // namespace skagent
