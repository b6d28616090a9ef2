// SPDX-License-Identifier: BSD-2-Clause
// /proc readers for platform/process_info.h.
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <mutex>
#include <set>

#include "base/text.h"
#include "platform/process_info.h"
#include "platform/read_file.h"
#include "platform/service_process_linux.h"

namespace skagent {

namespace {

// The process-info service (see start_process_info_service): our end of its
// socket, -1 when none runs.
std::mutex g_service_mu;
int g_service = -1;

std::string exe_link(pid_t pid, int* err = nullptr) {
  const std::string path = "/proc/" + std::to_string(pid) + "/exe";
  char buf[PATH_MAX];
  ssize_t n = readlink(path.c_str(), buf, sizeof(buf) - 1);
  if (err != nullptr) *err = n > 0 ? 0 : errno;
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

[[noreturn]] void service_main(int sock) {
  for (;;) {
    int32_t pid = 0;
    ssize_t n = recv(sock, &pid, sizeof(pid), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n != ssize_t(sizeof(pid))) _exit(0);  // the agent is gone (or speaks nonsense)
    std::string exe = pid > 0 ? exe_link(pid_t(pid)) : std::string();
    if (send(sock, exe.data(), exe.size(), MSG_NOSIGNAL) < 0 && errno != EINTR) _exit(0);
  }
}

std::string exe_from_service(pid_t pid) {
  std::lock_guard<std::mutex> lock(g_service_mu);
  if (g_service < 0) return {};
  int32_t p = pid;
  if (send(g_service, &p, sizeof(p), MSG_NOSIGNAL) != ssize_t(sizeof(p))) return {};
  char buf[PATH_MAX];
  ssize_t n;
  do n = recv(g_service, buf, sizeof(buf), 0);
  while (n < 0 && errno == EINTR);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

// The executable /proc/PID/exe names now (through the process-info service where the sandbox
// hides the link), without the " (deleted)" a package upgrade leaves on a running program's
// link (the same program); empty when unreadable, `err` the readlink's errno.
std::string current_exe(pid_t pid, int* err) {
  std::string exe = exe_link(pid, err);
  if (exe.empty() && (*err == EACCES || *err == EPERM)) exe = exe_from_service(pid);
  constexpr std::string_view kDeleted = " (deleted)";
  if (exe.size() > kDeleted.size() && exe.ends_with(kDeleted))
    exe.resize(exe.size() - kDeleted.size());
  return exe;
}

// A zombie's link is gone (ENOENT) while the process read had one.
bool zombie_exe(const ProcessInfo& then, const std::string& exe, int err) {
  return !then.exe.empty() && exe.empty() && err == ENOENT;
}

// Another executable than the one read, when both are known.
bool other_exe(const ProcessInfo& then, const std::string& exe) {
  return !then.exe.empty() && !exe.empty() && exe != then.exe;
}

}  // namespace

Status start_process_info_service() {
  std::lock_guard<std::mutex> lock(g_service_mu);
  if (g_service >= 0) return {};
  auto sock = fork_service("skagent-procinfo", "process-info", service_main);
  if (!sock) return sock.error();
  // A service that stops answering must not stall the agent.
  struct timeval tv = {1, 0};
  setsockopt(*sock, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(*sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  g_service = *sock;
  return {};
}

Result<ProcStat> parse_proc_stat(std::string_view text) {
  auto open = text.find('(');
  auto close = text.rfind(')');
  if (open == std::string_view::npos || close == std::string_view::npos || close < open) {
    return make_error(Errc::malformed, "stat: no command name");
  }
  ProcStat st;
  st.name = std::string(text.substr(open + 1, close - open - 1));
  // After ") ": field 3 (state) is index 0; ppid is field 4, utime and stime fields 14
  // and 15, starttime field 22.
  std::vector<std::string_view> fields;
  size_t i = close + 1;
  while (i < text.size() && fields.size() < 20) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) i++;
    size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\n') j++;
    if (j > i) fields.push_back(text.substr(i, j - i));
    i = j;
  }
  if (fields.size() < 20) return make_error(Errc::malformed, "stat: too few fields");
  if (fields[0].size() != 1) return make_error(Errc::malformed, "stat: bad state");
  st.state = fields[0][0];
  int ppid = -1;
  if (!parse_number(fields[1], ppid) || ppid < 0)
    return make_error(Errc::malformed, "stat: bad ppid");
  if (!parse_number(fields[19], st.start_time))
    return make_error(Errc::malformed, "stat: bad start time");
  if (!parse_number(fields[11], st.utime) || !parse_number(fields[12], st.stime))
    return make_error(Errc::malformed, "stat: bad CPU times");
  st.ppid = pid_t(ppid);
  return st;
}

Result<uid_t> parse_proc_status_uid(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(pos, end - pos);
    if (line.substr(0, 4) == "Uid:") {
      size_t i = 4;
      while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) i++;
      size_t j = i;
      while (j < line.size() && line[j] >= '0' && line[j] <= '9') j++;
      unsigned long uid = 0;
      if (!parse_number(line.substr(i, j - i), uid) || uid > UINT32_MAX) break;
      return uid_t(uid);
    }
    pos = end + 1;
  }
  return make_error(Errc::malformed, "status: no Uid line");
}

std::vector<std::string> parse_cmdline(std::string_view raw, bool* truncated) {
  std::vector<std::string> out;
  if (!raw.empty() && raw.back() == '\0') raw.remove_suffix(1);
  if (raw.empty()) return out;
  size_t pos = 0;
  for (;;) {
    if (out.size() == kMaxCmdlineArgs) {
      if (truncated != nullptr) *truncated = true;
      break;
    }
    size_t end = raw.find('\0', pos);
    if (end == std::string_view::npos) {
      out.emplace_back(raw.substr(pos));
      break;
    }
    out.emplace_back(raw.substr(pos, end - pos));
    pos = end + 1;
  }
  return out;
}

Result<ProcessInfo> read_process_info(pid_t pid) {
  if (pid <= 0) return make_error(Errc::not_found, "no such process");
  const std::string dir = "/proc/" + std::to_string(pid);
  auto stat = read_file_head(dir + "/stat", 4096);
  if (!stat) return stat.error();
  auto st = parse_proc_stat(*stat);
  if (!st) return st.error();
  ProcessInfo p;
  p.pid = pid;
  p.ppid = st->ppid;
  p.start_time = st->start_time;
  p.name = std::move(st->name);
  if (auto status = read_file_head(dir + "/status", 16384)) {
    if (auto uid = parse_proc_status_uid(*status)) p.uid = *uid;
  }
  // The executable link needs ptrace-read access: a sandboxed agent (Landlock) or
  // another user's process may be refused; then the service started before the
  // sandbox reads it. The command line is always readable.
  int err = 0;
  p.exe = exe_link(pid, &err);
  if (p.exe.empty() && (err == EACCES || err == EPERM)) p.exe = exe_from_service(pid);
  bool truncated = false;
  if (auto cmd = read_file_head(dir + "/cmdline", kMaxCmdlineBytes, &truncated)) {
    p.argv = parse_cmdline(*cmd, &p.argv_truncated);
    p.argv_truncated = p.argv_truncated || truncated;
  }
  // The stat we parsed may belong to a process that exited and whose pid was
  // reused while we read: check that it is still the same one.
  if (auto again = read_file_head(dir + "/stat", 4096)) {
    auto st2 = parse_proc_stat(*again);
    if (!st2 || st2->start_time != p.start_time)
      return make_error(Errc::not_found, "process changed while read");
  } else {
    return again.error();
  }
  return p;
}

PidFd::~PidFd() {
  if (fd >= 0) close(fd);
}

bool pidfd_exited(int pidfd) {
  struct pollfd p = {pidfd, POLLIN, 0};
  return poll(&p, 1, 0) == 1;
}

ProcessFate process_fate(const ProcessInfo& then, int pidfd) {
  const std::string dir = "/proc/" + std::to_string(then.pid);
  auto stat = read_file_head(dir + "/stat", 4096);
  auto st = stat ? parse_proc_stat(*stat) : Result<ProcStat>(stat.error());
  int err = 0;
  const std::string exe = current_exe(then.pid, &err);
  // The pidfd is asked last: it proves that what we just read belongs to our process (its
  // pid cannot have been reused while the pidfd says it runs). Without one, the start time.
  if ((pidfd >= 0 && pidfd_exited(pidfd)) || !st || st->start_time != then.start_time) {
    return ProcessFate::exited;
  }
  if (zombie_exe(then, exe, err)) return ProcessFate::exited;
  if (st->name != then.name || other_exe(then, exe)) return ProcessFate::replaced;
  return ProcessFate::running;
}

bool runs_same_executable(const ProcessInfo& then, int pidfd) {
  int err = 0;
  const std::string exe = current_exe(then.pid, &err);
  // Asked last, as in process_fate: what was just read belongs to the process that runs.
  if (pidfd >= 0 && pidfd_exited(pidfd)) return false;
  return !zombie_exe(then, exe, err) && !other_exe(then, exe);
}

namespace {

// One pread from the start of an open /proc file, at most `limit` bytes; false on an error
// (ESRCH once the process it was opened for is gone). A read that returns less than it asked
// for is the end: the kernel fills the buffer from these files' whole text. Asking
// again to see the end is not free: a pread at an offset makes the kernel write the stat text
// anew (all threads' times summed) to skip to it, and this runs for every signature's audit line.
bool pread_head(int fd, size_t limit, std::string& out, bool* truncated) {
  out.resize(limit + 1);
  size_t got = 0;
  while (got < out.size()) {
    const size_t want = out.size() - got;
    ssize_t n = pread(fd, out.data() + got, want, off_t(got));
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return false;
    got += size_t(n);
    if (size_t(n) < want) break;
  }
  if (truncated != nullptr) *truncated = got > limit;
  out.resize(std::min(got, limit));
  return true;
}

}  // namespace

Result<ProcessWatch> ProcessWatch::open(const ProcessInfo& then) {
  if (then.pid <= 0) return make_error(Errc::not_found, "no such process");
  const std::string dir = "/proc/" + std::to_string(then.pid);
  auto open_proc = [&](const char* name) -> Result<int> {
    int fd = ::open((dir + name).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return make_error(Errc::not_found, dir + name + ": " + strerror(errno));
    return fd;
  };
  auto comm = open_proc("/comm");
  if (!comm) return comm.error();
  ProcessWatch w(*comm, -1);
  auto cmd = open_proc("/cmdline");
  if (!cmd) return cmd.error();
  w.cmdline_fd_ = *cmd;
  // Opened after `then` was read: the pid may name another process by now. The start time
  // in a stat opened after both says which one: if it is `then`'s, so are both files.
  auto st = open_proc("/stat");
  if (!st) return st.error();
  std::string text;
  const bool read = pread_head(*st, 4096, text, nullptr);
  close(*st);
  if (!read) return make_error(Errc::not_found, "process gone");
  auto now = parse_proc_stat(text);
  if (!now || now->start_time != then.start_time) {
    return make_error(Errc::not_found, "process changed while read");
  }
  return w;
}

ProcessWatch::ProcessWatch(ProcessWatch&& o) noexcept
    : comm_fd_(o.comm_fd_), cmdline_fd_(o.cmdline_fd_) {
  o.comm_fd_ = o.cmdline_fd_ = -1;
}

ProcessWatch::~ProcessWatch() {
  if (comm_fd_ >= 0) close(comm_fd_);
  if (cmdline_fd_ >= 0) close(cmdline_fd_);
}

// comm instead of stat: the kernel writes stat's 52 fields (all threads' times summed) for
// every read, comm is the name alone (0.6 us against 2.8 us here). Nothing is lost: the files
// are tied to `then`'s process (a read fails once it is reaped, whatever the pid names then),
// so its start time cannot change; and a process that has exited (a zombie) or is exiting
// has no memory left to show a command line: it reads empty, not `then`'s.
bool ProcessWatch::unchanged(const ProcessInfo& then) const {
  std::string text;
  if (comm_fd_ < 0 || !pread_head(comm_fd_, 64, text, nullptr)) return false;
  if (!text.empty() && text.back() == '\n') text.pop_back();
  if (text != then.name || then.argv.empty()) return false;
  bool truncated = false;
  if (!pread_head(cmdline_fd_, kMaxCmdlineBytes, text, &truncated)) return false;
  bool cut = false;
  auto argv = parse_cmdline(text, &cut);
  return argv == then.argv && (cut || truncated) == then.argv_truncated;
}

std::vector<ProcessInfo> read_process_chain(pid_t pid, size_t max_depth) {
  std::vector<ProcessInfo> out;
  std::set<pid_t> seen;
  while (pid > 0 && out.size() < max_depth && seen.insert(pid).second) {
    auto p = read_process_info(pid);
    if (!p) break;
    pid_t parent = p->ppid;
    out.push_back(std::move(*p));
    if (pid == 1) break;
    pid = parent;
  }
  return out;
}

}  // namespace skagent
