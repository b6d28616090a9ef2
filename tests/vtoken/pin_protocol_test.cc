// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/pin_protocol.h"

#include <gtest/gtest.h>

#include "vtoken/cbor.h"

namespace skagent::vtoken {
namespace {

CoseKey cose_of(EVP_PKEY* k) {
  auto xy = p256_public_xy(k);
  return CoseKey{cose::kKtyEc2, cose::kAlgEcdhEsHkdf256, cose::kCrvP256, xy->first, xy->second};
}

TEST(VtokenPinProtocol, BothSidesAgreeAndRoundTrip) {
  for (uint8_t v : {1, 2}) {
    PinProtocol p(v);
    auto a = p256_generate(), b = p256_generate();
    auto s1 = p.shared_secret(a->get(), cose_of(b->get()));
    auto s2 = p.shared_secret(b->get(), cose_of(a->get()));
    ASSERT_TRUE(s1.ok() && s2.ok());
    EXPECT_EQ(*s1, *s2);
    EXPECT_EQ(s1->size(), v == 1 ? 32u : 64u);
    Bytes plain(64, 0x42);
    auto ct = p.encrypt(*s1, plain);
    ASSERT_TRUE(ct.ok());
    EXPECT_EQ(ct->size(), v == 1 ? 64u : 80u);
    EXPECT_EQ(*p.decrypt(*s2, *ct), plain);
    EXPECT_FALSE(p.decrypt(*s2, Bytes(v == 1 ? 15 : 31, 0)).ok());  // not whole blocks
    EXPECT_FALSE(p.encrypt(*s1, Bytes(10, 0)).ok());
    Bytes mac = p.authenticate(p.hmac_key(*s1), view("msg"));
    EXPECT_EQ(mac.size(), v == 1 ? 16u : 32u);
    EXPECT_TRUE(p.verify(p.hmac_key(*s2), view("msg"), mac));
    mac[0] ^= 1;
    EXPECT_FALSE(p.verify(p.hmac_key(*s2), view("msg"), mac));
    EXPECT_FALSE(p.verify(p.hmac_key(*s2), view("msg"), {}));
  }
  EXPECT_FALSE(PinProtocol(2).decrypt(Bytes(64, 0), Bytes(8, 0)).ok());  // shorter than an IV
}

TEST(VtokenPinProtocol, RefusesPointsOffTheCurve) {
  auto a = p256_generate();
  CoseKey k = cose_of(a->get());
  k.y[31] ^= 1;
  EXPECT_FALSE(PinProtocol(2).shared_secret(a->get(), k).ok());
  k.y = Bytes(32, 0);
  k.x = Bytes(32, 0);
  EXPECT_FALSE(PinProtocol(1).shared_secret(a->get(), k).ok());
}

// A COSE key of only kty, crv and x: no y.
cbor::Item cose_without_y(uint64_t kty, uint64_t crv, const Bytes& x) {
  return cbor::MapBuilder()
      .add(1, cbor::uint(kty))
      .add(-1, cbor::uint(crv))
      .add(-2, cbor::bytes(x))
      .build();
}

TEST(VtokenCoseKey, ParsesOnlyWhatCtapUses) {
  auto a = p256_generate();
  CoseKey k = cose_of(a->get());
  auto item = k.to_cbor();
  auto back = CoseKey::parse_key_agreement(item.get());
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->x, k.x);
  CoseKey es = k;
  es.alg = cose::kAlgEs256;
  EXPECT_FALSE(CoseKey::parse_key_agreement(es.to_cbor().get()).ok());
  EXPECT_FALSE(CoseKey::parse(cose_without_y(2, 1, k.x).get()).ok());           // EC2, P-256
  EXPECT_FALSE(CoseKey::parse(cose_without_y(1, 6, Bytes(31, 0)).get()).ok());  // OKP: short x
  EXPECT_FALSE(CoseKey::parse(cose_without_y(3, 1, Bytes(32, 0)).get()).ok());  // RSA
  EXPECT_FALSE(CoseKey::parse(cbor::uint(1).get()).ok());
  EXPECT_FALSE(CoseKey::parse(nullptr).ok());
}

}  // namespace
}  // namespace skagent::vtoken
