// SPDX-License-Identifier: BSD-2-Clause
// HelperProcess against a fake helper: a forked child on the channel's other end that answers
// by the first byte of each request (echo, hang, exit, crash, oversized frame, unasked reply).
// SkHelper and Pkcs11Helper are also driven with /bin/sleep, a helper that never answers.
#include "agent/helpers/helper_process.h"

#include <fcntl.h>
#include <gtest/gtest.h>

#include <memory>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>
#include <vector>

#include "agent/helpers/pkcs11_helper_client.h"
#include "agent/helpers/sk_helper_client.h"
#include "tests/platform/run_loop.h"

namespace skagent {
namespace {

using std::chrono::milliseconds;

bool read_n(int fd, uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r, n -= size_t(r);
  }
  return true;
}

void write_n(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) _exit(1);
    p += w, n -= size_t(w);
  }
}

// The forked child: read(), write() and _exit() only, as the test process may have threads.
[[noreturn]] void fake_helper(int fd) {
  uint8_t len[4], body[256];
  for (;;) {
    if (!read_n(fd, len, 4)) _exit(0);  // the agent closed the channel
    const uint32_t n = uint32_t(len[0]) << 24 | uint32_t(len[1]) << 16 | len[2] << 8 | len[3];
    if (n == 0 || n > sizeof body || !read_n(fd, body, n)) _exit(1);
    switch (body[0]) {
      case 'e':  // echo
        write_n(fd, len, 4), write_n(fd, body, n);
        break;
      case 'u':  // echo twice: a reply nobody asked for
        for (int i = 0; i < 2; i++) write_n(fd, len, 4), write_n(fd, body, n);
        break;
      case 'o': {  // a frame longer than the agent takes
        const uint8_t huge[4] = {0x7f, 0xff, 0xff, 0xff};
        write_n(fd, huge, 4);
        break;
      }
      case 'x':  // exits mid-request
        _exit(0);
      case 'c':  // crashes mid-request
        signal(SIGTERM, SIG_DFL);
        kill(getpid(), SIGTERM);
        _exit(1);
      default:  // 'h': hangs, answering nothing more, until the agent closes the channel
        while (read(fd, body, sizeof body) > 0) {}
        _exit(0);
    }
  }
}

// Starts fake helpers; at the end, ends and reaps whichever the loop has not reaped.
struct FakeHelpers {
  std::vector<pid_t> pids;
  ~FakeHelpers() {
    for (pid_t pid : pids) {
      int status = 0;
      if (waitpid(pid, &status, WNOHANG) != 0) continue;  // reaped now, or by the loop before
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
    }
  }
  HelperProcess::Spawn spawn() {
    return [this]() -> Result<HelperChannel> {
      int sv[2];
      if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0)
        return make_error(Errc::io, "socketpair");
      pid_t pid = fork();
      if (pid == 0) {
        close(sv[0]);
        fake_helper(sv[1]);
      }
      close(sv[1]);
      if (pid < 0) {
        close(sv[0]);
        return make_error(Errc::io, "fork");
      }
      fcntl(sv[0], F_SETFL, O_NONBLOCK);
      pids.push_back(pid);
      return HelperChannel{pid, sv[0]};
    };
  }
};

void run_for(EventLoop& loop, milliseconds how_long) {
  loop.after(how_long, [&] { loop.stop(); });
  loop.run();
}

Bytes text(const std::string& s) { return Bytes(s.begin(), s.end()); }

std::string text(const Bytes& b) { return std::string(b.begin(), b.end()); }

bool gone(pid_t pid) { return kill(pid, 0) != 0 && errno == ESRCH; }

class HelperProcessTest : public ::testing::Test {
 protected:
  std::unique_ptr<HelperProcess> make(bool restart, milliseconds grace = milliseconds(0)) {
    return std::make_unique<HelperProcess>(
        loop_, log_,
        HelperProcess::Options{
            .name = "fake helper", .max_frame = 1024, .restart = restart, .stop_grace = grace},
        fakes_.spawn(), [this](const std::string& why) { failures_.push_back(why); });
  }

  std::unique_ptr<EventLoop> loop_owner_ = EventLoop::create().value();
  EventLoop& loop_ = *loop_owner_;
  Logger log_;
  FakeHelpers fakes_;
  std::vector<std::string> failures_;
};

