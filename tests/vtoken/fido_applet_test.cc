// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/fido_applet.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <random>
#include <thread>

#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

const Bytes kSelect = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00,
                       0x00, 0x06, 0x47, 0x2F, 0x00, 0x01, 0x00};

Bytes sw_of(const Bytes& r) { return Bytes(r.end() - 2, r.end()); }

TEST(VtokenFidoApplet, SelectThenCtapWithChainingAndGetResponse) {
  TokenFixture t;
  FidoApplet applet(t.auth());
  SleepingWait w;
  EXPECT_EQ(applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}, w),
            (Bytes{0x69, 0x85}));
  EXPECT_EQ(as_string(applet.process(kSelect, w)), std::string_view("FIDO_2_0\x90\x00", 10));
  // getInfo answered in one piece when Le allows, in pieces otherwise.
  Bytes whole = applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}, w);
  ASSERT_EQ(sw_of(whole), (Bytes{0x90, 0x00}));
  Bytes info(whole.begin(), whole.end() - 2);
  Bytes part = applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x20}, w);  // Le 32
  ASSERT_EQ(part.size(), 34u);
  Bytes gathered(part.begin(), part.end() - 2);
  while (part[part.size() - 2] == 0x61) {
    EXPECT_EQ(part.back(),
              info.size() - gathered.size() >= 256 ? 0 : info.size() - gathered.size());
    part = applet.process(Bytes{0x00, 0xC0, 0x00, 0x00, 0x20}, w);
    gathered.insert(gathered.end(), part.begin(), part.end() - 2);
  }
  EXPECT_EQ(sw_of(part), (Bytes{0x90, 0x00}));
  EXPECT_EQ(gathered, info);
  EXPECT_EQ(applet.process(Bytes{0x00, 0xC0, 0x00, 0x00, 0x00}, w),
            (Bytes{0x69, 0x85}));  // nothing left
  // A request chained in 1-byte pieces.
  Bytes req = {0x04};
  EXPECT_EQ(applet.process(Bytes{0x90, 0x10, 0x00, 0x00, 0x01, 0x04}, w), (Bytes{0x90, 0x00}));
  Bytes ans =
      applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}, w);  // case 2E: no data
  EXPECT_EQ(sw_of(ans), (Bytes{0x90, 0x00}));
  EXPECT_EQ(Bytes(ans.begin(), ans.end() - 2), info);
}

TEST(VtokenFidoApplet, HostileApdus) {
  TokenFixture t;
  FidoApplet applet(t.auth());
  SleepingWait w;
  EXPECT_EQ(applet.process(Bytes{0x00}, w), (Bytes{0x67, 0x00}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0xA4, 0x04, 0x00, 0x03, 1, 2, 3, 0}, w),
            (Bytes{0x6A, 0x82}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0xA4, 0x00, 0x00, 0x01, 1}, w), (Bytes{0x6A, 0x86}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0x01, 0x00, 0x00}, w), (Bytes{0x6D, 0x00}));  // U2F register
  ASSERT_EQ(sw_of(applet.process(kSelect, w)), (Bytes{0x90, 0x00}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0x10, 0x00, 0x00, 0x01, 0x04}, w),
            (Bytes{0x6E, 0x00}));                                                    // wrong CLA
  EXPECT_EQ(applet.process(Bytes{0x80, 0x10, 0x00, 0x00}, w), (Bytes{0x67, 0x00}));  // no request
  // Chaining into another instruction.
  EXPECT_EQ(applet.process(Bytes{0x90, 0x10, 0x00, 0x00, 0x01, 0x04}, w), (Bytes{0x90, 0x00}));
  EXPECT_EQ(applet.process(Bytes{0x90, 0x11, 0x00, 0x00, 0x01, 0x04}, w), (Bytes{0x67, 0x00}));
  // Chained requests are bounded.
  Bytes chunk = {0x90, 0x10, 0x00, 0x00, 0x00, 0x10, 0x00};
  chunk.insert(chunk.end(), 4096, 0xa0);
  EXPECT_EQ(sw_of(applet.process(chunk, w)), (Bytes{0x90, 0x00}));
  EXPECT_EQ(sw_of(applet.process(chunk, w)), (Bytes{0x90, 0x00}));
  EXPECT_EQ(applet.process(chunk, w), (Bytes{0x67, 0x00}));
  // A CTAP error inside a good APDU: status byte, SW 9000.
  EXPECT_EQ(applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x02, 0x01, 0xff, 0x00}, w),
            (Bytes{ctap::kInvalidCbor, 0x90, 0x00}));
  // Random APDUs never crash.
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; i++) {
    Bytes b(rng() % 64);
    for (auto& x : b) x = uint8_t(rng());
    if (b.size() >= 2 && rng() % 2) b[1] = 0x10;
    EXPECT_GE(applet.process(b, w).size(), 2u);
  }
}

