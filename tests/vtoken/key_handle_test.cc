// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/key_handle.h"

#include <gtest/gtest.h>

#include "vtoken/cose_key.h"
#include "vtoken/credential_key.h"
#include "vtoken/crypto.h"

namespace skagent::vtoken {
namespace {

TEST(VtokenKeyHandle, RoundTripBoundToRpAndMaster) {
  Bytes master = random_bytes(32), rp = sha256(view("ssh:"));
  KeyHandle kh{cose::kAlgEdDsa, 3, true, random_bytes(32)};
  auto id = wrap_key_handle(master, rp, kh);
  ASSERT_TRUE(id.ok());
  EXPECT_EQ(id->size(), kKeyHandleSize);
  auto back = unwrap_key_handle(master, rp, *id);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->alg, cose::kAlgEdDsa);
  EXPECT_EQ(back->cred_protect, 3);
  EXPECT_TRUE(back->resident);
  EXPECT_EQ(back->private_key, kh.private_key);
  EXPECT_FALSE(unwrap_key_handle(master, sha256(view("ssh:x")), *id).ok());
  EXPECT_FALSE(unwrap_key_handle(random_bytes(32), rp, *id).ok());
  // Every single-bit change (header included: credProtect can't be lowered) fails.
  for (size_t i = 0; i < id->size(); i++) {
    Bytes t = *id;
    t[i] ^= 0x01;
    EXPECT_FALSE(unwrap_key_handle(master, rp, t).ok()) << i;
  }
  for (size_t n : {size_t(0), size_t(1), size_t(63), size_t(65), size_t(1023)}) {
    EXPECT_FALSE(unwrap_key_handle(master, rp, Bytes(n, 1)).ok());
  }
}

TEST(VtokenKeyHandle, RefusesFieldsOutOfRange) {
  Bytes master = random_bytes(32), rp(32, 0);
  EXPECT_FALSE(wrap_key_handle(master, rp, KeyHandle{-257, 1, false, Bytes(32, 1)}).ok());
  EXPECT_FALSE(wrap_key_handle(master, rp, KeyHandle{-7, 0, false, Bytes(32, 1)}).ok());
  EXPECT_FALSE(wrap_key_handle(master, rp, KeyHandle{-7, 1, false, Bytes(31, 1)}).ok());
}

TEST(VtokenCredentialKey, KeysSurviveTheirPrivateBytes) {
  for (int64_t alg : {cose::kAlgEs256, cose::kAlgEdDsa}) {
    auto k = CredentialKey::generate(alg);
    ASSERT_TRUE(k.ok());
    auto again = CredentialKey::from_private(alg, *k->private_bytes());
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(k->public_key()->x, again->public_key()->x);
    EXPECT_TRUE(k->sign(view("msg")).ok());
  }
  EXPECT_FALSE(CredentialKey::from_private(cose::kAlgEs256, Bytes(32, 0)).ok());  // zero scalar
  EXPECT_FALSE(
      CredentialKey::from_private(cose::kAlgEs256, Bytes(32, 0xff)).ok());  // over the order
  EXPECT_FALSE(CredentialKey::from_private(cose::kAlgEdDsa, Bytes(31, 1)).ok());
  EXPECT_FALSE(CredentialKey::generate(-257).ok());
}

}  // namespace
}  // namespace skagent::vtoken
