// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/unix_listen.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace skagent::vtoken {

Result<int> listen_unix(const std::string& path, const char* what, int backlog, bool nonblocking) {
  struct sockaddr_un sun {};
  if (path.empty() || path.size() >= sizeof(sun.sun_path)) {
    return make_error(Errc::malformed, std::string(what) + " path empty or too long: " + path);
  }
  sun.sun_family = AF_UNIX;
  memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | (nonblocking ? SOCK_NONBLOCK : 0), 0);
  if (fd < 0) return make_error(Errc::io, std::string("socket: ") + strerror(errno));
  struct stat st {};
  if (lstat(path.c_str(), &st) == 0 && S_ISSOCK(st.st_mode)) unlink(path.c_str());
  mode_t old = umask(0177);
  int rc = bind(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun));
  umask(old);
  if (rc != 0 || listen(fd, backlog) != 0) {
    Error e = make_error(Errc::io, "cannot listen on " + path + ": " + strerror(errno));
    close(fd);
    return e;
  }
  return fd;
}

}  // namespace skagent::vtoken
