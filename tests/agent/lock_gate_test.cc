// SPDX-License-Identifier: BSD-2-Clause
// The agent's lock as an object of its own: UNLOCK attempts wait in one queue and are answered
// in arrival order, each after the delay the failures before it earned.
#include "agent/keys/lock_gate.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string_view>
#include <vector>

#include "agent/protocol/messages.h"

namespace skagent {
namespace {

using std::chrono::milliseconds;

Bytes pw(std::string_view s) { return to_bytes(view(s)); }

struct Gate {
  std::unique_ptr<EventLoop> loop = EventLoop::create().value();
  Logger log;
  LockGate gate{*loop, log, milliseconds(60)};
  std::shared_ptr<Connection> conn = std::make_shared<Connection>();
  std::vector<uint8_t> answers;
  Gate() {
    log.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    conn->fd = 0;  // open, as far as the gate can tell
  }
  ReplyFn record(bool last = false) {
    return [this, last](Bytes m) {
      answers.push_back(m.empty() ? 0 : m[0]);
      if (last) loop->stop();
    };
  }
};

TEST(LockGate, AttemptsAreAnsweredInOrderAfterTheEarnedDelay) {
  Gate g;
  ASSERT_TRUE(g.gate.lock(pw("right")).ok());
  EXPECT_TRUE(g.gate.locked());
  const auto start = std::chrono::steady_clock::now();
  g.gate.unlock(g.conn, pw("wrong"), g.record());
  g.gate.unlock(g.conn, pw("right"), g.record(true));
  // The first is answered at once; the second waits for the delay the first earned.
  EXPECT_EQ(g.answers, std::vector<uint8_t>{msg::kFailure});
  EXPECT_TRUE(g.gate.locked());
  uint64_t watchdog = g.loop->after(milliseconds(5000), [&] { g.loop->stop(); });
  g.loop->run();
  g.loop->cancel_timer(watchdog);
  EXPECT_EQ(g.answers, (std::vector<uint8_t>{msg::kFailure, msg::kSuccess}));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(60));
  EXPECT_FALSE(g.gate.locked());
}

TEST(LockGate, AttemptOfAClosedConnectionIsDropped) {
  Gate g;
  ASSERT_TRUE(g.gate.lock(pw("right")).ok());
  g.conn->fd = -1;  // the guesser left
  g.gate.unlock(g.conn, pw("right"), g.record());
  EXPECT_TRUE(g.answers.empty());
  EXPECT_TRUE(g.gate.locked()) << "an attempt nobody waits for must not unlock";
}

}  // namespace
}  // namespace skagent
