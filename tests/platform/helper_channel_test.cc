// SPDX-License-Identifier: BSD-2-Clause
#include "platform/helper_channel.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <thread>

namespace skagent {
namespace {

Bytes bytes_of(std::string_view s) { return to_bytes(view(s)); }

// The agent's end (non-blocking) and the helper's end (blocking) of a channel.
struct Channel {
  int agent = -1, helper = -1;
  Channel() {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) abort();
    agent = sv[0];
    helper = sv[1];
    fcntl(agent, F_SETFL, O_NONBLOCK);
  }
  ~Channel() {
    if (agent >= 0) close(agent);
    if (helper >= 0) close(helper);
  }
  void close_helper() {
    close(helper);
    helper = -1;
  }
};

TEST(HelperChannel, FramePrefixesLength) {
  EXPECT_EQ(helper_frame(bytes_of("abc")), (Bytes{0, 0, 0, 3, 'a', 'b', 'c'}));
  EXPECT_EQ(helper_frame({}), (Bytes{0, 0, 0, 0}));
}

// What a stream does with its buffers after a write or a read: the bytes
// erase() moved away from, and clear() left, are zero.
TEST(HelperChannel, WipeSpareZeroesWhatEraseLeavesBehind) {
  Bytes b = helper_frame(bytes_of("PIN 123456 and more bytes"));
  const uint8_t* p = b.data();
  const size_t cap = b.capacity();
  b.erase(b.begin(), b.begin() + 5);
  wipe_spare(b);
  ASSERT_EQ(b.data(), p);
  for (size_t i = b.size(); i < cap; i++) ASSERT_EQ(p[i], 0) << i;
  b.clear();
  wipe_spare(b);
  for (size_t i = 0; i < cap; i++) ASSERT_EQ(p[i], 0) << i;
}

TEST(HelperChannel, QueuedFramesReachTheHelperInOrder) {
  Channel c;
  HelperStream s(1024);
  s.queue(bytes_of("first"));
  s.queue({});
  s.queue(bytes_of("third"));
  ASSERT_TRUE(s.writing());
  ASSERT_TRUE(s.flush(c.agent));
  EXPECT_FALSE(s.writing());
  Bytes body;
  for (std::string_view want : {"first", "", "third"}) {
    ASSERT_EQ(read_frame(c.helper, 1024, body), FrameRead::ok);
    EXPECT_EQ(as_string(body), want);
  }
}

TEST(HelperChannel, AFrameArrivingByteByByteIsWholeOnlyAtTheEnd) {
  Channel c;
  HelperStream s(1024);
  Bytes f = helper_frame(bytes_of("reply"));
  for (size_t i = 0; i < f.size(); i++) {
    auto none = s.next();
    ASSERT_TRUE(none.ok());
    ASSERT_FALSE(none->has_value()) << i;
    ASSERT_EQ(write(c.helper, &f[i], 1), 1);
    ASSERT_TRUE(s.fill(c.agent));
  }
  auto got = s.next();
  ASSERT_TRUE(got.ok());
  ASSERT_TRUE(got->has_value());
  EXPECT_EQ(as_string(**got), "reply");
  EXPECT_FALSE(s.next()->has_value());
}

TEST(HelperChannel, TwoFramesInOneReadAreTwoFrames) {
  Channel c;
  HelperStream s(1024);
  ASSERT_TRUE(write_frame(c.helper, bytes_of("one")));
  ASSERT_TRUE(write_frame(c.helper, bytes_of("two")));
  ASSERT_TRUE(s.fill(c.agent));
  EXPECT_EQ(as_string(**s.next()), "one");
  EXPECT_EQ(as_string(**s.next()), "two");
  EXPECT_FALSE(s.next()->has_value());
}

TEST(HelperChannel, ALengthOverTheLimitIsAnError) {
  Channel c;
  HelperStream s(16);
  ASSERT_TRUE(write_all(c.helper, Bytes{0, 0, 0, 17}));
  ASSERT_TRUE(s.fill(c.agent));
  auto r = s.next();
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::malformed);
}

TEST(HelperChannel, HangUpEndsTheStreamButKeepsWhatArrived) {
  Channel c;
  HelperStream s(1024);
  ASSERT_TRUE(write_frame(c.helper, bytes_of("last words")));
  c.close_helper();
  EXPECT_FALSE(s.fill(c.agent));
  EXPECT_EQ(as_string(**s.next()), "last words");
}

// A helper that floods the channel cannot make the agent buffer more than a
// frame's worth past what it has taken; the rest stays in the socket.
TEST(HelperChannel, ReadingStopsAFrameBeyondWhatIsBuffered) {
  Channel c;
  HelperStream s(64);
  int size = 1 << 20;
  setsockopt(c.helper, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
  Bytes flood(200000, 0);  // frames of length 0: four bytes each
  ASSERT_TRUE(write_all(c.helper, flood));
  ASSERT_TRUE(s.fill(c.agent));
  size_t frames = 0;
  while (auto f = s.next()) {
    if (!f->has_value()) break;
    frames++;
  }
  EXPECT_GT(frames, 0u);
  EXPECT_LE(frames * 4, 64u + 4 + 16384);  // one read past the bound at most
  uint8_t probe;
  EXPECT_EQ(recv(c.agent, &probe, 1, MSG_PEEK), 1);  // the rest is still waiting
}

TEST(HelperChannel, AFullChannelKeepsTheRestQueued) {
  Channel c;
  HelperStream s(4 << 20);
  Bytes big(4 << 20, 0x5A);
  s.queue(big);
  ASSERT_TRUE(s.flush(c.agent));
  ASSERT_TRUE(s.writing());  // the socket took only part of it
  Bytes body;
  std::thread reader([&] { EXPECT_EQ(read_frame(c.helper, 4 << 20, body), FrameRead::ok); });
  while (s.writing()) ASSERT_TRUE(s.flush(c.agent));
  reader.join();
  EXPECT_EQ(body, big);
}

TEST(HelperChannel, WritingToAClosedChannelFails) {
  Channel c;
  c.close_helper();
  HelperStream s(1024);
  s.queue(bytes_of("anyone there?"));
  EXPECT_FALSE(s.flush(c.agent));
}

}  // namespace
}  // namespace skagent
