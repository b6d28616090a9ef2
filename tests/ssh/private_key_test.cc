// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/private_key.h"

#include <gtest/gtest.h>

namespace skagent {
namespace {

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
                                           KeyType::ecdsa_p384, KeyType::ecdsa_p521,
                                           KeyType::rsa));

TEST(PrivateKey, EveryTruncationFailsCleanly) {
  auto key = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(key.ok());
  Writer w;
  key->write(w);
  const Bytes& full = w.bytes();
  for (size_t n = 0; n < full.size(); n++) {
    Reader r(ByteView(full).first(n));
    EXPECT_FALSE(PrivateKey::read(r).ok()) << "accepted a truncation at " << n;
  }
}

TEST(PrivateKey, MismatchedSecretFailsValidation) {
  auto a = PrivateKey::generate(KeyType::ed25519);
  auto b = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(a.ok() && b.ok());
  a->set_public_key(b->public_key());
  EXPECT_FALSE(a->validate().ok());
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
