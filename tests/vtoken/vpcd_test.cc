// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/vpcd.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>

#include <thread>

#include "tests/vtoken/pcsc_harness.h"
#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

TEST(VtokenVpcd, FramesSplitAtAnyBoundary) {
  Bytes stream;
  for (const Bytes& body : {Bytes{0x04}, Bytes{0x00, 0xA4, 0x04, 0x00}, Bytes{}}) {
    auto f = vpcd::frame(body);
    ASSERT_TRUE(f.ok());
    stream.insert(stream.end(), f->begin(), f->end());
  }
  for (size_t cut = 0; cut <= stream.size(); cut++) {
    Bytes buf(stream.begin(), stream.begin() + long(cut));
    auto first = vpcd::take_frames(buf);
    buf.insert(buf.end(), stream.begin() + long(cut), stream.end());
    auto rest = vpcd::take_frames(buf);
    EXPECT_EQ(first.size() + rest.size(), 3u) << cut;
    EXPECT_TRUE(buf.empty());
  }
  Bytes partial = {0xff, 0xff, 0x01};
  EXPECT_TRUE(vpcd::take_frames(partial).empty());
  EXPECT_EQ(partial.size(), 3u);
  EXPECT_FALSE(vpcd::frame(Bytes(70000, 0)).ok());
}

// The vpcd driver's side, over TCP, against the real server.
TEST(VtokenVpcd, ServesTheDriverProtocol) {
  TokenFixture t;
  FidoCard card(t.auth());
  uint16_t port = free_port_pair();
  auto server = VpcdServer::listen("127.0.0.1", port, card);
  ASSERT_TRUE(server.ok()) << server.error().message;
  int stop = eventfd(0, EFD_CLOEXEC);
  std::thread th([&] { (*server)->run(stop); });

  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct sockaddr_in sin {};
  sin.sin_family = AF_INET;
  sin.sin_port = htons(port);
  sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  auto exchange = [&](const Bytes& body, bool reply) -> Bytes {
    Bytes f = *vpcd::frame(body);
    EXPECT_EQ(send(fd, f.data(), f.size(), 0), ssize_t(f.size()));
    if (!reply) return {};
    Bytes buf;
    uint8_t tmp[1024];
    for (;;) {
      auto frames = vpcd::take_frames(buf);
      if (!frames.empty()) return frames[0];
      struct pollfd p = {fd, POLLIN, 0};
      if (poll(&p, 1, 5000) != 1) return {};
      ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
      if (n <= 0) return {};
      buf.insert(buf.end(), tmp, tmp + n);
    }
  };
  exchange(Bytes{vpcd::kPowerOn}, false);
  EXPECT_EQ(exchange(Bytes{vpcd::kGetAtr}, true), (Bytes{0x3B, 0x80, 0x80, 0x01, 0x01}));
  exchange(Bytes{vpcd::kReset}, false);
  exchange(Bytes{0x77}, false);  // unknown control code: ignored
  Bytes sel = exchange(
      Bytes{0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01, 0x00},
      true);
  EXPECT_EQ(as_string(sel), std::string_view("FIDO_2_0\x90\x00", 10));
  Bytes info = exchange(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}, true);
  ASSERT_GE(info.size(), 3u);
  EXPECT_EQ(info[0], 0x00);
  exchange(Bytes{vpcd::kPowerOff}, false);
  EXPECT_EQ(exchange(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}, true),
            (Bytes{0x69, 0x85}));  // deselected
  close(fd);

  // A driver that sends garbage and a lying length is dropped; the next connects.
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  Bytes junk(100000, 0xff);
  send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
  close(fd);
  fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&sin), sizeof(sin)), 0);
  EXPECT_EQ(exchange(Bytes{vpcd::kGetAtr}, true).size(), 5u);
  close(fd);

  uint64_t one = 1;
  ASSERT_EQ(write(stop, &one, sizeof(one)), 8);
  th.join();
  close(stop);
}

TEST(VtokenVpcd, InertCardHasNoApplets) {
  InertCard c;
  SleepingWait w;
  EXPECT_EQ(c.transmit(Bytes{0x00, 0xA4, 0x04, 0x00, 0x01, 0x01}, w), (Bytes{0x6A, 0x82}));
  EXPECT_EQ(c.atr().size(), 5u);
}

}  // namespace
}  // namespace skagent::vtoken::testing
