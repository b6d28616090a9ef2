// SPDX-License-Identifier: BSD-2-Clause
// seccomp (libseccomp) and Landlock sandboxes for the agent and its helpers; see sandbox.h.
#include <fcntl.h>
#include <linux/hidraw.h>
#include <linux/landlock.h>
#include <seccomp.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#include <dirent.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <initializer_list>

#include "platform/sandbox.h"

// Debian 12's kernel headers stop at Landlock ABI 2; later rights, by value.
#ifndef LANDLOCK_ACCESS_FS_TRUNCATE
#define LANDLOCK_ACCESS_FS_TRUNCATE (1ULL << 14)
#endif
#ifndef LANDLOCK_ACCESS_FS_IOCTL_DEV
#define LANDLOCK_ACCESS_FS_IOCTL_DEV (1ULL << 15)
#endif
#ifndef LANDLOCK_ACCESS_NET_BIND_TCP
#define LANDLOCK_ACCESS_NET_BIND_TCP (1ULL << 0)
#define LANDLOCK_ACCESS_NET_CONNECT_TCP (1ULL << 1)
#endif
#ifndef LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET
#define LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET (1ULL << 0)
#endif

#if defined(__SANITIZE_ADDRESS__)
#define SKAGENT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SKAGENT_ASAN 1
#endif
#endif

#ifdef SKAGENT_ASAN
#include <sys/auxv.h>

// LeakSanitizer's hook: it cannot stop the world of a set-id process (the kernel refuses its
// tracer, as it refuses everyone's: OpenSSH's agent-ptrace test runs the agent setgid), and its
// failure would end the program before stdio is flushed. Such a run skips the leak check.
extern "C" int __lsan_is_turned_off() { return getauxval(AT_SECURE) != 0; }
#endif

namespace skagent {

namespace {

// ------------------------------------------------------------------ Landlock

// landlock_ruleset_attr as of ABI 6 (the kernel takes the size we pass).
struct RulesetAttr {
  uint64_t handled_access_fs;
  uint64_t handled_access_net;
  uint64_t scoped;
};

constexpr uint64_t kFsRead = LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_READ_DIR;
// The rights that apply to a file itself (the others are about a directory's entries).
constexpr uint64_t kFileRights = LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                 LANDLOCK_ACCESS_FS_READ_FILE | LANDLOCK_ACCESS_FS_TRUNCATE |
                                 LANDLOCK_ACCESS_FS_IOCTL_DEV;

uint64_t fs_rights_for(int abi) {
  uint64_t all =
      LANDLOCK_ACCESS_FS_EXECUTE | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_READ_FILE |
      LANDLOCK_ACCESS_FS_READ_DIR | LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
      LANDLOCK_ACCESS_FS_MAKE_CHAR | LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_MAKE_REG |
      LANDLOCK_ACCESS_FS_MAKE_SOCK | LANDLOCK_ACCESS_FS_MAKE_FIFO | LANDLOCK_ACCESS_FS_MAKE_BLOCK |
      LANDLOCK_ACCESS_FS_MAKE_SYM;
  if (abi >= 2) all |= LANDLOCK_ACCESS_FS_REFER;
  if (abi >= 3) all |= LANDLOCK_ACCESS_FS_TRUNCATE;
  if (abi >= 5) all |= LANDLOCK_ACCESS_FS_IOCTL_DEV;
  return all;
}

class Ruleset {
 public:
  explicit Ruleset(int abi) {
    RulesetAttr attr{};
    attr.handled_access_fs = handled_ = fs_rights_for(abi);
    size_t size = sizeof(uint64_t);
    if (abi >= 4) {  // no TCP: no rule ever grants it
      attr.handled_access_net = LANDLOCK_ACCESS_NET_BIND_TCP | LANDLOCK_ACCESS_NET_CONNECT_TCP;
      size = 2 * sizeof(uint64_t);
    }
    if (abi >= 6) {  // abstract UNIX sockets of processes outside the sandbox are out of reach
      attr.scoped = LANDLOCK_SCOPE_ABSTRACT_UNIX_SOCKET;
      size = 3 * sizeof(uint64_t);
    }
    fd_ = int(syscall(SYS_landlock_create_ruleset, &attr, size, 0));
  }
  ~Ruleset() {
    if (fd_ >= 0) close(fd_);
  }
  bool ok() const { return fd_ >= 0; }

