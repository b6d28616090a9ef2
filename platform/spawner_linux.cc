// SPDX-License-Identifier: BSD-2-Clause
// The spawner (see start_spawner in process.h). Protocol over a SOCK_SEQPACKET socketpair, one
// message per request: u32 argc, argc strings; u32 envc, envc strings (extra_env); u32 nfds,
// nfds u32 child descriptor numbers, with the parent descriptors as SCM_RIGHTS in that order;
// u8 null_stdin. Reply: u32 status (0 ok, else an errno), u32 pid. A message of argc 0 and
// nothing else asks for the files named at start-up to be removed (the agent's exit).
//
// The spawner forks an intermediate process that posix_spawns the program and exits at once,
// so the program is re-parented to the nearest child subreaper: the agent.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <mutex>
#include <optional>

#include "platform/process.h"
#include "platform/service_process_linux.h"
#include "base/wire.h"

extern char** environ;

namespace skagent {

namespace {

constexpr size_t kMaxMessage = 64 * 1024;
constexpr size_t kMaxFds = 8;

std::mutex g_mu;
int g_sock = -1;  // the agent's end; -1 when no spawner runs

Bytes encode(const SpawnOptions& o) {
  Writer w;
  w.u32(uint32_t(o.argv.size()));
  for (const auto& a : o.argv) w.string(a);
  w.u32(uint32_t(o.extra_env.size()));
  for (const auto& e : o.extra_env) w.string(e);
  w.u32(uint32_t(o.fds.size()));
  for (auto [child, parent] : o.fds) w.u32(uint32_t(child));
  w.u8(o.null_stdin ? 1 : 0);
  return w.take();
}

bool read_strings(Reader& r, std::vector<std::string>& out) {
  uint32_t n = 0;
  if (!r.u32(n) || n > 1024) return false;
  for (uint32_t i = 0; i < n; i++) {
    std::string s;
    if (!r.cstring(s)) return false;
    out.push_back(std::move(s));
  }
  return true;
}

// Runs in the spawner: start one program, return its pid or an errno.
std::pair<int, pid_t> spawn_one(const std::vector<std::string>& allowed, ByteView msg,
                                const std::vector<int>& fds) {
  Reader r(msg);
  std::vector<std::string> argv, extra;
  uint32_t nfds = 0;
  uint8_t null_stdin = 1;
  if (!read_strings(r, argv) || argv.empty() || !read_strings(r, extra) || !r.u32(nfds) ||
      nfds != fds.size()) {
    return {EINVAL, -1};
  }
  std::vector<int> child_fds;
  for (uint32_t i = 0; i < nfds; i++) {
    uint32_t c = 0;
    if (!r.u32(c) || c > 64) return {EINVAL, -1};
    child_fds.push_back(int(c));
  }
  if (!r.u8(null_stdin) || !r.empty()) return {EINVAL, -1};
  if (std::find(allowed.begin(), allowed.end(), argv[0]) == allowed.end()) return {EPERM, -1};

  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; e++) env_store.emplace_back(*e);
  for (auto& e : extra) {
    if (e.rfind("LD_", 0) == 0) continue;  // no loader tricks through the agent
    env_store.push_back(std::move(e));
  }
  std::vector<char*> cargv, envp;
  for (auto& a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);

  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) return {errno, -1};
  pid_t mid = fork();
  if (mid < 0) {
    int e = errno;
    close(p[0]), close(p[1]);
    return {e, -1};
  }
  if (mid == 0) {  // the intermediate: spawn, report, vanish
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    if (null_stdin) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    for (size_t i = 0; i < fds.size(); i++)
      posix_spawn_file_actions_adddup2(&fa, fds[i], child_fds[i]);
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr, &none);
    posix_spawnattr_setsigdefault(&attr, &all);
    // A new session without a controlling terminal: whatever runs in a helper (a token library)
    // or a prompter cannot type into the terminal the agent was started from (TIOCSTI).
    posix_spawnattr_setflags(&attr,
                             POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    pid_t pid = -1;
    int rc = posix_spawnp(&pid, cargv[0], &fa, &attr, cargv.data(), envp.data());
    int32_t out[2] = {rc, int32_t(pid)};
    ssize_t ignored = write(p[1], out, sizeof(out));
    (void)ignored;
    _exit(0);
  }
  close(p[1]);
  int32_t got[2] = {EIO, -1};
  ssize_t n;
  do n = read(p[0], got, sizeof(got));
  while (n < 0 && errno == EINTR);
  close(p[0]);
  int status = 0;
  while (waitpid(mid, &status, 0) < 0 && errno == EINTR) {}
  if (n != ssize_t(sizeof(got))) return {EIO, -1};
  return {got[0], pid_t(got[1])};
}

// Runs in the spawner: only the socket and directory named at start, and only as what they
// were (a socket, an empty directory), whatever a hijacked agent asks.
int remove_files(const std::vector<std::string>& files) {
  for (const auto& f : files) {
    struct stat st {};
    if (f.empty() || f[0] != '/' || lstat(f.c_str(), &st) != 0) continue;
    if (S_ISSOCK(st.st_mode)) unlink(f.c_str());
    if (S_ISDIR(st.st_mode)) rmdir(f.c_str());
  }
  return 0;
}

bool is_remove_request(ByteView msg) {
  Reader r(msg);
  uint32_t argc = 1;
  return r.u32(argc) && argc == 0 && r.empty();
}