TEST_F(HelperProcessTest, RepliesComeBackInOrderFromTheLoop) {
  auto hp = make(true);
  std::vector<std::string> got;
  for (std::string s : {"e1", "e2", "e3"}) {
    hp->call(text(s), milliseconds(5000), [&](Result<Bytes> r) {
      got.push_back(r ? text(*r) : "error: " + r.error().message);
      if (got.size() == 3) loop_.stop();
    });
  }
  EXPECT_TRUE(got.empty()) << "a callback ran inside call()";
  ASSERT_TRUE(run_with_watchdog(loop_));
  EXPECT_EQ(got, (std::vector<std::string>{"e1", "e2", "e3"}));
  EXPECT_EQ(fakes_.pids.size(), 1u) << "pipelined requests share one helper";
  EXPECT_TRUE(hp->running());
  EXPECT_TRUE(failures_.empty());
}

// Each request's own deadline runs while it is the oldest: a quick one answered in time does
// not shorten the next one's, and a hung helper is killed with all it held.
TEST_F(HelperProcessTest, ADeadlineKillsAHungHelperAndFailsWhatItHeld) {
  auto hp = make(true);
  std::vector<std::string> got;
  auto note = [&](Result<Bytes> r) {
    got.push_back(r ? text(*r) : r.error().message);
    if (got.size() == 3) loop_.stop();
  };
  const auto start = EventLoop::Clock::now();
  hp->call(text("e-quick"), milliseconds(100), note);
  hp->call(text("h"), milliseconds(400), note);
  hp->call(text("e-behind"), milliseconds(60000), note);
  ASSERT_TRUE(run_with_watchdog(loop_));
  EXPECT_GE(EventLoop::Clock::now() - start, milliseconds(400));
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[0], "e-quick");
  EXPECT_EQ(got[1], "fake helper: no answer in 400 ms; helper killed");
  EXPECT_EQ(got[2], got[1]);
  EXPECT_FALSE(hp->running());
  run_for(loop_, milliseconds(200));  // the loop reaps it
  ASSERT_EQ(fakes_.pids.size(), 1u);
  EXPECT_TRUE(gone(fakes_.pids[0])) << "the hung helper still runs";
  EXPECT_EQ(failures_, (std::vector<std::string>{"no answer in 400 ms; helper killed"}));
}

// A helper that dies holding a request fails it (from the loop); a helper that restarts is
// started afresh by the next request, here made from inside the failed one's callback.
TEST_F(HelperProcessTest, AHelperDyingMidRequestFailsItAndTheNextRequestRestartsIt) {
  auto hp = make(true);
  std::string first, second;
  bool in_call = false;
  hp->call(text("x"), milliseconds(5000), [&](Result<Bytes> r) {
    EXPECT_FALSE(in_call);
    first = r ? text(*r) : r.error().message;
    hp->call(text("e-again"), milliseconds(5000), [&](Result<Bytes> r2) {
      second = r2 ? text(*r2) : r2.error().message;
      loop_.stop();
    });
  });
  ASSERT_TRUE(run_with_watchdog(loop_));
  EXPECT_EQ(first, "fake helper: helper exited");
  EXPECT_EQ(second, "e-again");
  EXPECT_EQ(fakes_.pids.size(), 2u);
  EXPECT_EQ(failures_, (std::vector<std::string>{"helper exited"}));
}

// Without restart (PKCS#11: a new helper would need the PIN again) an ended helper stays ended.
TEST_F(HelperProcessTest, WithoutRestartAnEndedHelperFailsLaterRequests) {
  auto hp = make(false);
  std::vector<std::string> got;
  auto note = [&](Result<Bytes> r) {
    got.push_back(r ? text(*r) : r.error().message);
    loop_.stop();
  };
  hp->call(text("c"), milliseconds(5000), note);
  ASSERT_TRUE(run_with_watchdog(loop_));
  hp->call(text("e"), milliseconds(5000), note);
  EXPECT_EQ(got.size(), 1u) << "the refusal ran inside call()";
  ASSERT_TRUE(run_with_watchdog(loop_));
  EXPECT_EQ(got,
            (std::vector<std::string>{"fake helper: helper exited", "fake helper is not running"}));
  EXPECT_EQ(fakes_.pids.size(), 1u);
}

TEST_F(HelperProcessTest, BrokenFramingKillsTheHelper) {
  for (std::string req : {"o", "u"}) {
    auto hp = make(false);
    std::string got;
    hp->call(text(req), milliseconds(5000), [&](Result<Bytes> r) {
      got = r ? text(*r) : r.error().message;
      loop_.stop();
    });
    ASSERT_TRUE(run_with_watchdog(loop_)) << req;
    run_for(loop_, milliseconds(200));  // the failure report; the reaping
    // "u" is answered once, as asked; its second answer is the violation.
    const std::string why = req == "o" ? "helper sent an oversized frame" : "protocol violation";
    EXPECT_EQ(got, req == "o" ? "fake helper: " + why : "u");
    ASSERT_FALSE(failures_.empty());
    EXPECT_EQ(failures_.back(), why);
    EXPECT_FALSE(hp->running());
    EXPECT_TRUE(gone(fakes_.pids.back())) << req;
  }
}

