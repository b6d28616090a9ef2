#include "fido/vtoken/fido_applet.h"

#include <gtest/gtest.h>

#include <random>

#include "tests/fido/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

const Bytes kSelect = {0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01, 0x00};

Bytes sw_of(const Bytes& r) { return Bytes(r.end() - 2, r.end()); }

TEST(VtokenFidoApplet, SelectThenCtapWithChainingAndGetResponse) {
  TokenFixture t;
  FidoApplet applet(t.auth());
  SleepingWait w;
  EXPECT_EQ(applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}, w), (Bytes{0x69, 0x85}));
  EXPECT_EQ(as_string(applet.process(kSelect, w)), std::string_view("FIDO_2_0\x90\x00", 10));
  // getInfo answered in one piece when Le allows, in pieces otherwise.
  Bytes whole = applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x00}, w);
  ASSERT_EQ(sw_of(whole), (Bytes{0x90, 0x00}));
  Bytes info(whole.begin(), whole.end() - 2);
  Bytes part = applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x20}, w);  // Le 32
  ASSERT_EQ(part.size(), 34u);
  Bytes gathered(part.begin(), part.end() - 2);
  while (part[part.size() - 2] == 0x61) {
    EXPECT_EQ(part.back(), info.size() - gathered.size() >= 256 ? 0 : info.size() - gathered.size());
    part = applet.process(Bytes{0x00, 0xC0, 0x00, 0x00, 0x20}, w);
    gathered.insert(gathered.end(), part.begin(), part.end() - 2);
  }
  EXPECT_EQ(sw_of(part), (Bytes{0x90, 0x00}));
  EXPECT_EQ(gathered, info);
  EXPECT_EQ(applet.process(Bytes{0x00, 0xC0, 0x00, 0x00, 0x00}, w), (Bytes{0x69, 0x85}));  // nothing left
  // A request chained in 1-byte pieces.
  Bytes req = {0x04};
  EXPECT_EQ(applet.process(Bytes{0x90, 0x10, 0x00, 0x00, 0x01, 0x04}, w), (Bytes{0x90, 0x00}));
  Bytes ans = applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x00}, w);  // case 2E: no data
  EXPECT_EQ(sw_of(ans), (Bytes{0x90, 0x00}));
  EXPECT_EQ(Bytes(ans.begin(), ans.end() - 2), info);
}

TEST(VtokenFidoApplet, HostileApdus) {
  TokenFixture t;
  FidoApplet applet(t.auth());
  SleepingWait w;
  EXPECT_EQ(applet.process(Bytes{0x00}, w), (Bytes{0x67, 0x00}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0xA4, 0x04, 0x00, 0x03, 1, 2, 3, 0}, w), (Bytes{0x6A, 0x82}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0xA4, 0x00, 0x00, 0x01, 1}, w), (Bytes{0x6A, 0x86}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0x01, 0x00, 0x00}, w), (Bytes{0x6D, 0x00}));  // U2F register
  ASSERT_EQ(sw_of(applet.process(kSelect, w)), (Bytes{0x90, 0x00}));
  EXPECT_EQ(applet.process(Bytes{0x00, 0x10, 0x00, 0x00, 0x01, 0x04}, w), (Bytes{0x6E, 0x00}));  // wrong CLA
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
  EXPECT_EQ(applet.process(Bytes{0x80, 0x10, 0x00, 0x00, 0x02, 0x01, 0xff, 0x00}, w), (Bytes{ctap::kInvalidCbor, 0x90, 0x00}));
  // Random APDUs never crash.
  std::mt19937 rng(3);
  for (int i = 0; i < 5000; i++) {
    Bytes b(rng() % 64);
    for (auto& x : b) x = uint8_t(rng());
    if (b.size() >= 2 && rng() % 2) b[1] = 0x10;
    EXPECT_GE(applet.process(b, w).size(), 2u);
  }
}

}  // namespace
}  // namespace skagent::vtoken::testing
