// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/key_shield.h"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <utility>

namespace skagent {
namespace {

Bytes pattern(size_t n) {
  Bytes b(n);
  for (size_t i = 0; i < n; i++) b[i] = uint8_t(i * 7 + 3);
  return b;
}

constexpr size_t kTag = 16;

class KeyShieldTest : public ::testing::Test {
 protected:
  ShieldedSecret shield(ByteView secret) {
    auto s = ks_->shield(secret);
    EXPECT_TRUE(s.ok()) << (s.ok() ? "" : s.error().message);
    return s.ok() ? std::move(*s) : ShieldedSecret{};
  }
  std::unique_ptr<KeyShield> ks_ = must_create();
  static std::unique_ptr<KeyShield> must_create() {
    auto ks = KeyShield::create();
    EXPECT_TRUE(ks.ok()) << (ks.ok() ? "" : ks.error().message);
    return ks.ok() ? std::move(*ks) : nullptr;
  }
};

TEST_F(KeyShieldTest, RoundTripOfVariousSizes) {
  for (size_t n :
       {size_t(0), size_t(1), size_t(15), size_t(16), size_t(17), size_t(64), size_t(4096)}) {
    Bytes secret = pattern(n);
    ShieldedSecret s = shield(secret);
    EXPECT_NE(s.nonce, decltype(s.nonce){}) << n;
    EXPECT_EQ(s.ciphertext.size(), n + kTag) << n;
    auto back = ks_->unshield(s);
    ASSERT_TRUE(back.ok()) << n << ": " << back.error().message;
    EXPECT_TRUE(equal(*back, secret)) << n;
  }
}

TEST_F(KeyShieldTest, CiphertextDiffersFromPlaintext) {
  Bytes secret = pattern(64);
  ShieldedSecret s = shield(secret);
  ASSERT_EQ(s.ciphertext.size(), 64 + kTag);
  ByteView body(s.ciphertext.data(), 64);
  EXPECT_FALSE(equal(body, secret));
  // Not merely different somewhere: most bytes must change.
  size_t same = 0;
  for (size_t i = 0; i < 64; i++) same += body[i] == secret[i];
  EXPECT_LT(same, 8u);
}

TEST_F(KeyShieldTest, FreshNoncePerShield) {
  Bytes secret = pattern(64);
  ShieldedSecret a = shield(secret), b = shield(secret);
  EXPECT_FALSE(equal(a.nonce, b.nonce));
  EXPECT_FALSE(equal(a.ciphertext, b.ciphertext));
  auto ra = ks_->unshield(a), rb = ks_->unshield(b);
  ASSERT_TRUE(ra.ok() && rb.ok());
  EXPECT_TRUE(equal(*ra, *rb));
}

TEST_F(KeyShieldTest, FlippedCiphertextOrTagBitFails) {
  ShieldedSecret s = shield(pattern(64));
  for (size_t i = 0; i < s.ciphertext.size(); i++) {
    for (uint8_t bit : {uint8_t(0x01), uint8_t(0x80)}) {
      ShieldedSecret t = s;
      t.ciphertext[i] ^= bit;
      EXPECT_FALSE(ks_->unshield(t).ok()) << "byte " << i << (i >= 64 ? " (tag)" : "");
    }
  }
}

TEST_F(KeyShieldTest, FlippedNonceBitFails) {
  ShieldedSecret s = shield(pattern(64));
  for (size_t i = 0; i < s.nonce.size(); i++) {
    ShieldedSecret t = s;
    t.nonce[i] ^= 0x10;
    EXPECT_FALSE(ks_->unshield(t).ok()) << "nonce byte " << i;
  }
}

TEST_F(KeyShieldTest, EmptySecretIsStillAuthenticated) {
  ShieldedSecret s = shield({});
  ASSERT_EQ(s.ciphertext.size(), kTag);
  s.ciphertext[0] ^= 1;
  EXPECT_FALSE(ks_->unshield(s).ok());
}

TEST_F(KeyShieldTest, MalformedShieldedSecretFails) {
  ShieldedSecret s = shield(pattern(64));
  const std::pair<const char*, std::function<void(ShieldedSecret&)>> tampers[] = {
      {"ciphertext shorter than a tag", [](ShieldedSecret& t) { t.ciphertext.resize(kTag - 1); }},
      {"no ciphertext", [](ShieldedSecret& t) { t.ciphertext.clear(); }},
      {"ciphertext cut", [](ShieldedSecret& t) { t.ciphertext.pop_back(); }},
      {"ciphertext longer", [](ShieldedSecret& t) { t.ciphertext.push_back(0); }},
      {"zero nonce", [](ShieldedSecret& t) { t.nonce.fill(0); }},
  };
  for (const auto& [what, tamper] : tampers) {
    ShieldedSecret t = s;
    tamper(t);
    EXPECT_FALSE(ks_->unshield(t).ok()) << what;
  }
}

TEST_F(KeyShieldTest, OtherInstanceCannotUnshield) {
  Bytes secret = pattern(64);
  ShieldedSecret s = shield(secret);
  auto other = KeyShield::create();
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE((*other)->unshield(s).ok());
  auto mine = ks_->unshield(s);
  ASSERT_TRUE(mine.ok());
  EXPECT_TRUE(equal(*mine, secret));
}

}  // namespace
}  // namespace skagent
