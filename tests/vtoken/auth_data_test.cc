// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/auth_data.h"

#include <gtest/gtest.h>

#include <random>

#include "vtoken/cbor.h"
#include "tests/common/mutate.h"

namespace skagent::vtoken {
namespace {

AuthenticatorData sample() {
  AuthenticatorData ad;
  ad.rp_id_hash = Bytes(32, 0xAB);
  ad.flags = flags::kUserPresent;
  ad.counter = 0x01020304;
  ad.attested = AttestedCredential{Bytes(16, 1), Bytes(64, 2),
                                   cbor::encode(cbor::MapBuilder()
                                                    .add(1, cbor::uint(1))
                                                    .add(-1, cbor::uint(6))
                                                    .add(-2, cbor::bytes(Bytes(32, 3)))
                                                    .build()
                                                    .get())};
  ad.extensions = cbor::encode(cbor::MapBuilder().add("credProtect", cbor::uint(2)).build().get());
  return ad;
}

TEST(VtokenAuthData, EncodesAndParsesBack) {
  Bytes enc = sample().encode();
  EXPECT_EQ(enc[32], flags::kUserPresent | flags::kAttested | flags::kExtensions);
  EXPECT_EQ(Bytes(enc.begin() + 33, enc.begin() + 37), (Bytes{1, 2, 3, 4}));
  auto back = AuthenticatorData::parse(enc);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->counter, 0x01020304u);
  EXPECT_EQ(back->attested->credential_id, Bytes(64, 2));
  EXPECT_EQ(back->extensions, sample().extensions);
  AuthenticatorData plain;
  plain.rp_id_hash = Bytes(32, 0);
  EXPECT_EQ(plain.encode().size(), 37u);
  EXPECT_TRUE(AuthenticatorData::parse(plain.encode()).ok());
}

TEST(VtokenAuthData, RefusesHostileData) {
  Bytes enc = sample().encode();
  for (size_t n = 0; n < enc.size(); n++) {
    EXPECT_FALSE(AuthenticatorData::parse(ByteView(enc).first(n)).ok()) << n;
  }
  Bytes trailing = sample().encode();
  trailing.push_back(0);
  EXPECT_FALSE(AuthenticatorData::parse(trailing).ok());
  Bytes noflag = AuthenticatorData{Bytes(32, 0), 0, 0, std::nullopt, {}}.encode();
  noflag.push_back(0xa0);  // bytes without the ED flag
  EXPECT_FALSE(AuthenticatorData::parse(noflag).ok());
  Bytes longid = sample().encode();
  longid[37 + 16] = 0xff;  // credential id length 0xff40
  EXPECT_FALSE(AuthenticatorData::parse(longid).ok());
  std::mt19937 rng(5);
  for (int i = 0; i < 5000; i++)
    (void)AuthenticatorData::parse(skagent::testing::with_random_byte(enc, rng));
}

}  // namespace
}  // namespace skagent::vtoken
