// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <cstring>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "platform/unix_listener.h"

namespace skagent {

namespace {

Error sys_error(const std::string& what) {
  return make_error(Errc::io, what + ": " + strerror(errno));
}

// Like ssh-agent: a fresh 0700 directory named ssh-XXXXXXXXXX (ten random
// characters; glibc's mkdtemp would randomise only six).
Result<std::string> make_private_dir(const std::string& tmp_dir) {
  std::string base = (tmp_dir.empty() ? std::string("/tmp") : tmp_dir) + "/ssh-";
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

namespace {

// Binds and listens on l.path (under umask 0177: 0600 from the first moment). On failure
// closes the socket; errno of the failing call is in the error, and kept in `err`.
Status bind_listener(Listener& l, int& err) {
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  err = 0;
  if (l.path.size() >= sizeof(sun.sun_path)) {
    return make_error(Errc::limit, "socket path too long: " + l.path);
  }
  memcpy(sun.sun_path, l.path.c_str(), l.path.size() + 1);
  l.fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (l.fd < 0) {
    err = errno;
    return sys_error("socket");
  }
  mode_t old = umask(0177);
  int rc = bind(l.fd, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun));
  err = rc != 0 ? errno : 0;
  Error bind_error = rc != 0 ? sys_error("bind " + l.path) : Error{};
  umask(old);
  if (rc == 0 && listen(l.fd, SOMAXCONN) != 0) {
    err = errno;
    bind_error = sys_error("listen " + l.path);
    unlink(l.path.c_str());
    rc = -1;
  }
  if (rc != 0) {
    close(l.fd);
    l.fd = -1;
    return bind_error;
  }
  return {};
}

constexpr char kNameChars[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
constexpr size_t kHostHashLength = 10, kRandomLength = 10;

// A 0700 directory of ours: created when missing; an existing one must be a directory we own
// that nobody else may write to (fail closed: another user's directory could swap sockets).
Status ensure_private_dir(const std::string& dir) {
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return sys_error("mkdir " + dir);
  struct stat st {};
  if (stat(dir.c_str(), &st) != 0) return sys_error("stat " + dir);
  if (!S_ISDIR(st.st_mode)) return make_error(Errc::io, dir + " is not a directory");
  if (st.st_uid != geteuid() || (st.st_mode & 022) != 0) {
    return make_error(Errc::denied, dir + " must be owned by us and not writable by others");
  }
  return {};
}

// A connection refused means nothing listens: the agent died. Anything else (a listener,
// a full backlog, no permission) leaves the socket alone.
bool nobody_listens(const std::string& path) {
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  if (path.size() >= sizeof(sun.sun_path)) return false;
  memcpy(sun.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return false;
  bool refused = connect(fd, reinterpret_cast<struct sockaddr*>(&sun), sizeof(sun)) != 0 &&
                 errno == ECONNREFUSED;
  close(fd);
  return refused;
}

}  // namespace

Result<Listener> listen_unix(const std::string& path, int parent_pid, const std::string& tmp_dir) {
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
    auto dir = make_private_dir(tmp_dir);
    if (!dir) return dir.error();
    l.own_dir = *dir;
    l.path = *dir + "/agent." + std::to_string(parent_pid);
  }
  int err = 0;
  if (auto s = bind_listener(l, err); !s) {
    // Whatever failed must not leave our directory behind.
    if (!l.own_dir.empty()) rmdir(l.own_dir.c_str());
    return s.error();
  }
  return l;
}

std::string agent_host_hash(const std::string& hostname) {
  uint8_t digest[64];
  unsigned int len = 0;
  EVP_Digest(hostname.data(), hostname.size(), digest, &len, EVP_sha512(), nullptr);
  std::string out;
  for (size_t i = 0; i < kHostHashLength; i++)
    out.push_back(kNameChars[digest[i] % (sizeof(kNameChars) - 1)]);
  return out;
}

std::string local_hostname() {
  char name[HOST_NAME_MAX + 1] = {};
  if (gethostname(name, sizeof(name) - 1) != 0) return "";
  return name;
}

Result<Listener> listen_in_home(const std::string& home, const std::string& hostname) {
  if (home.empty()) return make_error(Errc::io, "no home directory for the agent socket");
  if (hostname.empty()) return make_error(Errc::io, "no host name for the agent socket");
  std::string dir = home + "/.ssh/agent";
  if (auto s = ensure_private_dir(home + "/.ssh"); !s) return s.error();
  if (auto s = ensure_private_dir(dir); !s) return s.error();
  std::string prefix = dir + "/s." + agent_host_hash(hostname) + ".agent.";
  for (int attempt = 0; attempt < 100; attempt++) {
    uint8_t rnd[kRandomLength];
    if (RAND_bytes(rnd, sizeof(rnd)) != 1) return make_error(Errc::crypto, "no randomness");
    Listener l;
    l.path = prefix;
    // (256 is a multiple of 62 only roughly: the names need not be uniform, only unguessed)
    for (uint8_t b : rnd) l.path.push_back(kNameChars[b % (sizeof(kNameChars) - 1)]);
    int err = 0;
    auto s = bind_listener(l, err);
    if (s) return l;
    if (err != EADDRINUSE) return s.error();
  }
  return make_error(Errc::io, "cannot find a free socket name in " + dir);
}

int remove_stale_agent_sockets(const std::string& home, const std::string& hostname,
                               bool every_host) {
  if (home.empty() || (!every_host && hostname.empty())) return 0;
  std::string dir = home + "/.ssh/agent";
  std::string prefix = "s." + agent_host_hash(hostname) + ".";
  DIR* d = opendir(dir.c_str());
  if (d == nullptr) return 0;
  time_t hour_ago = time(nullptr) - 3600;
  int removed = 0;
  while (struct dirent* e = readdir(d)) {
    if (e->d_type != DT_SOCK && e->d_type != DT_UNKNOWN) continue;
    std::string name = e->d_name;
    if (!every_host && name.compare(0, prefix.size(), prefix) != 0) continue;
    struct stat st {};
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISSOCK(st.st_mode))
      continue;
    if (st.st_mtime > hour_ago) continue;  // a young socket: its agent may be starting
    if (nobody_listens(dir + "/" + name) && unlinkat(dirfd(d), e->d_name, 0) == 0) removed++;
  }
  closedir(d);
  return removed;
}

void remove_listener_files(const Listener& l) {
  if (!l.path.empty()) unlink(l.path.c_str());
  if (!l.own_dir.empty()) rmdir(l.own_dir.c_str());
}

}  // namespace skagent