  // Grants `rights` beneath `path` (rights the ruleset does not handle are dropped; so are
  // directory rights on a file, which the kernel refuses). A path that does not exist is
  // skipped.
  Status allow(const std::string& path, uint64_t rights) {
    int pfd = open(path.c_str(), O_PATH | O_CLOEXEC);
    if (pfd < 0) return {};
    struct stat st {};
    if (fstat(pfd, &st) == 0 && !S_ISDIR(st.st_mode)) rights &= kFileRights;
    struct landlock_path_beneath_attr pb {};
    pb.allowed_access = rights & handled_;
    pb.parent_fd = pfd;
    int rc = int(syscall(SYS_landlock_add_rule, fd_, LANDLOCK_RULE_PATH_BENEATH, &pb, 0));
    int err = errno;
    close(pfd);
    if (rc != 0) return make_error(Errc::io, "landlock_add_rule(" + path + "): " + strerror(err));
    return {};
  }

  Status restrict_self() {
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
      return make_error(Errc::io, std::string("PR_SET_NO_NEW_PRIVS: ") + strerror(errno));
    }
    if (syscall(SYS_landlock_restrict_self, fd_, 0) != 0) {
      return make_error(Errc::io, std::string("landlock_restrict_self: ") + strerror(errno));
    }
    return {};
  }

 private:
  uint64_t handled_ = 0;
  int fd_ = -1;
};

// ------------------------------------------------------------------ seccomp

class Filter {
 public:
  explicit Filter(uint32_t default_action)
      : ctx_(seccomp_init(default_action)), default_(default_action) {}
  ~Filter() {
    if (ctx_ != nullptr) seccomp_release(ctx_);
  }
  bool ok() const { return ctx_ != nullptr && err_ == 0; }

  void allow(std::initializer_list<int> calls) { add(SCMP_ACT_ALLOW, calls); }
  void kill(std::initializer_list<int> calls) { add(SCMP_ACT_KILL_PROCESS, calls); }
  void errno_(int e, std::initializer_list<int> calls) { add(SCMP_ACT_ERRNO(uint32_t(e)), calls); }
  void rule(uint32_t action, int call, scmp_arg_cmp cmp) {
    // libseccomp refuses (EACCES) a rule whose action is the default: nothing to add.
    if (ctx_ == nullptr || action == default_) return;
    if (int rc = seccomp_rule_add(ctx_, action, call, 1, cmp); rc != 0 && err_ == 0) err_ = rc;
  }

  Status load(bool all_threads) {
    if (ctx_ == nullptr) return make_error(Errc::io, "seccomp_init failed");
    if (err_ != 0) return make_error(Errc::io, std::string("seccomp_rule_add: ") + strerror(-err_));
    if (all_threads) seccomp_attr_set(ctx_, SCMP_FLTATR_CTL_TSYNC, 1);
    if (int rc = seccomp_load(ctx_); rc != 0) {
      return make_error(Errc::io, std::string("seccomp_load: ") + strerror(-rc));
    }
    return {};
  }

