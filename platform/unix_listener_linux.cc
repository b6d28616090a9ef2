// SPDX-License-Identifier: BSD-2-Clause
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <openssl/rand.h>

#include "platform/unix_listener.h"

namespace skagent {

namespace {

Error sys_error(const std::string& what) {
  return make_error(Errc::io, what + ": " + strerror(errno));
}

// Like ssh-agent: a fresh 0700 directory named ssh-XXXXXXXXXX (ten random
// characters; glibc's mkdtemp would randomise only six).
Result<std::string> make_private_dir() {
  const char* tmp = getenv("TMPDIR");
  std::string base = std::string(tmp != nullptr && *tmp != 0 ? tmp : "/tmp") + "/ssh-";
  static const char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
  for (int attempt = 0; attempt < 100; attempt++) {
    uint8_t rnd[10];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) return make_error(Errc::crypto, "no randomness");
    std::string dir = base;
    for (uint8_t b : rnd) dir.push_back(kChars[b % (sizeof(kChars) - 1)]);
    if (mkdir(dir.c_str(), 0700) == 0) return dir;
    if (errno != EEXIST) return sys_error("mkdir " + dir);
  }
  return make_error(Errc::io, "cannot create a private socket directory");
}

}  // namespace

Result<Listener> listen_unix(const std::string& path, int parent_pid) {
  Listener l;
  l.path = path;
  // Absolute from the start: a daemon's chdir("/") would otherwise change which file the
  // path names when the socket is removed at exit.
  if (!path.empty() && path[0] != '/') {
    char cwd[PATH_MAX];
    if (getcwd(cwd, sizeof cwd) == nullptr) return sys_error("getcwd");
    l.path = std::string(cwd) + "/" + path;
  }
  if (path.empty()) {
    auto dir = make_private_dir();
    if (!dir) return dir.error();
    l.own_dir = *dir;
    l.path = *dir + "/agent." + std::to_string(parent_pid);
  }
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  // Whatever fails from here on must not leave our directory behind.
  auto fail = [&l](Error e) {
    if (l.fd >= 0) close(l.fd);
    if (!l.own_dir.empty()) rmdir(l.own_dir.c_str());
    return e;
  };
  if (l.path.size() >= sizeof(sun.sun_path)) {
    return fail(make_error(Errc::limit, "socket path too long: " + l.path));
  }
  memcpy(sun.sun_path, l.path.c_str(), l.path.size() + 1);
  l.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (l.fd < 0) return fail(sys_error("socket"));
  mode_t old = umask(0177);
  int rc = bind(l.fd, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun));
  Error bind_error = rc != 0 ? sys_error("bind " + l.path) : Error{};
  umask(old);
  if (rc != 0) return fail(bind_error);
  if (listen(l.fd, SOMAXCONN) != 0) {
    Error e = sys_error("listen " + l.path);
    unlink(l.path.c_str());
    return fail(e);
  }
  return l;
}

void remove_listener_files(const Listener& l) {
  if (!l.path.empty()) unlink(l.path.c_str());
  if (!l.own_dir.empty()) rmdir(l.own_dir.c_str());
}

}  // namespace skagent
