// SPDX-License-Identifier: BSD-2-Clause
#include "platform/event_loop.h"

#include <dirent.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <csignal>
#include <thread>
#include <vector>

#include "platform/process.h"
#include "tests/platform/run_loop.h"

namespace skagent {
namespace {

using std::chrono::milliseconds;

int open_fd_count() {
  int n = 0;
  DIR* d = opendir("/proc/self/fd");
  if (d == nullptr) return -1;
  while (readdir(d) != nullptr) n++;
  closedir(d);
  return n;
}

TEST(EventLoop, TimersFireInDeadlineOrder) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  std::vector<int> order;
  loop.after(milliseconds(30), [&] { order.push_back(3); });
  loop.after(milliseconds(10), [&] { order.push_back(1); });
  loop.after(milliseconds(0), [&] { order.push_back(0); });
  loop.after(milliseconds(20), [&] { order.push_back(2); });
  loop.after(milliseconds(40), [&] { loop.stop(); });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(order, (std::vector<int>{0, 1, 2, 3}));
}

TEST(EventLoop, TimerDoesNotFireEarly) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  auto start = EventLoop::Clock::now();
  EventLoop::Clock::time_point fired;
  loop.after(milliseconds(50), [&] {
    fired = EventLoop::Clock::now();
    loop.stop();
  });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_GE(fired - start, milliseconds(50));
}

TEST(EventLoop, TimerIdsAreDistinct) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  uint64_t a = loop.after(milliseconds(10), [] {});
  uint64_t b = loop.after(milliseconds(10), [] {});
  EXPECT_NE(a, b);
}

TEST(EventLoop, CancelTimer) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  std::vector<int> order;
  loop.after(milliseconds(10), [&] { order.push_back(1); });
  uint64_t doomed = loop.after(milliseconds(20), [&] { order.push_back(2); });
  loop.after(milliseconds(30), [&] { order.push_back(3); });
  loop.after(milliseconds(40), [&] { loop.stop(); });
  loop.cancel_timer(doomed);
  loop.cancel_timer(doomed);     // twice is harmless
  loop.cancel_timer(123456789);  // unknown id is harmless
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(order, (std::vector<int>{1, 3}));
}

TEST(EventLoop, CancelFromInsideAnotherTimer) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  bool second_ran = false;
  uint64_t second = 0;
  loop.after(milliseconds(10), [&] { loop.cancel_timer(second); });
  second = loop.after(milliseconds(11), [&] { second_ran = true; });
  loop.after(milliseconds(30), [&] { loop.stop(); });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_FALSE(second_ran);
}

TEST(EventLoop, CancelOneOfTwoTimersWithSameDeadline) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  // Schedule in a tight loop; some pairs share a deadline in the multimap.
  std::vector<uint64_t> ids;
  std::vector<int> ran(50, 0);
  for (int i = 0; i < 50; i++) ids.push_back(loop.after(milliseconds(5), [&ran, i] { ran[i]++; }));
  for (int i = 0; i < 50; i += 2) loop.cancel_timer(ids[i]);
  loop.after(milliseconds(30), [&] { loop.stop(); });
  ASSERT_TRUE(run_with_watchdog(loop));
  for (int i = 0; i < 50; i++) EXPECT_EQ(ran[i], i % 2) << i;
}

TEST(EventLoop, PostFromAnotherThreadRunsOnLoopThread) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  std::thread::id ran_on;
  std::atomic<int> runs{0};
  std::thread t([&] {
    loop.post([&] {
      ran_on = std::this_thread::get_id();
      runs++;
      loop.stop();
    });
  });
  ASSERT_TRUE(run_with_watchdog(loop));
  t.join();
  EXPECT_EQ(runs.load(), 1);
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(EventLoop, ManyPostsFromSeveralThreadsAllRun) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  int count = 0;  // touched only on the loop thread
  constexpr int kThreads = 4, kEach = 500;
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; i++) {
    threads.emplace_back([&] {
      for (int j = 0; j < kEach; j++) {
        loop.post([&] {
          if (++count == kThreads * kEach) loop.stop();
        });
      }
    });
  }
  bool ok = run_with_watchdog(loop);
  for (auto& t : threads) t.join();
  ASSERT_TRUE(ok);
  EXPECT_EQ(count, kThreads * kEach);
}

