// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/private_key.h"

#include <gtest/gtest.h>

namespace skagent {
namespace {

// The key in the private-key wire form (PrivateKey::write).
Bytes serialised(const PrivateKey& k) {
  Writer w;
  k.write(w);
  return w.take();
}

// Whether PrivateKey::read takes `b`.
bool reads(ByteView b) {
  Reader r(b);
  return PrivateKey::read(r).ok();
}

// Every `step`-th truncation of `full`, from the empty one on, is refused.
void expect_truncations_refused(ByteView full, size_t step = 1) {
  for (size_t n = 0; n < full.size(); n += step)
    EXPECT_FALSE(reads(full.first(n))) << "accepted a truncation at " << n;
}

class PrivateKeyTypes : public ::testing::TestWithParam<KeyType> {};

TEST_P(PrivateKeyTypes, SerializeRoundTripSignAndVerify) {
  auto key = PrivateKey::generate(GetParam(), GetParam() == KeyType::rsa ? 2048 : 0);
  ASSERT_TRUE(key.ok()) << key.error().message;
  ASSERT_TRUE(key->validate().ok());
  Writer w;
  key->write(w);
  Reader r(w.bytes());
  auto back = PrivateKey::read(r);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_TRUE(r.empty());
  EXPECT_TRUE(back->validate().ok());
  EXPECT_EQ(back->public_key().blob(), key->public_key().blob());

  Bytes data = to_bytes(view("data to sign"));
  auto sig = back->sign(data, RsaHash::sha256);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  auto pub = parse_public_key(key->public_key().blob());
  ASSERT_TRUE(pub.ok());
  EXPECT_TRUE(verify_signature(*pub, *sig, data).ok());
  Bytes other = to_bytes(view("other data"));
  EXPECT_FALSE(verify_signature(*pub, *sig, other).ok());
  Bytes corrupt = *sig;
  corrupt.back() ^= 1;
  EXPECT_FALSE(verify_signature(*pub, corrupt, data).ok());
}

INSTANTIATE_TEST_SUITE_P(All, PrivateKeyTypes,
                         ::testing::Values(KeyType::ed25519, KeyType::ecdsa_p256,
                                           KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa,
                                           KeyType::mldsa44_ed25519));

TEST(PrivateKey, EveryTruncationFailsCleanly) {
  auto key = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(key.ok());
  expect_truncations_refused(serialised(*key));
}

TEST(PrivateKey, MismatchedSecretFailsValidation) {
  for (KeyType t : {KeyType::ed25519, KeyType::mldsa44_ed25519}) {
    auto a = PrivateKey::generate(t);
    auto b = PrivateKey::generate(t);
    ASSERT_TRUE(a.ok() && b.ok());
    a->set_public_key(b->public_key());
    EXPECT_FALSE(a->validate().ok()) << key_type_info(t).name;
  }
}

// A security key's private half is only a handle, so nothing checks the public point against
// a secret: it is checked on its own, as OpenSSH's sshkey_private_deserialize does
// (sshkey_ec_validate_public). Found by the differential run: a point with one bit flipped,
// off the curve, was added.
TEST(PrivateKey, SecurityKeyEcdsaPointOffTheCurveFailsValidation) {
  auto ec = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(ec.ok());
  auto sk_key = [&](ByteView point) {
    Writer w;
    w.string("sk-ecdsa-sha2-nistp256@openssh.com");
    w.string("nistp256");
    w.string(point);
    w.string("ssh:");
    w.u8(0x01);
    w.string("key handle");
    w.string("");
    Reader r(w.bytes());
    auto k = PrivateKey::read(r);
    EXPECT_TRUE(k.ok()) << k.error().message;
    return k;
  };
  Bytes point = ec->public_key().point;
  auto good = sk_key(point);
  ASSERT_TRUE(good.ok());
  EXPECT_TRUE(good->validate().ok());
  point.back() ^= 1;
  auto off_curve = sk_key(point);
  ASSERT_TRUE(off_curve.ok());
  EXPECT_FALSE(off_curve->validate().ok());
}

// OpenSSH's layout (ssh-mldsa-eddsa.c): string pk (1344), string seeds (64); a wrong size of
// either, or a truncation anywhere, is refused.
TEST(PrivateKey, MldsaSerialisationIsOpenSSHs) {
  auto key = PrivateKey::generate(KeyType::mldsa44_ed25519);
  ASSERT_TRUE(key.ok());
  const Bytes full = serialised(*key);
  Reader r(full);
  std::string name;
  ByteView pk, seeds;
  ASSERT_TRUE(r.cstring(name) && r.string(pk) && r.string(seeds) && r.empty());
  EXPECT_EQ(name, "ssh-mldsa44-ed25519@openssh.com");
  EXPECT_EQ(pk.size(), 1344u);
  EXPECT_EQ(seeds.size(), 64u);
  EXPECT_EQ(key->public_key().bits(), 256u);
  expect_truncations_refused(full, 97);
  Writer bad;
  bad.string(name), bad.string(pk), bad.string(seeds.first(63));
  EXPECT_FALSE(reads(bad.bytes()));
  Writer badpk;
  badpk.string(name), badpk.string(pk.first(1343)), badpk.string(seeds);
  EXPECT_FALSE(reads(badpk.bytes()));
}

TEST(PublicKey, HostileBlobsAreRefused) {
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key.ok());
  Bytes blob = key->public_key().blob();
  Bytes trailing = blob;
  trailing.push_back(0);
  EXPECT_FALSE(parse_public_key(trailing).ok());
  Bytes huge = blob;
  huge[3] = 0xff;  // type-name length far past the end
  EXPECT_FALSE(parse_public_key(huge).ok());
  Writer unknown;
  unknown.string("ssh-unknown");
  unknown.string(view("x"));
  EXPECT_FALSE(parse_public_key(unknown.bytes()).ok());
  EXPECT_FALSE(parse_public_key({}).ok());
}

}  // namespace
}  // namespace skagent
