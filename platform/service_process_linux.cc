// SPDX-License-Identifier: BSD-2-Clause
#include "platform/service_process_linux.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

namespace skagent {

Result<int> fork_service(const char* name, const char* what,
                         const std::function<void(int sock)>& child_main) {
  int sv[2];
  if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) {
    return make_error(Errc::io, std::string(what) + " socketpair: " + strerror(errno));
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) {
    int e = errno;
    close(sv[0]), close(sv[1]);
    return make_error(Errc::io, std::string(what) + " fork: " + strerror(e));
  }
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != parent) _exit(0);  // the parent died before PDEATHSIG was set
    prctl(PR_SET_NAME, name);
    if (sv[1] != 3 && dup2(sv[1], 3) < 0) _exit(1);
    close_range(4, ~0U, 0);
    child_main(3);
    _exit(0);
  }
  close(sv[1]);
  return sv[0];
}

}  // namespace skagent