 private:
  void add(uint32_t action, std::initializer_list<int> calls) {
    if (ctx_ == nullptr || action == default_) return;
    for (int call : calls) {
      // __NR_SCMP_ERROR: a name libseccomp does not know on this architecture; skip it.
      if (call < 0) continue;
      if (int rc = seccomp_rule_add(ctx_, action, call, 0); rc != 0 && err_ == 0) err_ = rc;
    }
  }
  scmp_filter_ctx ctx_;
  uint32_t default_;
  int err_ = 0;
};

// What every one of our processes does: memory, threads, time, signals to itself, plain I/O
// on descriptors it holds, event waiting, randomness, exit.
// `unix_sockets` false: no new UNIX socket can be made (a token-free sk helper, sandbox.h).
void allow_common(Filter& f, bool unix_sockets = true) {
  f.allow({SCMP_SYS(read),
           SCMP_SYS(write),
           SCMP_SYS(readv),
           SCMP_SYS(writev),
           SCMP_SYS(pread64),
           SCMP_SYS(pwrite64),
           SCMP_SYS(close),
           SCMP_SYS(close_range),
           SCMP_SYS(fstat),
           SCMP_SYS(newfstatat),
           SCMP_SYS(statx),
           SCMP_SYS(lseek),
           SCMP_SYS(fcntl),
           SCMP_SYS(dup),
           SCMP_SYS(dup2),
           SCMP_SYS(dup3),
           SCMP_SYS(mmap),
           SCMP_SYS(munmap),
           SCMP_SYS(mprotect),
           SCMP_SYS(mremap),
           SCMP_SYS(brk),
           SCMP_SYS(madvise),
           SCMP_SYS(mlock),
           SCMP_SYS(mlock2),
           SCMP_SYS(munlock),
           SCMP_SYS(membarrier),
           SCMP_SYS(futex),
           SCMP_SYS(set_robust_list),
           SCMP_SYS(get_robust_list),
           SCMP_SYS(rseq),
           SCMP_SYS(set_tid_address),
           SCMP_SYS(sched_yield),
           SCMP_SYS(sched_getaffinity),
           SCMP_SYS(nanosleep),
           SCMP_SYS(clock_nanosleep),
           SCMP_SYS(clock_gettime),
           SCMP_SYS(clock_getres),
           SCMP_SYS(gettimeofday),
           SCMP_SYS(time),
           SCMP_SYS(epoll_create1),
           SCMP_SYS(epoll_ctl),
           SCMP_SYS(epoll_wait),
           SCMP_SYS(epoll_pwait),
           SCMP_SYS(epoll_pwait2),
           SCMP_SYS(poll),
           SCMP_SYS(ppoll),
           SCMP_SYS(select),
           SCMP_SYS(pselect6),
           SCMP_SYS(eventfd2),
           SCMP_SYS(pipe2),
           SCMP_SYS(rt_sigprocmask),
           SCMP_SYS(rt_sigaction),
           SCMP_SYS(rt_sigreturn),
           SCMP_SYS(sigaltstack),
           SCMP_SYS(getpid),
           SCMP_SYS(gettid),
           SCMP_SYS(getppid),
           SCMP_SYS(getuid),
           SCMP_SYS(geteuid),
           SCMP_SYS(getgid),
           SCMP_SYS(getegid),
           SCMP_SYS(getresuid),
           SCMP_SYS(getresgid),
           SCMP_SYS(getgroups),
           SCMP_SYS(getrandom),
           SCMP_SYS(uname),
           SCMP_SYS(sysinfo),
           SCMP_SYS(getrlimit),
           SCMP_SYS(prlimit64),
           SCMP_SYS(getcwd),
           SCMP_SYS(readlink),
           SCMP_SYS(readlinkat),
           SCMP_SYS(access),
           SCMP_SYS(faccessat),
           SCMP_SYS(faccessat2),
           SCMP_SYS(open),
           SCMP_SYS(openat),
           SCMP_SYS(getdents64),
           SCMP_SYS(recvfrom),
           SCMP_SYS(sendto),
           SCMP_SYS(recvmsg),
           SCMP_SYS(sendmsg),
           SCMP_SYS(getsockopt),
           SCMP_SYS(setsockopt),
           SCMP_SYS(getsockname),
           SCMP_SYS(getpeername),
           SCMP_SYS(shutdown),
           SCMP_SYS(connect),
           SCMP_SYS(exit),
           SCMP_SYS(exit_group),
           SCMP_SYS(restart_syscall),
           SCMP_SYS(umask)});
  // Threads (worker pool, a token library's own), never new processes. glibc tries clone3
  // first; ENOSYS makes it fall back to clone, whose flags a filter can see.
  f.rule(SCMP_ACT_ALLOW, SCMP_SYS(clone), SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, CLONE_THREAD));
  f.errno_(ENOSYS, {SCMP_SYS(clone3)});
  // Only UNIX sockets; a helper may also ask udev through netlink (below).
  f.rule(unix_sockets ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socket),
         SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
  f.rule(unix_sockets ? SCMP_ACT_ALLOW : SCMP_ACT_ERRNO(EACCES), SCMP_SYS(socketpair),
         SCMP_A0(SCMP_CMP_EQ, AF_UNIX));
}