[[noreturn]] void spawner_main(int sock, const std::vector<std::string>& allowed,
                               const std::vector<std::string>& remove_at_exit) {
  std::vector<uint8_t> buf(kMaxMessage);
  for (;;) {
    struct iovec iov = {buf.data(), buf.size()};
    alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)];
    struct msghdr mh {};
    mh.msg_iov = &iov;
    mh.msg_iovlen = 1;
    mh.msg_control = control;
    mh.msg_controllen = sizeof(control);
    ssize_t n = recvmsg(sock, &mh, MSG_CMSG_CLOEXEC);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(0);  // the agent is gone
    std::vector<int> fds;
    for (struct cmsghdr* c = CMSG_FIRSTHDR(&mh); c != nullptr; c = CMSG_NXTHDR(&mh, c)) {
      if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS) continue;
      size_t count = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
      const int* p = reinterpret_cast<const int*>(CMSG_DATA(c));
      for (size_t i = 0; i < count; i++) {
        // Far above any child descriptor number, so each dup2 in the child really dups.
        int high = fcntl(p[i], F_DUPFD_CLOEXEC, 100);
        close(p[i]);
        fds.push_back(high);
      }
    }
    std::pair<int, pid_t> res{EINVAL, -1};
    if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0 && fds.empty() &&
        is_remove_request(ByteView(buf.data(), size_t(n)))) {
      res = {remove_files(remove_at_exit), 0};
    } else if ((mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) == 0 &&
               std::none_of(fds.begin(), fds.end(), [](int fd) { return fd < 0; })) {
      res = spawn_one(allowed, ByteView(buf.data(), size_t(n)), fds);
    }
    for (int fd : fds) {
      if (fd >= 0) close(fd);
    }
    uint32_t reply[2] = {uint32_t(res.first), uint32_t(res.second)};
    if (send(sock, reply, sizeof(reply), MSG_NOSIGNAL) != ssize_t(sizeof(reply))) _exit(0);
  }
}

}  // namespace

Status start_spawner(std::vector<std::string> allowed, std::vector<std::string> remove_at_exit) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sock >= 0) return {};
  // Our children's children are re-parented to us, so we can wait for them.
  if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
    return make_error(Errc::io, std::string("PR_SET_CHILD_SUBREAPER: ") + strerror(errno));
  }
  // The spawner keeps only stdin/out/err (children share stderr) and its end of the pair.
  auto sock = fork_service("skagent-spawn", "spawner", [&](int keep) {
    fcntl(keep, F_SETFD, FD_CLOEXEC);  // never inherited by the programs we start
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    spawner_main(keep, allowed, remove_at_exit);
  });
  if (!sock) return sock.error();
  g_sock = *sock;
  return {};
}

bool remove_through_spawner() {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sock < 0) return false;
  Writer w;
  w.u32(0);
  if (send(g_sock, w.bytes().data(), w.bytes().size(), MSG_NOSIGNAL) != ssize_t(w.bytes().size()))
    return false;
  uint32_t reply[2];
  ssize_t n;
  do n = recv(g_sock, reply, sizeof(reply), 0);
  while (n < 0 && errno == EINTR);
  return n == ssize_t(sizeof(reply)) && reply[0] == 0;
}

std::optional<Result<pid_t>> spawn_through_spawner(const SpawnOptions& opts) {
  std::lock_guard<std::mutex> lock(g_mu);
  if (g_sock < 0) return std::nullopt;
  if (opts.fds.size() > kMaxFds)
    return Result<pid_t>(make_error(Errc::internal, "spawn: too many descriptors"));
  Bytes msg = encode(opts);
  if (msg.size() > kMaxMessage)
    return Result<pid_t>(make_error(Errc::limit, "spawn: arguments too long"));
  struct iovec iov = {msg.data(), msg.size()};
  alignas(struct cmsghdr) char control[CMSG_SPACE(sizeof(int) * kMaxFds)] = {};
  struct msghdr mh {};
  mh.msg_iov = &iov;
  mh.msg_iovlen = 1;
  if (!opts.fds.empty()) {
    mh.msg_control = control;
    mh.msg_controllen = CMSG_SPACE(sizeof(int) * opts.fds.size());
    struct cmsghdr* c = CMSG_FIRSTHDR(&mh);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int) * opts.fds.size());
    int* p = reinterpret_cast<int*>(CMSG_DATA(c));
    for (size_t i = 0; i < opts.fds.size(); i++) p[i] = opts.fds[i].second;
  }
  ssize_t n;
  do n = sendmsg(g_sock, &mh, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n != ssize_t(msg.size())) {
    return Result<pid_t>(
        make_error(Errc::io, "cannot start " + opts.argv[0] + ": the spawner is gone"));
  }
  uint32_t reply[2];
  do n = recv(g_sock, reply, sizeof(reply), 0);
  while (n < 0 && errno == EINTR);
  if (n != ssize_t(sizeof(reply))) {
    return Result<pid_t>(
        make_error(Errc::io, "cannot start " + opts.argv[0] + ": the spawner is gone"));
  }
  if (reply[0] != 0) {
    return Result<pid_t>(
        make_error(Errc::io, "cannot start " + opts.argv[0] + ": " + strerror(int(reply[0]))));
  }
  return Result<pid_t>(pid_t(reply[1]));
}

}  // namespace skagent
