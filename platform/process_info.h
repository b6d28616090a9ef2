// SPDX-License-Identifier: BSD-2-Clause
// Who a local process is, as the kernel reports it (/proc on Linux): the
// executable, the command line, the parent. Used to show a person which
// program asks the agent for a signature, and which programs started it.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skagent {

struct ProcessInfo {
  pid_t pid = -1;
  pid_t ppid = -1;
  uid_t uid = uid_t(-1);
  uint64_t start_time = 0;        // clock ticks after boot: (pid, start_time) names one process
  std::string name;               // the kernel's short name (comm, at most 15 bytes)
  std::string exe;                // the executable's path; empty when the kernel refuses it
  std::vector<std::string> argv;  // the command line as the process reports it (it can lie)
  bool argv_truncated = false;
};

inline constexpr size_t kMaxCmdlineBytes = 4096;
inline constexpr size_t kMaxCmdlineArgs = 64;

// Reads /proc/PID: stat (name, ppid, start time), status (real uid), exe, cmdline.
// Fails only when the process is gone (or /proc/PID/stat cannot be read); the
// executable is left empty when the kernel does not let us see it.
Result<ProcessInfo> read_process_info(pid_t pid);

// The process and its ancestors, nearest first, at most `max_depth` entries;
// stops at pid 1, at a process we cannot read, or at a loop.
std::vector<ProcessInfo> read_process_chain(pid_t pid, size_t max_depth = 6);

// A pidfd, closed with its owner (platform/peer_identity.h's peer_pidfd gives one).
struct PidFd {
  explicit PidFd(int f) : fd(f) {}
  ~PidFd();
  PidFd(const PidFd&) = delete;
  PidFd& operator=(const PidFd&) = delete;
  int fd;
};

// True when the process a pidfd names has exited (its pidfd polls readable).
bool pidfd_exited(int pidfd);

// What became of a process read earlier (`then`, from read_process_info): still `running` the
// same program; `exited` (its pidfd says so, or the pid is gone or names a process started at
// another time); or `replaced`: it exec'd another program since (the executable or the
// kernel's name changed; an exec of the same executable cannot be told). `pidfd` is -1 when
// there is none. Reads /proc/PID/stat and /proc/PID/exe: meant for a prompt, not for every
// request.
enum class ProcessFate { running, exited, replaced };
ProcessFate process_fate(const ProcessInfo& then, int pidfd);

// process_fate's look at the executable alone, for a process just found unchanged (running,
// same kernel name and command line) through ProcessWatch::unchanged: true while
// /proc/PID/exe names the executable read (or either is unknown), it is no zombie, and
// `pidfd` (-1: none), asked last, shows it running. It reads no /proc stat.
bool runs_same_executable(const ProcessInfo& then, int pidfd);

// /proc/PID/comm and /proc/PID/cmdline held open from when a process was read. An open /proc
// file stays tied to the process it was opened for: once that one is reaped, a read fails
// (ESRCH) even when the pid names another process by then; after an exec it reads what the
// new program shows. So one pread each tells, for two system calls, what process_fate tells
// for nine (its /proc/PID/exe goes through the process-info service under the sandbox).
class ProcessWatch {
 public:
  // Opens both for `then` (read just before by read_process_info); fails when either
  // cannot be opened or the process opened is not `then` (another start time).
  static Result<ProcessWatch> open(const ProcessInfo& then);
  ProcessWatch(ProcessWatch&& o) noexcept;
  ProcessWatch& operator=(ProcessWatch&&) = delete;
  ProcessWatch(const ProcessWatch&) = delete;
  ~ProcessWatch();
  // True when `then`'s process still runs (not a zombie) with the kernel name and command line
  // it had in `then`. False means "something changed": ask process_fate. What it
  // cannot see: an exec of another executable that keeps both the kernel name (the first 15
  // bytes of the file name) and the command line; process_fate compares the executable.
  bool unchanged(const ProcessInfo& then) const;

 private:
  ProcessWatch(int comm_fd, int cmdline_fd) : comm_fd_(comm_fd), cmdline_fd_(cmdline_fd) {}
  int comm_fd_, cmdline_fd_;
};

// Under Landlock the agent may not read /proc/PID/exe of a process outside its
// sandbox (Landlock counts it as ptrace access; the command line and stat stay
// readable). This forks, before any sandbox and any secret, a small process
// that only answers "which executable does PID run?"; read_process_info asks it
// when reading the link itself is refused. It ends with its parent.
Status start_process_info_service();

// Parsers, exposed for tests. /proc/PID/stat: "pid (comm) state ppid ..."; the
// comm may hold spaces and parentheses, so it ends at the last ')'.
struct ProcStat {
  std::string name;
  char state = '?';  // R, S, D, Z (zombie), X (dead), ...
  pid_t ppid = -1;
  uint64_t start_time = 0;
  // CPU time in clock ticks (sysconf(_SC_CLK_TCK)); /proc/PID/stat sums all the threads.
  uint64_t utime = 0, stime = 0;
};
Result<ProcStat> parse_proc_stat(std::string_view text);
// /proc/PID/status: the real uid from the "Uid:" line.
Result<uid_t> parse_proc_status_uid(std::string_view text);
// /proc/PID/cmdline: NUL-separated arguments, at most kMaxCmdlineArgs.
std::vector<std::string> parse_cmdline(std::string_view raw, bool* truncated = nullptr);

}  // namespace skagent