// The calls that would let a hijacked process out of its box: always fatal.
void kill_escapes(Filter& f) {
  f.kill({SCMP_SYS(execveat),
          SCMP_SYS(process_vm_readv),
          SCMP_SYS(process_vm_writev),
          SCMP_SYS(pidfd_getfd),
          SCMP_SYS(fork),
          SCMP_SYS(vfork),
          SCMP_SYS(mount),
          SCMP_SYS(umount2),
          SCMP_SYS(pivot_root),
          SCMP_SYS(chroot),
          SCMP_SYS(setns),
          SCMP_SYS(unshare),
          SCMP_SYS(bpf),
          SCMP_SYS(kexec_load),
          SCMP_SYS(kexec_file_load),
          SCMP_SYS(init_module),
          SCMP_SYS(finit_module),
          SCMP_SYS(delete_module),
          SCMP_SYS(perf_event_open),
          SCMP_SYS(userfaultfd),
          SCMP_SYS(keyctl),
          SCMP_SYS(add_key),
          SCMP_SYS(request_key),
          SCMP_SYS(io_uring_setup),
          SCMP_SYS(io_uring_enter),
          SCMP_SYS(io_uring_register),
          SCMP_SYS(open_by_handle_at),
          SCMP_SYS(name_to_handle_at),
          SCMP_SYS(personality),
          SCMP_SYS(iopl),
          SCMP_SYS(ioperm),
          SCMP_SYS(swapon),
          SCMP_SYS(swapoff),
          SCMP_SYS(reboot),
          SCMP_SYS(process_madvise),
          SCMP_SYS(fanotify_init),
          SCMP_SYS(quotactl)});
#ifdef SKAGENT_ASAN
  // LeakSanitizer stops the world at exit with a ptrace-ing clone, which lists the threads
  // with getdents (not getdents64, on x86-64); ASan builds only.
  f.allow({SCMP_SYS(ptrace), SCMP_SYS(getdents)});
  f.rule(SCMP_ACT_ALLOW, SCMP_SYS(clone), SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
  f.errno_(EPERM, {SCMP_SYS(execve)});
#else
  f.kill({SCMP_SYS(execve), SCMP_SYS(ptrace)});
  f.rule(SCMP_ACT_KILL_PROCESS, SCMP_SYS(clone), SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
#endif
}

}  // namespace

int landlock_abi() {
  long abi = syscall(SYS_landlock_create_ruleset, nullptr, 0, LANDLOCK_CREATE_RULESET_VERSION);
  return abi > 0 ? int(abi) : 0;
}

namespace {

// Read everything; or, `devices` false, everything but the device nodes: each top-level
// directory but /dev, and under /dev only the nodes that reach no device. (Read-only is enough
// to listen: a hidraw node's reader gets a copy of every report the token sends.)
Status allow_reading(Ruleset& rs, bool devices) {
  if (devices) return rs.allow("/", kFsRead);
  DIR* d = opendir("/");
  if (d == nullptr) return make_error(Errc::io, std::string("opendir(/): ") + strerror(errno));
  std::vector<std::string> top;
  while (struct dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name != "." && name != ".." && name != "dev") top.push_back("/" + name);
  }
  closedir(d);
  for (const char* node : {"/dev/null", "/dev/zero", "/dev/urandom", "/dev/random"}) {
    top.push_back(node);
  }
  for (const auto& path : top) {
    if (auto s = rs.allow(path, kFsRead); !s) return s;
  }
  return {};
}

// Lets this process read everything (but the device nodes, `devices` false), plus what `more`
// grants on the ruleset, and nothing else. A kernel without Landlock (or with it disabled):
// nothing is done; seccomp still applies.
template <class More>
Status restrict_to_reading_and(bool devices, More more) {
  int abi = landlock_abi();
  if (abi == 0) return {};
  Ruleset rs(abi);
  if (!rs.ok())
    return make_error(Errc::io, std::string("landlock_create_ruleset: ") + strerror(errno));
  if (auto s = allow_reading(rs, devices); !s) return s;
  if (auto s = more(rs); !s) return s;
  return rs.restrict_self();
}

}  // namespace

