// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/apdu.h"

#include <gtest/gtest.h>

#include <random>

namespace skagent::vtoken {
namespace {

TEST(VtokenApdu, ParsesEveryCase) {
  auto c1 = CommandApdu::parse(Bytes{0x00, 0xA4, 0x04, 0x00});
  ASSERT_TRUE(c1.ok());
  EXPECT_FALSE(c1->le.has_value());
  auto c2 = CommandApdu::parse(Bytes{0x00, 0xC0, 0x00, 0x00, 0x00});
  ASSERT_TRUE(c2.ok());
  EXPECT_EQ(*c2->le, 256u);
  auto c3 = CommandApdu::parse(Bytes{0x80, 0x10, 0x00, 0x00, 0x02, 0xAA, 0xBB});
  ASSERT_TRUE(c3.ok());
  EXPECT_EQ(c3->data, (Bytes{0xAA, 0xBB}));
  EXPECT_FALSE(c3->le.has_value());
  auto c4 = CommandApdu::parse(Bytes{0x80, 0x10, 0x00, 0x00, 0x01, 0x04, 0x10});
  ASSERT_TRUE(c4.ok());
  EXPECT_EQ(*c4->le, 16u);
  auto e2 = CommandApdu::parse(Bytes{0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00});
  ASSERT_TRUE(e2.ok());
  EXPECT_TRUE(e2->extended);
  EXPECT_EQ(*e2->le, 65536u);
  auto e3 = CommandApdu::parse(Bytes{0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04});
  ASSERT_TRUE(e3.ok());
  EXPECT_EQ(e3->data, (Bytes{0x04}));
  auto e4 = CommandApdu::parse(Bytes{0x80, 0x10, 0x00, 0x00, 0x00, 0x00, 0x01, 0x04, 0x01, 0x00});
  ASSERT_TRUE(e4.ok());
  EXPECT_EQ(*e4->le, 256u);
}

TEST(VtokenApdu, RefusesMalformed) {
  for (const Bytes& b :
       {Bytes{}, Bytes{0x00}, Bytes{0x00, 0xA4, 0x04},
        Bytes{0x00, 0xA4, 0x04, 0x00, 0x05, 0x01},              // Lc too long
        Bytes{0x00, 0xA4, 0x04, 0x00, 0x01, 0x01, 0x02, 0x03},  // too much data
        Bytes{0x00, 0xA4, 0x04, 0x00, 0x00, 0x01},              // half extended
        Bytes{0x00, 0xA4, 0x04, 0x00, 0x00, 0x00, 0x00, 0x01},  // extended Lc 0 + data
        Bytes{0x00, 0xA4, 0x04, 0x00, 0x00, 0xFF, 0xFF, 0x01}}) {
    EXPECT_FALSE(CommandApdu::parse(b).ok());
  }
}

TEST(VtokenApdu, EncodeRoundTrips) {
  CommandApdu a{0x80, 0x10, 0, 0, Bytes(300, 7), 65536, true};
  auto back = CommandApdu::parse(a.encode());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->data, a.data);
  EXPECT_EQ(*back->le, 65536u);
  CommandApdu s{0x00, 0xA4, 4, 0, Bytes{1, 2}, 256, false};
  EXPECT_EQ(s.encode(), (Bytes{0x00, 0xA4, 4, 0, 2, 1, 2, 0}));
  EXPECT_EQ(response_apdu(Bytes{1}, 0x6A82), (Bytes{1, 0x6A, 0x82}));
}

TEST(VtokenApdu, RandomInputNeverCrashes) {
  std::mt19937 rng(99);
  for (int i = 0; i < 20000; i++) {
    Bytes b(rng() % 300);
    for (auto& x : b) x = uint8_t(rng());
    auto c = CommandApdu::parse(b);
    if (c.ok()) {
      EXPECT_LE(c->data.size(), b.size());
    }
  }
}

}  // namespace
}  // namespace skagent::vtoken
