// SPDX-License-Identifier: BSD-2-Clause
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "platform/peer_identity.h"

// Linux 6.5's value; older headers lack it, and an older kernel answers ENOPROTOOPT.
#ifndef SO_PEERPIDFD
#define SO_PEERPIDFD 77
#endif

namespace skagent {

Result<PeerIdentity> peer_identity(int fd) {
  struct ucred cred {};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return make_error(Errc::io, std::string("SO_PEERCRED: ") + strerror(errno));
  }
  return PeerIdentity{cred.pid, cred.uid, cred.gid};
}

int peer_pidfd(int fd, bool* gone) {
  *gone = false;
  int pidfd = -1;
  socklen_t len = sizeof(pidfd);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERPIDFD, &pidfd, &len) == 0 && len == sizeof(pidfd)) {
    return pidfd;
  }
  // Before 6.17 the kernel refuses a pidfd for a process that has exited (ESRCH, or EINVAL
  // once it is reaped); later kernels give one that reads as exited.
  *gone = errno == ESRCH || errno == EINVAL;
  return -1;
}

}  // namespace skagent
