// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/hid_server.h"

#include <gtest/gtest.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <optional>
#include <thread>

#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

using namespace ctaphid;

std::vector<Report> frag(uint32_t cid, uint8_t cmd, ByteView payload) {
  auto r = fragment(cid, cmd, payload);
  return r.ok() ? r.value() : std::vector<Report>{};
}

// A raw CTAPHID client speaking reports over the socket.
class RawHid {
 public:
  explicit RawHid(const std::string& path) {
    fd_ = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sun {};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path.c_str());
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0;
  }
  ~RawHid() { close(fd_); }
  bool connected() const { return connected_; }
  void send_report(const Report& r) {
    ASSERT_EQ(::send(fd_, r.data(), r.size(), MSG_NOSIGNAL), 64);
  }
  void send_raw(ByteView b) { ::send(fd_, b.data(), b.size(), MSG_NOSIGNAL); }
  void send_msg(uint32_t cid, uint8_t cmd, ByteView payload) {
    for (const auto& r : frag(cid, cmd, payload)) send_report(r);
  }
  // The next whole message (keepalives skipped unless asked for).
  std::optional<Message> recv_msg(int timeout_ms = 3000, bool keepalives = false) {
    Reassembler reasm;
    for (;;) {
      Report r;
      size_t have = 0;
      while (have < 64) {
        struct pollfd p = {fd_, POLLIN, 0};
        if (poll(&p, 1, timeout_ms) != 1) return std::nullopt;
        ssize_t n = recv(fd_, r.data() + have, 64 - have, 0);
        if (n <= 0) return std::nullopt;
        have += size_t(n);
      }
      auto ev = reasm.feed(r, std::chrono::steady_clock::now());
      if (ev.kind != Reassembler::Event::message) continue;
      if (ev.msg.cmd == kKeepalive && !keepalives) continue;
      return ev.msg;
    }
  }
  uint32_t init() {
    Bytes nonce = {1, 2, 3, 4, 5, 6, 7, 8};
    send_msg(kBroadcastCid, kInit, nonce);
    auto m = recv_msg();
    if (!m || m->cmd != kInit || m->payload.size() != 17) return 0;
    return uint32_t(m->payload[8]) << 24 | uint32_t(m->payload[9]) << 16 |
           uint32_t(m->payload[10]) << 8 | m->payload[11];
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

class HidServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("skvth");
    auto s = HidServer::listen(dir_ + "/hid.sock", t_.auth());
    ASSERT_TRUE(s.ok());
    server_ = std::move(*s);
    stop_ = eventfd(0, EFD_CLOEXEC);
    thread_ = std::thread([this] { server_->run(stop_); });
  }
  void TearDown() override {
    uint64_t one = 1;
    (void)!write(stop_, &one, sizeof(one));
    if (thread_.joinable()) thread_.join();
    server_.reset();
    close(stop_);
    std::filesystem::remove_all(dir_);
  }
  std::string path() const { return dir_ + "/hid.sock"; }
  TokenFixture t_;
  std::string dir_;
  std::unique_ptr<HidServer> server_;
  int stop_ = -1;
  std::thread thread_;
};

TEST_F(HidServerTest, InitPingWinkCbor) {
  RawHid c(path());
  ASSERT_TRUE(c.connected());
  uint32_t cid = c.init();
  ASSERT_NE(cid, 0u);
  Bytes big(1000);
  for (size_t i = 0; i < big.size(); i++) big[i] = uint8_t(i);
  c.send_msg(cid, kPing, big);
  auto ping = c.recv_msg();
  ASSERT_TRUE(ping);
  EXPECT_EQ(ping->payload, big);
  c.send_msg(cid, kWink, {});
  EXPECT_EQ(c.recv_msg()->cmd, kWink);
  c.send_msg(cid, kCbor, Bytes{0x04});
  auto info = c.recv_msg();
  ASSERT_TRUE(info);
  EXPECT_EQ(info->cmd, kCbor);
  EXPECT_EQ(info->payload[0], 0x00);
  // A second INIT on the channel keeps the channel.
  c.send_msg(cid, kInit, Bytes(8, 9));
  auto again = c.recv_msg();
  ASSERT_TRUE(again);
  EXPECT_EQ(again->payload[8] << 24 | again->payload[9] << 16 | again->payload[10] << 8 |
                again->payload[11],
            int(cid));
}

