// SPDX-License-Identifier: BSD-2-Clause
// Who is at the other end of a local connection.
#pragma once

#include <sys/types.h>

#include "ssh/error.h"

namespace skagent {

struct PeerIdentity {
  pid_t pid = -1;
  uid_t uid = uid_t(-1);
  gid_t gid = gid_t(-1);
};

Result<PeerIdentity> peer_identity(int fd);

}  // namespace skagent
