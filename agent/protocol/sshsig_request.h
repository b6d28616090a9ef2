// SPDX-License-Identifier: BSD-2-Clause
// Recognises data to sign as an SSHSIG blob (OpenSSH PROTOCOL.sshsig, what
// ssh-keygen -Y sign asks the agent to sign), as OpenSSH 9.2's
// parse_sshsig_request.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

struct SshsigRequest {
  std::string sig_namespace;
  std::string hash_algorithm;
};

// `data`: "SSHSIG" (6 bytes, no length), string namespace, string reserved,
// string hash_algorithm, string hash; nothing may follow. Like OpenSSH, the
// reserved field and the hash are not interpreted.
Result<SshsigRequest> parse_sshsig_request(ByteView data);

}  // namespace skagent
