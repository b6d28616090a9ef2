// SPDX-License-Identifier: BSD-2-Clause
#include <sys/socket.h>

#include <cerrno>
#include <cstring>

#include "platform/peer_identity.h"

namespace skagent {

Result<PeerIdentity> peer_identity(int fd) {
  struct ucred cred {};
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0) {
    return make_error(Errc::io, std::string("SO_PEERCRED: ") + strerror(errno));
  }
  return PeerIdentity{cred.pid, cred.uid, cred.gid};
}

}  // namespace skagent
