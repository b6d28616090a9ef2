// SPDX-License-Identifier: BSD-2-Clause
// /proc readers: the parsers on awkward and hostile text, and the real thing on ourselves.
#include <gtest/gtest.h>
#include <limits.h>
#include <sys/wait.h>
#include <unistd.h>

#include "platform/process_info.h"

namespace skagent {
namespace {

std::string stat_line(const std::string& comm, int ppid = 77, uint64_t start = 123456) {
  std::string s = "4242 (" + comm + ") S " + std::to_string(ppid) + " 4242 4242 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 " +
                  std::to_string(start) + " 1000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 0 0 0 0 0 0\n";
  return s;
}

TEST(ProcessInfo, ParsesStatWithAwkwardNames) {
  auto st = parse_proc_stat(stat_line("ssh"));
  ASSERT_TRUE(st.ok()) << st.error().message;
  EXPECT_EQ(st->name, "ssh");
  EXPECT_EQ(st->ppid, 77);
  EXPECT_EQ(st->start_time, 123456u);
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
  EXPECT_EQ(parse_proc_status_uid("Name:\tbash\nUid:\t1000\t1000\t1000\t1000\nGid:\t1\n").value(), 1000u);
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

}  // namespace
}  // namespace skagent
