// SPDX-License-Identifier: BSD-2-Clause
// fido/key_format.h: public keys and signatures from tokens, honest and lying.
#include "fido/key_format.h"

#include <gtest/gtest.h>

#include "fido/options.h"
#include "tests/common/hex.h"

namespace skagent::fido {
namespace {

using skagent::testing::from_hex;

// The P-256 generator: a point on the curve.
const Bytes kGx = from_hex("6B17D1F2E12C4247F8BCE6E563A440F277037D812DEB33A0F4A13945D898C296");
const Bytes kGy = from_hex("4FE342E2FE1A7F9B8EE7EB4A7C0F9E162BCE33576B315ECECBB6406837BF51F5");

Bytes xy(Bytes x, const Bytes& y) {
  x.insert(x.end(), y.begin(), y.end());
  return x;
}

TEST(FidoKeyFormat, EcdsaPublicKeyBecomesUncompressedPoint) {
  auto pk = ssh_public_key(kAlgEcdsaP256, xy(kGx, kGy));
  ASSERT_TRUE(pk.ok()) << pk.error().message;
  ASSERT_EQ(pk->size(), 65u);
  EXPECT_EQ((*pk)[0], 0x04);
  EXPECT_TRUE(equal(ByteView(*pk).subspan(1, 32), kGx));
  EXPECT_TRUE(equal(ByteView(*pk).subspan(33, 32), kGy));
}

TEST(FidoKeyFormat, EcdsaPublicKeyOffTheCurveIsRefused) {
  Bytes y = kGy;
  y.back() ^= 1;
  auto pk = ssh_public_key(kAlgEcdsaP256, xy(kGx, y));
  ASSERT_FALSE(pk.ok());
  EXPECT_EQ(pk.error().code, Errc::malformed);
  EXPECT_FALSE(ssh_public_key(kAlgEcdsaP256, Bytes(64, 0)).ok());     // (0, 0)
  EXPECT_FALSE(ssh_public_key(kAlgEcdsaP256, Bytes(64, 0xff)).ok());  // past the field
}

TEST(FidoKeyFormat, PublicKeysOfTheWrongLengthAreRefused) {
  EXPECT_FALSE(ssh_public_key(kAlgEcdsaP256, kGx).ok());
  EXPECT_FALSE(ssh_public_key(kAlgEcdsaP256, {}).ok());
  EXPECT_FALSE(ssh_public_key(kAlgEcdsaP256, xy(xy(kGx, kGy), Bytes{1})).ok());
  EXPECT_FALSE(ssh_public_key(kAlgEd25519, Bytes(31, 1)).ok());
  EXPECT_FALSE(ssh_public_key(kAlgEd25519, Bytes(64, 1)).ok());
  auto ed = ssh_public_key(kAlgEd25519, Bytes(32, 7));
  ASSERT_TRUE(ed.ok());
  EXPECT_EQ(*ed, Bytes(32, 7));
  EXPECT_EQ(ssh_public_key(7, Bytes(32, 7)).error().code, Errc::unsupported);
}

TEST(FidoKeyFormat, EcdsaDerSignatureSplitsIntoRAndS) {
  // SEQUENCE { INTEGER 0x00ff.. (33 bytes with sign byte), INTEGER 0x01 }
  Bytes der = {0x30, 0x26, 0x02, 0x21, 0x00};
  der.insert(der.end(), 32, 0xff);
  der.insert(der.end(), {0x02, 0x01, 0x01});
  auto p = ssh_signature_parts(kAlgEcdsaP256, der);
  ASSERT_TRUE(p.ok()) << p.error().message;
  EXPECT_EQ(p->r, Bytes(32, 0xff));  // sign byte gone
  EXPECT_EQ(p->s, Bytes{0x01});
}

TEST(FidoKeyFormat, HostileEcdsaSignaturesAreRefused) {
  std::vector<Bytes> bad = {
      {},
      {0x30},
      {0x30, 0x00},
      {0x30, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02, 0x00},  // trailing byte
      {0x30, 0x06, 0x02, 0x01, 0x00, 0x02, 0x01, 0x02},        // r = 0
      {0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x02},        // r < 0
      {0x30, 0x07, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02},        // length lies
      {0x31, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x02},        // not a SEQUENCE
      {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x01},  // huge length
      Bytes(200, 0x30),                                        // too long for P-256
  };
  // r of 33 significant bytes: larger than any P-256 number.
  Bytes big = {0x30, 0x26, 0x02, 0x21, 0x01};
  big.insert(big.end(), 32, 0x00);
  big.insert(big.end(), {0x02, 0x01, 0x01});
  bad.push_back(big);
  for (const auto& b : bad) {
    auto p = ssh_signature_parts(kAlgEcdsaP256, b);
    EXPECT_FALSE(p.ok()) << "accepted " << b.size() << " bytes";
  }
}

TEST(FidoKeyFormat, Ed25519SignatureMustBe64Bytes) {
  auto p = ssh_signature_parts(kAlgEd25519, Bytes(64, 3));
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->r, Bytes(64, 3));
  EXPECT_TRUE(p->s.empty());
  EXPECT_FALSE(ssh_signature_parts(kAlgEd25519, Bytes(63, 3)).ok());
  EXPECT_FALSE(ssh_signature_parts(kAlgEd25519, Bytes(65, 3)).ok());
  EXPECT_FALSE(ssh_signature_parts(kAlgEd25519, {}).ok());
  EXPECT_FALSE(ssh_signature_parts(2, Bytes(64, 3)).ok());
}

TEST(FidoKeyFormat, RandomSignaturesNeverCrash) {
  uint32_t seed = 99;
  for (int i = 0; i < 5000; i++) {
    Bytes b(size_t(seed % 90));
    for (auto& x : b) {
      seed = seed * 1664525u + 1013904223u;
      x = uint8_t(seed >> 24);
    }
    if (!b.empty() && i % 2) b[0] = 0x30;
    (void)ssh_signature_parts(kAlgEcdsaP256, b);
    (void)ssh_public_key(kAlgEcdsaP256, b);
    seed = seed * 1664525u + 1013904223u;
  }
}

}  // namespace
}  // namespace skagent::fido
