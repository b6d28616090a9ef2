// SPDX-License-Identifier: BSD-2-Clause
// Software key generation, extracting OpenSSH's components from OpenSSL keys.
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "ssh/mldsa44_ed25519.h"
#include "ssh/private_key_secret.h"

namespace skagent {

namespace {

bool get_bn(EVP_PKEY* pk, const char* name, Bytes& out) {
  BIGNUM* b = nullptr;
  if (EVP_PKEY_get_bn_param(pk, name, &b) != 1) return false;
  out = evp::bn_bytes(b);
  BN_clear_free(b);
  return true;
}

Result<evp::Pkey> keygen(const char* alg, unsigned bits, const char* group) {
  evp::Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, alg, nullptr));
  if (!ctx || EVP_PKEY_keygen_init(ctx.get()) != 1) return evp::crypto_error("keygen init");
  if (bits != 0 && EVP_PKEY_CTX_set_rsa_keygen_bits(ctx.get(), int(bits)) != 1) {
    return evp::crypto_error("RSA key size");
  }
  if (group != nullptr && EVP_PKEY_CTX_set_group_name(ctx.get(), group) != 1) {
    return evp::crypto_error("EC group");
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_generate(ctx.get(), &raw) != 1) return evp::crypto_error("key generation");
  return evp::Pkey(raw);
}

}  // namespace

Result<PrivateKey> PrivateKey::generate(KeyType type, unsigned bits) {
  PrivateKey k;
  k.pub_.type = type;
  Secret& s = *k.secret_;
  bool ok = false;
  if (type == KeyType::ed25519) {
    auto pk = keygen("ED25519", 0, nullptr);
    if (!pk) return pk.error();
    size_t len = 32;
    k.pub_.point.resize(32);
    s.x.resize(64);
    ok = EVP_PKEY_get_raw_private_key(pk->get(), s.x.data(), &len) == 1 &&
         EVP_PKEY_get_raw_public_key(pk->get(), k.pub_.point.data(), &len) == 1;
    std::copy(k.pub_.point.begin(), k.pub_.point.end(), s.x.begin() + 32);
  } else if (type == KeyType::rsa) {
    if (bits == 0) bits = 3072;
    if (bits < 2048 || bits > 16384) return make_error(Errc::unsupported, "RSA size 2048..16384");
    auto pk = keygen("RSA", bits, nullptr);
    if (!pk) return pk.error();
    ok = get_bn(pk->get(), OSSL_PKEY_PARAM_RSA_N, k.pub_.rsa_n) &&
         get_bn(pk->get(), OSSL_PKEY_PARAM_RSA_E, k.pub_.rsa_e) &&
         get_bn(pk->get(), OSSL_PKEY_PARAM_RSA_D, s.x) &&
         get_bn(pk->get(), OSSL_PKEY_PARAM_RSA_FACTOR1, s.rsa_p) &&
         get_bn(pk->get(), OSSL_PKEY_PARAM_RSA_FACTOR2, s.rsa_q) &&
         get_bn(pk->get(), OSSL_PKEY_PARAM_RSA_COEFFICIENT1, s.rsa_iqmp);
  } else if (type == KeyType::ecdsa_p256 || type == KeyType::ecdsa_p384 ||
             type == KeyType::ecdsa_p521) {
    auto pk = keygen("EC", 0, evp::ec_curve(type).group_name);
    if (!pk) return pk.error();
    k.pub_.point.resize(evp::ec_curve(type).point_size());
    size_t len = 0;
    ok = EVP_PKEY_get_octet_string_param(pk->get(), OSSL_PKEY_PARAM_PUB_KEY, k.pub_.point.data(),
                                         k.pub_.point.size(), &len) == 1 &&
         len == k.pub_.point.size() && get_bn(pk->get(), OSSL_PKEY_PARAM_PRIV_KEY, s.x);
  } else if (type == KeyType::mldsa44_ed25519) {
    // Two independent 32-byte seeds, as OpenSSH draws them.
    s.x.resize(mldsa44_ed25519::kSecretSize);
    if (RAND_bytes(s.x.data(), int(s.x.size())) != 1)
      return evp::crypto_error("randomness for key");
    auto pk = mldsa44_ed25519::public_key(s.x);
    if (!pk) return pk.error();
    k.pub_.point = std::move(*pk);
    ok = true;
  } else {
    return make_error(Errc::unsupported, "cannot generate this key type in software");
  }
  if (!ok) return evp::crypto_error("extracting generated key");
  return k;
}

}  // namespace skagent
