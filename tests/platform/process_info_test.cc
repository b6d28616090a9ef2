// SPDX-License-Identifier: BSD-2-Clause
// /proc readers: the parsers on awkward and hostile text, and the real thing on ourselves.
#include <gtest/gtest.h>
#include <limits.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <functional>
#include <thread>

#include "platform/peer_identity.h"
#include "platform/process_info.h"

namespace skagent {
namespace {

std::string stat_line(const std::string& comm, int ppid = 77, uint64_t start = 123456) {
  std::string s = "4242 (" + comm + ") S " + std::to_string(ppid) +
                  " 4242 4242 0 -1 4194560 100 0 0 0 31 47 0 0 20 0 1 0 " + std::to_string(start) +
                  " 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  return s;
}

TEST(ProcessInfo, ParsesStatWithAwkwardNames) {
  auto st = parse_proc_stat(stat_line("ssh"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->name, "ssh");
  EXPECT_EQ(st->ppid, 77);
  EXPECT_EQ(st->start_time, 123456u);
  EXPECT_EQ(st->utime, 31u);  // the benchmark's agent CPU per signature
  EXPECT_EQ(st->stime, 47u);
  // A name with spaces and parentheses (a process can choose it): the last ')' ends it.
  st = parse_proc_stat(stat_line("a) S 1 (b"));
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->name, "a) S 1 (b");
  EXPECT_EQ(st->ppid, 77);
  EXPECT_EQ(parse_proc_stat(stat_line("")).value().name, "");
}

TEST(ProcessInfo, RefusesBrokenStat) {
  EXPECT_FALSE(parse_proc_stat("").ok());
  EXPECT_FALSE(parse_proc_stat("4242 ssh S 1").ok());
  EXPECT_FALSE(parse_proc_stat("4242 (ssh S 1 2 3").ok());
  EXPECT_FALSE(parse_proc_stat("4242 (ssh) S 1 2 3").ok());  // too few fields
  EXPECT_FALSE(parse_proc_stat(stat_line("x", -5)).ok());
  std::string s = stat_line("x");
  s.replace(s.find("123456"), 6, "12a456");
  EXPECT_FALSE(parse_proc_stat(s).ok());
  EXPECT_FALSE(parse_proc_stat(")(").ok());
}

TEST(ProcessInfo, ParsesStatusUid) {
  EXPECT_EQ(parse_proc_status_uid("Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1\n").value(),
            1000u);
  EXPECT_FALSE(parse_proc_status_uid("Name:\tbash\n").ok());
  EXPECT_FALSE(parse_proc_status_uid("Uid:\t\n").ok());
  EXPECT_FALSE(parse_proc_status_uid("Uid:\t99999999999\n").ok());
}

TEST(ProcessInfo, ParsesCmdline) {
  using V = std::vector<std::string>;
  EXPECT_EQ(parse_cmdline(std::string("ssh\0-A\0host\0", 12)), (V{"ssh", "-A", "host"}));
  EXPECT_EQ(parse_cmdline(std::string("ssh\0\0x", 6)), (V{"ssh", "", "x"}));
  EXPECT_EQ(parse_cmdline("setproctitle style"), (V{"setproctitle style"}));
  EXPECT_TRUE(parse_cmdline("").empty());
  std::string many;
  for (int i = 0; i < 100; i++) many += "a" + std::string(1, '\0');
  bool truncated = false;
  EXPECT_EQ(parse_cmdline(many, &truncated).size(), kMaxCmdlineArgs);
  EXPECT_TRUE(truncated);
}

TEST(ProcessInfo, ReadsOurselvesAndOurParents) {
  auto me = read_process_info(getpid());
  ASSERT_TRUE(me.ok()) << me.error().message;
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  ASSERT_GT(n, 0);
  EXPECT_EQ(me->exe, std::string(exe, size_t(n)));
  EXPECT_EQ(me->ppid, getppid());
  EXPECT_EQ(me->uid, getuid());
  ASSERT_FALSE(me->argv.empty());
  EXPECT_GT(me->start_time, 0u);
  auto chain = read_process_chain(getpid(), 3);
  ASSERT_GE(chain.size(), 2u);
  EXPECT_EQ(chain[0].pid, getpid());
  EXPECT_EQ(chain[1].pid, getppid());
  EXPECT_LE(chain.size(), 3u);
}

TEST(ProcessInfo, AGoneProcessIsAnError) {
  pid_t child = fork();
  if (child == 0) _exit(0);
  int status = 0;
  waitpid(child, &status, 0);
  EXPECT_FALSE(read_process_info(child).ok());
  EXPECT_FALSE(read_process_info(0).ok());
  EXPECT_FALSE(read_process_info(-1).ok());
  EXPECT_TRUE(read_process_chain(child).empty());
}

// A child that waits for a byte on `go`, then runs /bin/sleep (exec) or exits.
pid_t start_child(int go, bool exec_after) {
  pid_t child = fork();
  if (child == 0) {
    char b;
    if (read(go, &b, 1) != 1) _exit(1);
    if (!exec_after) _exit(0);
    execl("/bin/sleep", "sleep", "30", static_cast<char*>(nullptr));
    _exit(127);
  }
  return child;
}

bool wait_until(const std::function<bool()>& done) {
  for (int i = 0; i < 500 && !done(); i++)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  return done();
}

// What became of a process read earlier: the same program, another one (it exec'd), or
// none (it exited), told by its pidfd and, without one, by its start time.
TEST(ProcessInfo, FateTellsExecAndExitFromRunning) {
  for (bool with_pidfd : {true, false}) {
    int go[2];
    ASSERT_EQ(pipe(go), 0);
    pid_t child = start_child(go[0], true);
    ASSERT_GT(child, 0);
    close(go[0]);
    auto then = read_process_info(child);
    ASSERT_TRUE(then.ok()) << then.error().message;
    int pidfd = with_pidfd ? int(syscall(SYS_pidfd_open, child, 0)) : -1;
    if (with_pidfd) {
      ASSERT_GE(pidfd, 0);
    }
    EXPECT_EQ(process_fate(*then, pidfd), ProcessFate::running);
    ASSERT_EQ(write(go[1], "x", 1), 1);
    close(go[1]);
    EXPECT_TRUE(wait_until([&] { return process_fate(*then, pidfd) == ProcessFate::replaced; }))
        << "exec of /bin/sleep not seen (pidfd " << with_pidfd << ")";
    kill(child, SIGKILL);
    // A zombie has exited too, before it is reaped, and so has a reaped one.
    EXPECT_TRUE(wait_until([&] { return process_fate(*then, pidfd) == ProcessFate::exited; }));
    if (with_pidfd) {
      EXPECT_TRUE(pidfd_exited(pidfd));
    }
    waitpid(child, nullptr, 0);
    EXPECT_EQ(process_fate(*then, pidfd), ProcessFate::exited);
    if (pidfd >= 0) close(pidfd);
  }
}

// The cheap look held open since a process was read: unchanged while it runs as read; not
// after an exec (of another program, or of the same one with another command line), nor once
// it has exited (a zombie, then reaped: the open files then fail rather than read another
// process under the same pid).
TEST(ProcessInfo, WatchSeesExecAndExit) {
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  pid_t child = fork();
  if (child == 0) {
    dup2(go[0], 0);
    close(go[1]);
    // dash forks sleep (the last command is ':'), so the second shell stays: same kernel
    // name and executable, another command line.
    execl("/bin/sh", "sh", "-c", "read x; exec /bin/sh -c 'sleep 30; :' second", nullptr);
    _exit(127);
  }
  ASSERT_GT(child, 0);
  close(go[0]);
  // Read once the child runs the first shell (before, it is still our fork).
  Result<ProcessInfo> then = make_error(Errc::not_found, "not read");
  ASSERT_TRUE(wait_until([&] {
    then = read_process_info(child);
    return then.ok() && then->name == "sh";
  }));
  auto w = ProcessWatch::open(*then);
  ASSERT_TRUE(w.ok()) << w.error().message;
  EXPECT_TRUE(w->unchanged(*then));
  EXPECT_TRUE(w->unchanged(*then)) << "a second look reads from the start again";
  ProcessInfo other_name = *then;
  other_name.name = "not-sh";
  EXPECT_FALSE(w->unchanged(other_name));
  // An exited process reads an empty command line; one read with none is never "unchanged".
  ProcessInfo no_argv = *then;
  no_argv.argv.clear();
  EXPECT_FALSE(w->unchanged(no_argv));
  ASSERT_EQ(write(go[1], "x\n", 2), 2);
  EXPECT_TRUE(wait_until([&] { return !w->unchanged(*then); })) << "exec not seen";
  auto now = read_process_info(child);
  ASSERT_TRUE(now.ok());
  EXPECT_EQ(now->name, then->name);
  EXPECT_NE(now->argv, then->argv);
  EXPECT_EQ(process_fate(*then, -1), ProcessFate::running) << "same executable, same name";
  auto w2 = ProcessWatch::open(*now);
  ASSERT_TRUE(w2.ok());
  EXPECT_TRUE(w2->unchanged(*now));
  kill(child, SIGKILL);
  EXPECT_TRUE(wait_until([&] { return !w2->unchanged(*now); })) << "zombie not seen";
  waitpid(child, nullptr, 0);
  EXPECT_FALSE(w2->unchanged(*now));
  // Opened for a process read at another start time (its pid reused): refused.
  ProcessInfo self = *read_process_info(getpid());
  self.start_time += 1;
  EXPECT_FALSE(ProcessWatch::open(self).ok());
  close(go[1]);
}

TEST(ProcessInfo, PeerPidfdNamesTheConnectingProcess) {
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  bool gone = true;
  int fd = peer_pidfd(sv[0], &gone);
  EXPECT_FALSE(gone);
  if (fd >= 0) {  // a kernel with SO_PEERPIDFD (6.5+)
    EXPECT_FALSE(pidfd_exited(fd));
    close(fd);
  }
  close(sv[0]);
  close(sv[1]);
  // Not a socket: no pidfd, and no claim that the peer is gone (the caller falls back).
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(peer_pidfd(p[0], &gone), -1);
  EXPECT_FALSE(gone);
  close(p[0]);
  close(p[1]);
}

}  // namespace
}  // namespace skagent
