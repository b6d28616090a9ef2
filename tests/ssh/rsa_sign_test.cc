// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/rsa_sign.h"

#include <gtest/gtest.h>
#include <openssl/core_names.h>

#include <thread>
#include <vector>

namespace skagent::evp {
namespace {

// An RSA key from OpenSSL, as OpenSSH holds it (n, e public; d, p, q, iqmp secret).
struct TestKey {
  Pkey pkey;
  PublicKey pub;
  Bytes d, p, q, iqmp;
};

Bytes param(EVP_PKEY* k, const char* name) {
  BIGNUM* b = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(k, name, &b), 1) << name;
  Bignum owned(b);
  return owned ? bn_bytes(owned.get()) : Bytes();
}

TestKey make_key() {
  TestKey k;
  k.pkey.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t(2048)));
  EXPECT_TRUE(k.pkey);
  k.pub.type = KeyType::rsa;
  k.pub.rsa_n = param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_N);
  k.pub.rsa_e = param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_E);
  k.d = param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_D);
  k.p = param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR1);
  k.q = param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_FACTOR2);
  k.iqmp = param(k.pkey.get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1);
  return k;
}

Bytes sign_with(const TestKey& k, RsaHash h, ByteView data, RsaBlinding& b) {
  auto sig = rsa_sign(k.pub, k.d, k.p, k.q, k.iqmp, h, data, b);
  EXPECT_TRUE(sig) << sig.error().message;
  return sig ? *sig : Bytes();
}

// PKCS#1 v1.5 signatures are deterministic: with the pair kept (and refreshed, and drawn
// anew by OpenSSL every 32 uses), every signature must be the very bytes OpenSSL's
// EVP_DigestSign makes with its own blinding, for each hash.
TEST(RsaSign, KeptBlindingGivesOpenSslsSignatures) {
  TestKey k = make_key();
  RsaBlinding blinding;
  for (RsaHash h : {RsaHash::sha1, RsaHash::sha256, RsaHash::sha512}) {
    for (int i = 0; i < 40; i++) {
      Bytes data{uint8_t(i), uint8_t(h), 7, 7, 7};
      auto want = sign(k.pkey.get(), rsa_algorithm(h).digest(), data);
      ASSERT_TRUE(want);
      ASSERT_EQ(sign_with(k, h, data, blinding), *want) << "hash " << int(h) << " round " << i;
    }
  }
  EXPECT_EQ(blinding.pairs_drawn(), 1u);  // kept for all 120 signatures
}

// A blinding handed another key draws a pair for that key rather than misusing the first's.
TEST(RsaSign, BlindingFollowsTheKey) {
  TestKey a = make_key(), b = make_key();
  RsaBlinding blinding;
  const Bytes data{1, 2, 3};
  for (const TestKey* k : {&a, &b, &a}) {
    auto want = sign(k->pkey.get(), EVP_sha512(), data);
    ASSERT_TRUE(want);
    EXPECT_EQ(sign_with(*k, RsaHash::sha512, data, blinding), *want);
  }
  EXPECT_EQ(blinding.pairs_drawn(), 3u);
}

// Worker threads sign with one key at once: the pair is shared under its lock.
TEST(RsaSign, OneBlindingOnSeveralThreads) {
  TestKey k = make_key();
  RsaBlinding blinding;
  const Bytes data{9, 9, 9};
  auto want = sign(k.pkey.get(), EVP_sha256(), data);
  ASSERT_TRUE(want);
  std::vector<std::thread> threads;
  std::vector<int> good(4, 0);
  for (size_t t = 0; t < good.size(); t++) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 20; i++) {
        auto sig = rsa_sign(k.pub, k.d, k.p, k.q, k.iqmp, RsaHash::sha256, data, blinding);
        if (sig && *sig == *want) good[t]++;
      }
    });
  }
  for (auto& t : threads) t.join();
  for (int g : good) EXPECT_EQ(g, 20);
  EXPECT_EQ(blinding.pairs_drawn(), 1u);
}

// A key whose private half does not fit its modulus fails (OpenSSL's fault check recomputes
// without CRT; a wrong d then gives a signature that does not verify, never a crash).
TEST(RsaSign, WrongPrivateHalfNeverVerifies) {
  TestKey k = make_key(), other = make_key();
  RsaBlinding blinding;
  const Bytes data{4, 5, 6};
  auto sig =
      rsa_sign(k.pub, other.d, other.p, other.q, other.iqmp, RsaHash::sha512, data, blinding);
  if (sig) {
    EXPECT_FALSE(verify(k.pkey.get(), EVP_sha512(), *sig, data));
  }
}

}  // namespace
}  // namespace skagent::evp