TEST(EventLoop, PostBeforeRunIsDelivered) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  bool ran = false;
  loop.post([&] {
    ran = true;
    loop.stop();
  });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_TRUE(ran);
}

class PipeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_EQ(pipe2(fds_, O_NONBLOCK | O_CLOEXEC), 0); }
  void TearDown() override {
    for (int fd : fds_) {
      if (fd >= 0) close(fd);
    }
  }
  int fds_[2] = {-1, -1};
};

TEST_F(PipeTest, WatchReadableEnd) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  std::vector<uint32_t> events;
  char got = 0;
  loop.watch(fds_[0], EventLoop::kRead, [&](uint32_t ev) {
    events.push_back(ev);
    ASSERT_EQ(read(fds_[0], &got, 1), 1);
    loop.unwatch(fds_[0]);
    loop.stop();
  });
  loop.after(milliseconds(10), [&] { ASSERT_EQ(write(fds_[1], "z", 1), 1); });
  ASSERT_TRUE(run_with_watchdog(loop));
  ASSERT_EQ(events.size(), 1u);
  EXPECT_TRUE(events[0] & EventLoop::kRead);
  EXPECT_FALSE(events[0] & EventLoop::kError);
  EXPECT_EQ(got, 'z');
}

TEST_F(PipeTest, UnwatchedFdIsNotReported) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  int calls = 0;
  loop.watch(fds_[0], EventLoop::kRead, [&](uint32_t) { calls++; });
  loop.unwatch(fds_[0]);
  loop.unwatch(fds_[0]);  // twice is harmless
  ASSERT_EQ(write(fds_[1], "z", 1), 1);
  loop.after(milliseconds(50), [&] { loop.stop(); });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(calls, 0);
}

TEST_F(PipeTest, ClosedWriterReportsReadable) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  uint32_t seen = 0;
  loop.watch(fds_[0], EventLoop::kRead, [&](uint32_t ev) {
    seen = ev;
    loop.unwatch(fds_[0]);
    loop.stop();
  });
  close(fds_[1]);
  fds_[1] = -1;
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_TRUE(seen & EventLoop::kRead);
}

TEST_F(PipeTest, WriteInterestAndSetInterest) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  int writable = 0;
  loop.watch(fds_[1], EventLoop::kWrite, [&](uint32_t ev) {
    EXPECT_TRUE(ev & EventLoop::kWrite);
    writable++;
    loop.set_interest(fds_[1], 0);  // stop asking: no more callbacks
  });
  loop.after(milliseconds(50), [&] { loop.stop(); });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(writable, 1);
  loop.unwatch(fds_[1]);
}

TEST_F(PipeTest, RewatchReplacesCallback) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  int first = 0, second = 0;
  loop.watch(fds_[0], EventLoop::kRead, [&](uint32_t) { first++; });
  loop.watch(fds_[0], EventLoop::kRead, [&](uint32_t) {
    second++;
    char c;
    ASSERT_EQ(read(fds_[0], &c, 1), 1);
    loop.stop();
  });
  ASSERT_EQ(write(fds_[1], "z", 1), 1);
  ASSERT_TRUE(run_with_watchdog(loop));
  loop.unwatch(fds_[0]);
  EXPECT_EQ(first, 0);
  EXPECT_EQ(second, 1);
}

// How a child running `sh -c script` ended, as a loop reported it: its pid, its wait status,
// and how many reports there were.
struct ChildEnd {
  pid_t pid = -1;
  int status = -1;
  int reports = 0;
};
ChildEnd run_child(const char* script) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  SpawnOptions opts;
  opts.argv = {"sh", "-c", script};
  auto pid = spawn_process(opts);
  EXPECT_TRUE(pid.ok()) << pid.error().message;
  if (!pid.ok()) return {};
  ChildEnd end{*pid};
  loop.on_child_exit(*pid, [&](int st) {
    end.status = st;
    end.reports++;
    loop.stop();
  });
  EXPECT_TRUE(run_with_watchdog(loop));
  return end;
}

