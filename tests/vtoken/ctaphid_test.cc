// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/ctaphid.h"

#include <gtest/gtest.h>

#include <random>

namespace skagent::vtoken::ctaphid {
namespace {

using Clock = std::chrono::steady_clock;

Report init_packet(uint32_t cid, uint8_t cmd, uint16_t bcnt, ByteView data = {}) {
  Report r{};
  r[0] = uint8_t(cid >> 24);
  r[1] = uint8_t(cid >> 16);
  r[2] = uint8_t(cid >> 8);
  r[3] = uint8_t(cid);
  r[4] = uint8_t(0x80 | cmd);
  r[5] = uint8_t(bcnt >> 8);
  r[6] = uint8_t(bcnt);
  std::copy_n(data.begin(), std::min(data.size(), kInitDataSize), r.begin() + 7);
  return r;
}

Report cont_packet(uint32_t cid, uint8_t seq) {
  Report r{};
  r[0] = uint8_t(cid >> 24);
  r[1] = uint8_t(cid >> 16);
  r[2] = uint8_t(cid >> 8);
  r[3] = uint8_t(cid);
  r[4] = seq;
  return r;
}

TEST(VtokenCtaphid, FragmentAndReassembleEverySize) {
  for (size_t n : {size_t(0), size_t(1), kInitDataSize, kInitDataSize + 1,
                   kInitDataSize + kContDataSize, size_t(1000), kMaxPayload}) {
    Bytes payload(n);
    for (size_t i = 0; i < n; i++) payload[i] = uint8_t(i * 7);
    auto reports = fragment(0x01020304, kCbor, payload);
    ASSERT_TRUE(reports.ok());
    EXPECT_EQ(reports->size(),
              n <= kInitDataSize ? 1 : 1 + (n - kInitDataSize + kContDataSize - 1) / kContDataSize);
    Reassembler r;
    Reassembler::Event ev;
    for (const auto& rep : *reports) ev = r.feed(rep, Clock::now());
    ASSERT_EQ(ev.kind, Reassembler::Event::message) << n;
    EXPECT_EQ(ev.msg.cid, 0x01020304u);
    EXPECT_EQ(ev.msg.cmd, kCbor);
    EXPECT_EQ(ev.msg.payload, payload);
    EXPECT_FALSE(r.busy());
  }
  EXPECT_FALSE(fragment(1, kCbor, Bytes(kMaxPayload + 1)).ok());
}

TEST(VtokenCtaphid, InitResponseLayout) {
  Bytes nonce = {1, 2, 3, 4, 5, 6, 7, 8};
  Bytes r = init_response(nonce, 0xaabbccdd, kCapCbor | kCapWink);
  ASSERT_EQ(r.size(), 17u);
  EXPECT_EQ(Bytes(r.begin(), r.begin() + 8), nonce);
  EXPECT_EQ(r[8], 0xaa);
  EXPECT_EQ(r[11], 0xdd);
  EXPECT_EQ(r[12], 2);
  EXPECT_EQ(r[16], kCapCbor | kCapWink);
}

TEST(VtokenCtaphid, HostileFraming) {
  auto now = Clock::now();
  {
    Reassembler r;  // length over the maximum
    auto ev = r.feed(init_packet(5, kCbor, uint16_t(kMaxPayload + 1)), now);
    EXPECT_EQ(ev.kind, Reassembler::Event::error);
    EXPECT_EQ(ev.error_code, kErrInvalidLen);
    ev = r.feed(init_packet(5, kCbor, 0xffff), now);
    EXPECT_EQ(ev.error_code, kErrInvalidLen);
  }
  {
    Reassembler r;  // channel 0
    EXPECT_EQ(r.feed(init_packet(0, kPing, 1), now).error_code, kErrInvalidChannel);
  }
  {
    Reassembler r;  // continuation without a start: ignored
    EXPECT_EQ(r.feed(cont_packet(5, 0), now).kind, Reassembler::Event::none);
  }
  {
    Reassembler r;  // wrong sequence number
    EXPECT_EQ(r.feed(init_packet(5, kCbor, 200), now).kind, Reassembler::Event::none);
    auto ev = r.feed(cont_packet(5, 1), now);
    EXPECT_EQ(ev.error_code, kErrInvalidSeq);
    EXPECT_FALSE(r.busy());
  }
  {
    Reassembler r;  // another channel while one is in flight
    r.feed(init_packet(5, kCbor, 200), now);
    auto ev = r.feed(init_packet(6, kPing, 1), now);
    EXPECT_EQ(ev.cid, 6u);
    EXPECT_EQ(ev.error_code, kErrChannelBusy);
    EXPECT_EQ(r.feed(cont_packet(6, 0), now).kind, Reassembler::Event::none);  // not theirs
    EXPECT_TRUE(r.busy());
    // The same channel restarting with INIT resynchronises.
    auto init = r.feed(init_packet(5, kInit, 8, Bytes(8, 1)), now);
    EXPECT_EQ(init.kind, Reassembler::Event::message);
    EXPECT_EQ(init.msg.cmd, kInit);
  }
  {
    Reassembler r;  // same channel restarting with another command
    r.feed(init_packet(5, kCbor, 200), now);
    EXPECT_EQ(r.feed(init_packet(5, kPing, 1), now).error_code, kErrInvalidSeq);
  }
  {
    Reassembler r;  // stalled message
    r.feed(init_packet(5, kCbor, 200), now);
    EXPECT_EQ(r.expire(now + std::chrono::milliseconds(10), std::chrono::milliseconds(500)).kind,
              Reassembler::Event::none);
    auto ev = r.expire(now + std::chrono::seconds(1), std::chrono::milliseconds(500));
    EXPECT_EQ(ev.error_code, kErrMsgTimeout);
    EXPECT_FALSE(r.busy());
  }
}

TEST(VtokenCtaphid, RandomReportsNeverCrash) {
  std::mt19937 rng(7);
  Reassembler r;
  auto now = Clock::now();
  for (int i = 0; i < 50000; i++) {
    Report rep;
    for (auto& b : rep) b = uint8_t(rng());
    if (i % 3 == 0) rep[0] = rep[1] = rep[2] = 0, rep[3] = 1;  // keep one channel busy
    auto ev = r.feed(rep, now);
    if (ev.kind == Reassembler::Event::message) {
      EXPECT_LE(ev.msg.payload.size(), kMaxPayload);
    }
  }
}

}  // namespace
}  // namespace skagent::vtoken::ctaphid
