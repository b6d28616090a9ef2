// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/evp.h"

#include <gtest/gtest.h>
#include <openssl/objects.h>

namespace skagent::evp {
namespace {

// The curve table against OpenSSL's own knowledge of each curve.
TEST(EvpTables, CurvesAgreeWithOpenSsl) {
  for (KeyType t : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
    const EcCurve& c = ec_curve(t);
    EXPECT_EQ(c.type, t);
    EXPECT_STREQ(OBJ_nid2sn(c.nid), c.sec_name);
    Owned<EC_GROUP> g(EC_GROUP_new_by_curve_name(c.nid));
    ASSERT_TRUE(g);
    EXPECT_EQ(c.field_bytes, (size_t(EC_GROUP_get_degree(g.get())) + 7) / 8);
    EXPECT_EQ(ec_curve_named(c.group_name), &c);
    EXPECT_EQ(ec_curve_named(c.sec_name), &c);
    ASSERT_NE(c.digest(), nullptr);
    EXPECT_TRUE(EVP_MD_is_a(c.digest(), c.digest_name)) << c.digest_name;
  }
  EXPECT_EQ(ec_curve(KeyType::ecdsa_p256).point_size(), 65u);
  EXPECT_EQ(ec_curve(KeyType::ecdsa_p384).point_size(), 97u);
  EXPECT_EQ(ec_curve(KeyType::ecdsa_p521).point_size(), 133u);
  EXPECT_EQ(EVP_MD_get_type(ec_curve(KeyType::ecdsa_p384).digest()), NID_sha384);
  // Fetched once: the same object at every use.
  EXPECT_EQ(ec_curve(KeyType::ecdsa_p384).digest(), fetched_md(FetchedMd::sha384));
  EXPECT_EQ(ec_curve(KeyType::sk_ecdsa_p256).type, KeyType::ecdsa_p256);
  EXPECT_EQ(ec_curve_named("secp256k1"), nullptr);
  EXPECT_EQ(ec_curve_named(""), nullptr);
}

TEST(EvpTables, RsaAlgorithmsByHashAndName) {
  EXPECT_STREQ(rsa_algorithm(RsaHash::sha1).name, "ssh-rsa");
  EXPECT_STREQ(rsa_algorithm(RsaHash::sha256).name, "rsa-sha2-256");
  EXPECT_STREQ(rsa_algorithm(RsaHash::sha512).name, "rsa-sha2-512");
  for (RsaHash h : {RsaHash::sha1, RsaHash::sha256, RsaHash::sha512}) {
    const RsaAlgorithm& a = rsa_algorithm(h);
    EXPECT_EQ(rsa_algorithm_named(a.name), &a);
    ASSERT_NE(a.digest(), nullptr);
    EXPECT_TRUE(EVP_MD_is_a(a.digest(), a.digest_name)) << a.digest_name;
  }
  EXPECT_TRUE(EVP_MD_is_a(fetched_md(FetchedMd::md5), "MD5"));
  EXPECT_EQ(rsa_algorithm_named("rsa-sha2-384"), nullptr);
  EXPECT_EQ(rsa_algorithm_named("ssh-ed25519"), nullptr);
}

}  // namespace
}  // namespace skagent::evp