TEST_F(HidServerTest, ErrorsForBrokenFraming) {
  RawHid c(path());
  uint32_t cid = c.init();
  auto expect_error = [&](uint32_t on, uint8_t code) {
    auto m = c.recv_msg();
    ASSERT_TRUE(m);
    EXPECT_EQ(m->cid, on);
    EXPECT_EQ(m->cmd, kError);
    ASSERT_EQ(m->payload.size(), 1u);
    EXPECT_EQ(m->payload[0], code);
  };
  c.send_msg(0x12345678, kPing, Bytes{1});  // unknown channel
  expect_error(0x12345678, kErrInvalidChannel);
  c.send_msg(kBroadcastCid, kPing, Bytes{1});  // broadcast is for INIT only
  expect_error(kBroadcastCid, kErrInvalidChannel);
  c.send_msg(kBroadcastCid, kInit, Bytes{1, 2, 3});  // nonce must be 8 bytes
  expect_error(kBroadcastCid, kErrInvalidLen);
  c.send_msg(cid, kMsg, Bytes{0, 1, 0, 0});  // no U2F
  expect_error(cid, kErrInvalidCmd);
  c.send_msg(cid, kLock, Bytes{1});
  expect_error(cid, kErrInvalidCmd);
  c.send_msg(cid, kCbor, {});
  expect_error(cid, kErrInvalidLen);
  Report r{};
  r[0] = uint8_t(cid >> 24), r[1] = uint8_t(cid >> 16), r[2] = uint8_t(cid >> 8),
  r[3] = uint8_t(cid);
  r[4] = 0x80 | kPing;
  r[5] = 0xff, r[6] = 0xff;  // 65535 bytes announced
  c.send_report(r);
  expect_error(cid, kErrInvalidLen);
  r[5] = 0x01, r[6] = 0x00;  // 256 bytes announced, then silence
  c.send_report(r);
  expect_error(cid, kErrMsgTimeout);
  // A half report followed by the rest still makes one report.
  auto reports = frag(cid, kPing, Bytes{7});
  c.send_raw(ByteView(reports[0]).first(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  c.send_raw(ByteView(reports[0]).subspan(10));
  auto m = c.recv_msg();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, Bytes{7});
}

TEST_F(HidServerTest, KeepaliveCancelAndBusy) {
  t_.touch().set_policy(TouchPolicy{TouchMode::never, 0});
  t_.touch().set_timeout_ms(10000);
  RawHid c(path()), other(path());
  uint32_t cid = c.init(), cid2 = other.init();
  Bytes mc = make_credential_message("x");
  c.send_msg(cid, kCbor, mc);
  auto ka = c.recv_msg(3000, true);
  ASSERT_TRUE(ka);
  EXPECT_EQ(ka->cmd, kKeepalive);
  EXPECT_EQ(ka->payload, Bytes{kStatusUpNeeded});
  // Another client: INIT is answered, anything else is busy.
  RawHid third(path());
  EXPECT_NE(third.init(), 0u);
  other.send_msg(cid2, kPing, Bytes{1});
  auto busy = other.recv_msg();
  ASSERT_TRUE(busy);
  EXPECT_EQ(busy->cmd, kError);
  EXPECT_EQ(busy->payload, Bytes{kErrChannelBusy});
  c.send_msg(cid, kCancel, {});
  auto reply = c.recv_msg();
  ASSERT_TRUE(reply);
  EXPECT_EQ(reply->cmd, kCbor);
  EXPECT_EQ(reply->payload, Bytes{ctap::kKeepaliveCancel});
  // CANCEL with nothing pending: no reply at all.
  c.send_msg(cid, kCancel, {});
  c.send_msg(cid, kPing, Bytes{5});
  EXPECT_EQ(c.recv_msg()->cmd, kPing);
}

// A token slow to make its key says "processing" until it answers.
TEST(HidServerProcessing, SlowStepSendsProcessingKeepalives) {
  TokenConfig cfg;
  cfg.processing_delay_ms = 350;
  TokenFixture t(cfg);
  std::string dir = make_temp_dir("skvth");
  auto server = HidServer::listen(dir + "/hid.sock", t.auth());
  ASSERT_TRUE(server.ok());
  int stop = eventfd(0, EFD_CLOEXEC);
  std::thread th([&] { (*server)->run(stop); });
  {
    RawHid c(dir + "/hid.sock");
    uint32_t cid = c.init();
    ASSERT_NE(cid, 0u);
    Bytes mc = make_credential_message("x");
    c.send_msg(cid, kCbor, mc);
    int processing = 0;
    std::optional<Message> m;
    while ((m = c.recv_msg(3000, true)) && m->cmd == kKeepalive) {
      EXPECT_EQ(m->cid, cid);
      EXPECT_EQ(m->payload, Bytes{kStatusProcessing});  // the touch is immediate
      processing++;
    }
    ASSERT_TRUE(m);
    EXPECT_EQ(m->cmd, kCbor);
    EXPECT_EQ(m->payload[0], 0x00);
    EXPECT_GE(processing, 3);  // one per 100 ms slice
  }
  uint64_t one = 1;
  (void)!write(stop, &one, sizeof(one));
  th.join();
  server->reset();
  close(stop);
  std::filesystem::remove_all(dir);
}

TEST_F(HidServerTest, ClientVanishingMidWaitOrMidMessage) {
  t_.touch().set_policy(TouchPolicy{TouchMode::never, 0});
  t_.touch().set_timeout_ms(10000);
  {
    RawHid c(path());
    uint32_t cid = c.init();
    Bytes mc = {0x0B};  // selection: waits for a touch
    c.send_msg(cid, kCbor, mc);
    ASSERT_TRUE(c.recv_msg(3000, true));  // a keepalive: it is waiting
  }
  {
    RawHid half(path());
    uint32_t cid = half.init();
    auto reports = frag(cid, kPing, Bytes(500, 1));
    half.send_report(reports[0]);
  }
  RawHid c(path());
  uint32_t cid = c.init();
  ASSERT_NE(cid, 0u);
  c.send_msg(cid, kPing, Bytes{9});
  auto m = c.recv_msg();
  ASSERT_TRUE(m);
  EXPECT_EQ(m->payload, Bytes{9});
  EXPECT_FALSE(t_.touch().waiting());
}

}  // namespace
}  // namespace skagent::vtoken::testing