// stop() fails what waits (from the loop) without calling it a failure; with a grace the helper
// is only asked, by the closed channel, and the fake one then exits by itself.
TEST_F(HelperProcessTest, StopFailsWhatWaitsFromTheLoop) {
  auto hp = make(false, milliseconds(2000));
  std::string got;
  hp->call(text("h"), milliseconds(5000), [&](Result<Bytes> r) {
    got = r ? text(*r) : r.error().message;
    loop_.stop();
  });
  hp->stop("asked to");
  EXPECT_TRUE(got.empty()) << "the callback ran inside stop()";
  ASSERT_TRUE(run_with_watchdog(loop_));
  EXPECT_EQ(got, "fake helper: asked to");
  EXPECT_TRUE(failures_.empty());
  run_for(loop_, milliseconds(300));  // far less than the grace: it left on its own
  EXPECT_TRUE(gone(fakes_.pids[0]));
}

// The liveness guard: once the object is gone, neither a request still waiting nor a callback
// wrapped by guard() runs, not even past the request's deadline.
TEST_F(HelperProcessTest, NothingRunsForADestroyedHelperProcess) {
  auto hp = make(true);
  bool replied = false, guarded = false;
  hp->call(text("h"), milliseconds(100), [&](Result<Bytes>) { replied = true; });
  loop_.after(milliseconds(50), hp->guard([&] { guarded = true; }));
  hp.reset();
  run_for(loop_, milliseconds(400));
  EXPECT_FALSE(replied);
  EXPECT_FALSE(guarded);
  EXPECT_TRUE(failures_.empty());
  EXPECT_TRUE(gone(fakes_.pids[0])) << "a helper without grace outlived its client";
}

// The old SkHelper ran callbacks inside the call (a helper that cannot start) and, when
// destroyed, called what still waited from its destructor.
TEST(SkHelperClient, CallbacksComeFromTheLoopNotFromTheCall) {
  auto loop_owner = EventLoop::create().value();
  EventLoop& loop = *loop_owner;
  Logger log;
  SkHelper sk(loop, log, "/nonexistent/skagent-sk-helper", "provider");
  std::string got;
  sk.sign(SkSignRequest{}, [&](Result<SkSignResult> r) {
    got = r ? "signed" : r.error().message;
    loop.stop();
  });
  EXPECT_TRUE(got.empty()) << "the callback ran inside sign()";
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_NE(got.find("/nonexistent/skagent-sk-helper"), std::string::npos) << got;
}

TEST(SkHelperClient, DestroyedWithASignatureWaitingItCallsNothing) {
  auto loop_owner = EventLoop::create().value();
  EventLoop& loop = *loop_owner;
  Logger log;
  bool called = false;
  {
    SkHelper sk(loop, log, "/bin/sleep", "30");  // never answers
    sk.sign(SkSignRequest{}, [&](Result<SkSignResult>) { called = true; });
  }
  run_for(loop, milliseconds(100));
  EXPECT_FALSE(called);
}

// The PKCS#11 client keeps its deadlines, its report of the death, and no restart.
TEST(Pkcs11HelperClient, AHungLoadIsKilledAtItsDeadlineAndReported) {
  auto loop_owner = EventLoop::create().value();
  EventLoop& loop = *loop_owner;
  Logger log;
  std::vector<std::string> events;
  Pkcs11Helper::Timeouts t;
  t.load = milliseconds(300);
  Pkcs11Helper p(loop, log, "/bin/sleep", "30", t,
                 [&](const std::string& why) { events.push_back("death: " + why), loop.stop(); });
  p.load(ByteView(), [&](Result<pkcs11::LoadReply> r) {
    events.push_back(r ? "loaded" : "load: " + r.error().message);
  });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(events, (std::vector<std::string>{
                        "load: pkcs11 helper for 30: no answer in 300 ms; helper killed",
                        "death: no answer in 300 ms; helper killed"}));
  EXPECT_FALSE(p.running());
  p.sign(ByteView(), ByteView(), 0, [&](Result<Bytes> r) {
    events.push_back(r ? "signed" : "sign: " + r.error().message);
    loop.stop();
  });
  ASSERT_TRUE(run_with_watchdog(loop));
  EXPECT_EQ(events.back(), "sign: pkcs11 helper for 30 is not running");
}

}  // namespace
}  // namespace skagent