// makeCredential as a polled NFCCTAP_MSG (P1 0x80), Le 256.
Bytes polled_make_credential() {
  Bytes message = make_credential_message("ssh:");
  Bytes apdu = {0x80, 0x10, 0x80, 0x00, uint8_t(message.size())};
  apdu.insert(apdu.end(), message.begin(), message.end());
  apdu.push_back(0x00);
  return apdu;
}
const Bytes kGetResponse = {0x80, 0x11, 0x00, 0x00, 0x00};
const Bytes kStillWaitingForTouch = {0x02, 0x91, 0x00};

bool eventually(const std::function<bool()>& f) {
  for (int i = 0; i < 300; i++) {
    if (f()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return false;
}

// An applet on a token that waits (up to 20 s) for a touch that comes only when a test presses.
struct PolledApplet {
  PolledApplet() { t.touch().set_timeout_ms(20000); }
  Bytes process(ByteView apdu) { return applet.process(apdu, w); }
  TokenFixture t{TokenConfig{}, TouchPolicy{TouchMode::never, 0}};
  FidoApplet applet{t.auth()};
  SleepingWait w;
};

TEST(VtokenFidoApplet, PolledRequestAnswers9100UntilTouched) {
  PolledApplet p;
  ASSERT_EQ(sw_of(p.process(kSelect)), (Bytes{0x90, 0x00}));
  EXPECT_EQ(p.process(kGetResponse), (Bytes{0x69, 0x85}));  // nothing running
  EXPECT_EQ(p.process(polled_make_credential()), kStillWaitingForTouch);
  EXPECT_TRUE(p.applet.busy());
  EXPECT_EQ(p.process(kGetResponse), kStillWaitingForTouch);
  p.t.touch().press();
  Bytes r;
  for (int i = 0; i < 20 && (r = p.process(kGetResponse)) == kStillWaitingForTouch; i++) {}
  ASSERT_GT(r.size(), 256u);
  EXPECT_EQ(r[256], 0x61);  // the attestation is longer than Le: the rest by GET RESPONSE
  EXPECT_EQ(r[0], ctap::kOk);
  EXPECT_FALSE(p.applet.busy());
  EXPECT_EQ(p.t.touch().touches(), 1u);
}

TEST(VtokenFidoApplet, AnotherCommandOrSilenceCancelsAPolledRequest) {
  PolledApplet p;
  ASSERT_EQ(sw_of(p.process(kSelect)), (Bytes{0x90, 0x00}));
  // The host gives up and selects the applet again: the touch wait ends.
  EXPECT_EQ(p.process(polled_make_credential()), kStillWaitingForTouch);
  EXPECT_TRUE(p.t.touch().waiting());
  ASSERT_EQ(sw_of(p.process(kSelect)), (Bytes{0x90, 0x00}));
  EXPECT_FALSE(p.applet.busy());
  EXPECT_FALSE(p.t.touch().waiting());
  EXPECT_EQ(p.process(kGetResponse), (Bytes{0x69, 0x85}));
  // The host stops polling: after a second the request cancels itself.
  EXPECT_EQ(p.process(polled_make_credential()), kStillWaitingForTouch);
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(eventually([&] { return !p.t.touch().waiting(); }));
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(800));
  EXPECT_EQ(p.process(kGetResponse), (Bytes{ctap::kKeepaliveCancel, 0x90, 0x00}));
  // A power cycle cancels too.
  EXPECT_EQ(p.process(kSelect).size(), 10u);
  EXPECT_EQ(p.process(polled_make_credential()), kStillWaitingForTouch);
  p.applet.reset();
  EXPECT_FALSE(p.t.touch().waiting());
  EXPECT_EQ(p.t.touch().touches(), 0u);
}

}  // namespace
}  // namespace skagent::vtoken::testing