TEST(EventLoop, ChildExitStatus) {
  ChildEnd end = run_child("exit 3");
  ASSERT_GT(end.pid, 0);
  EXPECT_EQ(end.reports, 1);
  ASSERT_TRUE(WIFEXITED(end.status)) << end.status;
  EXPECT_EQ(WEXITSTATUS(end.status), 3);
  EXPECT_EQ(waitpid(end.pid, nullptr, WNOHANG), -1);  // already reaped
}

TEST(EventLoop, ChildKilledBySignal) {
  ChildEnd end = run_child("kill -TERM $$");
  ASSERT_TRUE(WIFSIGNALED(end.status)) << end.status;
  EXPECT_EQ(WTERMSIG(end.status), SIGTERM);
}

TEST(EventLoop, SignalRaisedIsDelivered) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  std::vector<int> got;
  ASSERT_TRUE(loop.on_signals({SIGUSR2},
                              [&](int sig) {
                                got.push_back(sig);
                                loop.stop();
                              })
                  .ok());
  ASSERT_EQ(raise(SIGUSR2), 0);
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(got, (std::vector<int>{SIGUSR2}));
}

TEST(EventLoop, SignalFromKillIsDelivered) {
  auto owned = EventLoop::create().value();
  EventLoop& loop = *owned;
  std::vector<int> got;
  // The second signal is sent only once the first has arrived, so the order
  // does not depend on how fast the loop runs.
  ASSERT_TRUE(loop.on_signals({SIGUSR2, SIGWINCH},
                              [&](int sig) {
                                got.push_back(sig);
                                if (sig == SIGWINCH) {
                                  ASSERT_EQ(kill(getpid(), SIGUSR2), 0);
                                }
                                if (got.size() == 2) loop.stop();
                              })
                  .ok());
  loop.after(milliseconds(10), [] { ASSERT_EQ(kill(getpid(), SIGWINCH), 0); });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(got, (std::vector<int>{SIGWINCH, SIGUSR2}));
}

// The loop owns the signalfd it creates; destroying the loop must close it.
TEST(EventLoop, DestructorReleasesSignalFd) {
  int before = open_fd_count();
  ASSERT_GT(before, 0);
  {
    auto owned = EventLoop::create().value();
    EventLoop& loop = *owned;
    ASSERT_TRUE(loop.on_signals({SIGUSR2}, [](int) {}).ok());
  }
  EXPECT_EQ(open_fd_count(), before);
}

TEST(EventLoop, DestructorReleasesItsOwnFds) {
  int before = open_fd_count();
  ASSERT_GT(before, 0);
  { auto owned = EventLoop::create().value(); }
  EXPECT_EQ(open_fd_count(), before);
}

// With no file descriptor left, creating a loop or a signal watch is an error returned,
// not an exception that ends the program. Run in a child: the limit is not the test's.
int in_child_without_fds(int (*body)()) {
  pid_t pid = fork();
  if (pid == 0) {
    struct rlimit none = {0, 0};  // 0, 1 and 2 stay open; no new descriptor can be had
    if (setrlimit(RLIMIT_NOFILE, &none) != 0) _exit(90);
    _exit(body());
  }
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

TEST(EventLoop, CreateWithoutFdsIsAnError) {
  EXPECT_EQ(in_child_without_fds([] {
              auto loop = EventLoop::create();
              return !loop.ok() && loop.error().code == Errc::io ? 0 : 1;
            }),
            0);
}

TEST(EventLoop, SignalWatchWithoutFdsIsAnError) {
  pid_t pid = fork();
  if (pid == 0) {
    auto loop = EventLoop::create();
    if (!loop) _exit(2);
    while (dup(0) >= 0) {  // use up every descriptor left
    }
    _exit((*loop)->on_signals({SIGUSR2}, [](int) {}).ok() ? 1 : 0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status)) << status;
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace skagent