Status apply_agent_landlock() {
  // Read anything (provider checks, PKCS#11 module headers, OpenSSL's configuration); write,
  // create, remove, truncate or execute nothing. REMOVE_FILE on the socket's directory would
  // cover every file beneath it (with -a ~/x.sock, the whole home directory): the spawner
  // removes the socket at exit instead (remove_through_spawner, platform/process.h).
  return restrict_to_reading_and(/*devices=*/true, [](Ruleset&) { return Status{}; });
}

Status apply_agent_seccomp() {
  // Unlisted calls fail with EPERM rather than end the agent (and every key in it) on some
  // rarely used library path; the escapes are fatal.
  Filter f(SCMP_ACT_ERRNO(EPERM));
  allow_common(f);
  kill_escapes(f);
  f.allow({SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(kill), SCMP_SYS(tgkill), SCMP_SYS(tkill),
           SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(pidfd_open), SCMP_SYS(pidfd_send_signal),
           SCMP_SYS(signalfd4), SCMP_SYS(unlink), SCMP_SYS(unlinkat), SCMP_SYS(rmdir)});
  // A socket that could reach another machine is fatal (the helpers' default kills anyway).
  f.rule(SCMP_ACT_KILL_PROCESS, SCMP_SYS(socket), SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  f.rule(SCMP_ACT_KILL_PROCESS, SCMP_SYS(socketpair), SCMP_A0(SCMP_CMP_NE, AF_UNIX));
  // Terminal and socket queries only; no TIOCSTI into a terminal we were started from.
  for (unsigned long req : {TCGETS, FIONREAD, FIONBIO, FIOCLEX}) {
    f.rule(SCMP_ACT_ALLOW, SCMP_SYS(ioctl), SCMP_A1(SCMP_CMP_EQ, req));
  }
  for (int opt : {PR_SET_NAME, PR_GET_NAME, PR_GET_DUMPABLE}) {
    f.rule(SCMP_ACT_ALLOW, SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, unsigned(opt)));
  }
#ifdef SKAGENT_ASAN
  // Before LeakSanitizer's tracer attaches at exit it makes the process dumpable again and
  // names itself the ptracer (Yama); ASan builds only.
  for (int opt : {PR_SET_DUMPABLE, PR_SET_PTRACER}) {
    f.rule(SCMP_ACT_ALLOW, SCMP_SYS(prctl), SCMP_A0(SCMP_CMP_EQ, unsigned(opt)));
  }
#endif
  return f.load(/*all_threads=*/true);
}

std::vector<std::string> hidraw_nodes() {
  std::vector<std::string> nodes;
  DIR* d = opendir("/dev");
  if (d == nullptr) return nodes;
  while (struct dirent* e = readdir(d)) {
    if (strncmp(e->d_name, "hidraw", 6) == 0) nodes.push_back(std::string("/dev/") + e->d_name);
  }
  closedir(d);
  std::sort(nodes.begin(), nodes.end());
  return nodes;
}

