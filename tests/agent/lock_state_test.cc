// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/lock_state.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace skagent {
namespace {

using std::chrono::milliseconds;

ByteView pw(std::string_view s) { return view(s); }

// Delay until the next attempt, measured right after a failed unlock.
milliseconds delay_after_failure(LockState& l) {
  auto s = l.unlock(pw("wrong"));
  EXPECT_FALSE(s.ok());
  return std::chrono::duration_cast<milliseconds>(l.next_attempt() - LockState::Clock::now());
}

// A request the lock state refuses: an error, and the error says denied.
::testing::AssertionResult denied(const Status& s) {
  if (s.ok()) return ::testing::AssertionFailure() << "not refused";
  if (s.error().code != Errc::denied)
    return ::testing::AssertionFailure() << "refused, but not as denied: " << s.error().message;
  return ::testing::AssertionSuccess();
}

// The salt and bcrypt-pbkdf hash are an offline brute-force target: an unlock releases (and so
// wipes) their buffers rather than emptying them.
TEST(LockState, UnlockLetsGoOfTheSaltAndHash) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  EXPECT_GE(l.held_bytes(), 48u);
  EXPECT_FALSE(l.unlock(pw("wrong")).ok());
  EXPECT_GE(l.held_bytes(), 48u);
  ASSERT_TRUE(l.unlock(pw("secret")).ok());
  EXPECT_EQ(l.held_bytes(), 0u);
}

TEST(LockState, LockThenUnlock) {
  LockState l;
  EXPECT_FALSE(l.locked());
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  EXPECT_TRUE(l.locked());
  auto s = l.unlock(pw("secret"));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_FALSE(l.locked());
}

TEST(LockState, WrongPasswordKeepsLocked) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  for (const char* bad : {"Secret", "secret ", "secre", "secretsecret"}) {
    ASSERT_TRUE(denied(l.unlock(pw(bad)))) << bad;
    EXPECT_TRUE(l.locked());
  }
  EXPECT_FALSE(l.unlock(pw("")).ok());
  EXPECT_TRUE(l.locked());
  EXPECT_TRUE(l.unlock(pw("secret")).ok());
}

TEST(LockState, EmptyPasswordRefused) {
  LockState l;
  ASSERT_TRUE(denied(l.lock(pw(""))));
  EXPECT_FALSE(l.locked());
}

TEST(LockState, BinaryPassword) {
  LockState l;
  std::string p("a\0b", 3);
  ASSERT_TRUE(l.lock(view(p)).ok());
  EXPECT_FALSE(l.unlock(pw("a")).ok());
  EXPECT_TRUE(l.unlock(view(p)).ok());
}

TEST(LockState, DoubleLockRefusedAndKeepsFirstPassword) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("first")).ok());
  ASSERT_TRUE(denied(l.lock(pw("second"))));
  EXPECT_TRUE(l.locked());
  EXPECT_FALSE(l.unlock(pw("second")).ok());
  EXPECT_TRUE(l.unlock(pw("first")).ok());
}

TEST(LockState, UnlockWhenUnlockedRefused) {
  LockState l;
  ASSERT_TRUE(denied(l.unlock(pw("anything"))));
  EXPECT_FALSE(l.locked());
  // ...and it is not counted as a failed guess.
  ASSERT_TRUE(l.lock(pw("p")).ok());
  EXPECT_LE(delay_after_failure(l), milliseconds(100));
}

TEST(LockState, RelockUsesNewPassword) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("one")).ok());
  ASSERT_TRUE(l.unlock(pw("one")).ok());
  ASSERT_TRUE(l.lock(pw("two")).ok());
  EXPECT_FALSE(l.unlock(pw("one")).ok());
  EXPECT_TRUE(l.unlock(pw("two")).ok());
}

TEST(LockState, FailureDelayGrowsBy100msAndCapsAt10s) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  for (int i = 1; i <= 105; i++) {
    milliseconds d = delay_after_failure(l);
    int expect_ms = 100 * std::min(i, 100);
    EXPECT_LE(d.count(), expect_ms) << "failure " << i;
    EXPECT_GT(d.count(), expect_ms - 500) << "failure " << i;
  }
  // The 106th failure is still capped at 10 s.
  auto s = l.unlock(pw("wrong"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("10.0 seconds"), std::string::npos) << s.error().message;
  auto d = l.next_attempt() - LockState::Clock::now();
  EXPECT_LE(d, std::chrono::seconds(10));
  EXPECT_GT(d, std::chrono::milliseconds(9500));
  EXPECT_TRUE(l.locked());
}

TEST(LockState, FailureMessageStatesDelay) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  auto s = l.unlock(pw("x"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("0.1 seconds"), std::string::npos) << s.error().message;
  s = l.unlock(pw("x"));
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("0.2 seconds"), std::string::npos) << s.error().message;
}

TEST(LockState, SuccessResetsFailureCount) {
  LockState l;
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  for (int i = 0; i < 5; i++) EXPECT_FALSE(l.unlock(pw("wrong")).ok());
  EXPECT_GT(l.next_attempt() - LockState::Clock::now(), milliseconds(100));
  ASSERT_TRUE(l.unlock(pw("secret")).ok());
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  milliseconds d = delay_after_failure(l);
  EXPECT_LE(d.count(), 100);
  EXPECT_GT(d.count(), 0);
}

TEST(LockState, StepSetsTheDelayPerFailureAndItsCap) {
  LockState l(std::chrono::milliseconds(2));
  ASSERT_TRUE(l.lock(pw("secret")).ok());
  for (int i = 0; i < 150; i++) EXPECT_FALSE(l.unlock(pw("wrong")).ok());
  // 100 failures at most count: 100 x 2 ms.
  milliseconds d = delay_after_failure(l);
  EXPECT_LE(d.count(), 200);
  EXPECT_GT(d.count(), 150);
}

}  // namespace
}  // namespace skagent
