// SPDX-License-Identifier: BSD-2-Clause
// Who is at the other end of a local connection.
#pragma once

#include <sys/types.h>

#include "base/error.h"

namespace skagent {

struct PeerIdentity {
  pid_t pid = -1;
  uid_t uid = uid_t(-1);
  gid_t gid = gid_t(-1);
};

Result<PeerIdentity> peer_identity(int fd);

// A pidfd for the process that connected (SO_PEERPIDFD, Linux 6.5+): unlike its pid, it names
// that process and no other, even once the pid is reused. Returns -1 when the kernel has no such
// option or no descriptor is left (the caller falls back to pid plus start time), and sets
// `*gone` when the kernel says the process has already exited.
int peer_pidfd(int fd, bool* gone);

}  // namespace skagent
