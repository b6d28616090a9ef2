// SPDX-License-Identifier: BSD-2-Clause
#include "agent/protocol/sshsig_request.h"

#include "base/wire.h"

namespace skagent {

Result<SshsigRequest> parse_sshsig_request(ByteView data) {
  constexpr std::string_view kMagic = "SSHSIG";
  Reader r(data);
  ByteView magic, reserved, hash;
  SshsigRequest req;
  if (!r.raw(kMagic.size(), magic) || as_string(magic) != kMagic) {
    return make_error(Errc::malformed, "not an SSHSIG request: no SSHSIG magic");
  }
  if (!r.cstring(req.sig_namespace) || !r.string(reserved) || !r.cstring(req.hash_algorithm) ||
      !r.string(hash)) {
    return make_error(Errc::malformed, "malformed SSHSIG request: truncated");
  }
  if (!r.empty()) return make_error(Errc::malformed, "malformed SSHSIG request: trailing bytes");
  return req;
}

}  // namespace skagent