namespace {

// Landlock for a helper: read everything; write (and ioctl) only the named device nodes and
// /dev/null, write/create/remove only beneath the named stores. Nothing else under /dev: not
// the agent's terminal by its /dev/pts path, not /dev/ptmx for a new one, not /dev/shm.
Status apply_helper_landlock(const HelperSandboxRules& rules) {
  return restrict_to_reading_and(!rules.token_free, [&rules](Ruleset& rs) -> Status {
    constexpr uint64_t kDevice =
        kFsRead | LANDLOCK_ACCESS_FS_WRITE_FILE | LANDLOCK_ACCESS_FS_IOCTL_DEV;
    if (auto s = rs.allow("/dev/null", LANDLOCK_ACCESS_FS_WRITE_FILE); !s) return s;
    for (const auto& dev : rules.devices) {
      if (auto s = rs.allow(dev, kDevice); !s) return s;
    }
    constexpr uint64_t kStore = kFsRead | LANDLOCK_ACCESS_FS_WRITE_FILE |
                                LANDLOCK_ACCESS_FS_TRUNCATE | LANDLOCK_ACCESS_FS_MAKE_REG |
                                LANDLOCK_ACCESS_FS_MAKE_DIR | LANDLOCK_ACCESS_FS_REMOVE_FILE |
                                LANDLOCK_ACCESS_FS_REMOVE_DIR | LANDLOCK_ACCESS_FS_REFER;
    for (const auto& dir : rules.stores) {
      if (auto s = rs.allow(dir, kStore); !s) return s;
    }
    return {};
  });
}

}  // namespace

Status apply_helper_sandbox(const HelperSandboxRules& rules) {
  if (auto s = apply_helper_landlock(rules); !s) return s;
  Filter f(SCMP_ACT_KILL_PROCESS);
  allow_common(f, !rules.token_free);
  kill_escapes(f);
  // ioctl: what libfido2 asks of a hidraw node (its report descriptor), and what libc asks of
  // any descriptor (isatty, non-blocking, close-on-exec). Anything else, TIOCSTI into a terminal
  // above all, ends the helper. (The request is an unsigned int: the upper half is ignored.)
  for (unsigned long req :
       std::initializer_list<unsigned long>{TCGETS, FIONREAD, FIONBIO, FIOCLEX, FIONCLEX,
                                            HIDIOCGRDESCSIZE, HIDIOCGRDESC, HIDIOCGRAWINFO}) {
    f.rule(SCMP_ACT_ALLOW, SCMP_SYS(ioctl),
           SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffUL, req & 0xffffffffUL));
  }
  // ftruncate: SoftHSM2 rewrites its token's generation file at every session (Landlock keeps
  // that to its token directory).
  f.allow({SCMP_SYS(flock), SCMP_SYS(bind), SCMP_SYS(statfs), SCMP_SYS(fstatfs),
           SCMP_SYS(timerfd_create), SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime),
           SCMP_SYS(prctl), SCMP_SYS(sched_getparam), SCMP_SYS(sched_getscheduler), SCMP_SYS(fsync),
           SCMP_SYS(ftruncate), SCMP_SYS(fdatasync)});
  // A token-free helper asks udev nothing: no socket of any kind but the agent's.
  f.rule(rules.token_free ? SCMP_ACT_ERRNO(EACCES) : SCMP_ACT_ALLOW, SCMP_SYS(socket),
         SCMP_A0(SCMP_CMP_EQ, AF_NETLINK));
  // Signals only within this process (raise, abort, pthread_kill: tgkill with our own pid):
  // tgkill(agent, agent, SIGTERM) is as fatal as kill(agent). (One process: the filter ends
  // any fork, so the pid cannot change.)
#ifdef SKAGENT_ASAN
  // LeakSanitizer waits for its tracer at exit, and the tracer (another pid, already allowed
  // ptrace here) signals our threads; ASan builds only.
  f.allow({SCMP_SYS(wait4), SCMP_SYS(waitid), SCMP_SYS(tgkill), SCMP_SYS(tkill)});
#else
  f.rule(SCMP_ACT_ALLOW, SCMP_SYS(tgkill), SCMP_A0(SCMP_CMP_EQ, uint64_t(getpid())));
#endif
  return f.load(/*all_threads=*/true);
}

}  // namespace skagent
