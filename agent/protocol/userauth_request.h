// SPDX-License-Identifier: BSD-2-Clause
// Recognises data to sign as an SSH public-key user-auth request (RFC 4252
// §7, plus OpenSSH's publickey-hostbound-v00@openssh.com), as OpenSSH 9.2's
// parse_userauth_request. Destination-constrained keys sign nothing else, and
// web-origin security keys sign only these or SSHSIG blobs.
#pragma once

#include <optional>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"

namespace skagent {

struct UserauthRequest {
  Bytes session_id;
  std::string user;
  std::string method;                 // "publickey" or the hostbound method
  std::optional<PublicKey> host_key;  // hostbound requests only
};

// `data`: string session_id (non-empty), byte 50, string user,
// string "ssh-connection", string method, byte 1, string algorithm,
// string key, [string host_key if hostbound]; nothing may follow. The key
// must be `expected_key` (the key asked to sign; OpenSSH's sshkey_equal) and
// the algorithm must name its type (certificate or not).
Result<UserauthRequest> parse_userauth_request(ByteView data, const PublicKey& expected_key);

}  // namespace skagent
