// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/crypto.h"

#include <openssl/core_names.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>

#include <cstdlib>

namespace skagent::vtoken {

namespace {

// A P-256 key from its scalar and/or point; either may be empty.
Result<Pkey> p256_from_params(int selection, ByteView priv, ByteView pub_point) {
  // The builder keeps the BIGNUM pointer until the key is built.
  evp::Bignum d = priv.empty() ? evp::Bignum() : evp::bn(priv);
  return evp::from_params("EC", selection, [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME, "P-256", 0) == 1 &&
           (priv.empty() ||
            (d && OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_PRIV_KEY, d.get()) == 1)) &&
           (pub_point.empty() ||
            OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, pub_point.data(),
                                             pub_point.size()) == 1);
  });
}

}  // namespace

Bytes random_bytes(size_t n) {
  Bytes out(n);
  // Without randomness every secret would be predictable: stop rather than go on.
  if (n != 0 && RAND_bytes(out.data(), int(n)) != 1) abort();
  return out;
}

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, EVP_sha256(), nullptr) != 1) abort();
  return out;
}

Bytes hmac_sha256(ByteView key, ByteView data) {
  Bytes out(32);
  unsigned int len = 32;
  static const uint8_t empty = 0;
  if (HMAC(EVP_sha256(), key.empty() ? &empty : key.data(), int(key.size()),
           data.empty() ? &empty : data.data(), data.size(), out.data(), &len) == nullptr) {
    abort();
  }
  return out;
}

Bytes hkdf_sha256(ByteView ikm, std::string_view info, size_t length) {
  Owned<EVP_KDF> kdf(EVP_KDF_fetch(nullptr, "HKDF", nullptr));
  Owned<EVP_KDF_CTX> ctx(kdf ? EVP_KDF_CTX_new(kdf.get()) : nullptr);
  if (!ctx) abort();
  uint8_t salt[32] = {};
  char digest[] = "SHA256";
  OSSL_PARAM params[] = {OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(ikm.data()), ikm.size()),
                         OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, salt, sizeof(salt)),
                         OSSL_PARAM_construct_octet_string(
                             OSSL_KDF_PARAM_INFO, const_cast<char*>(info.data()), info.size()),
                         OSSL_PARAM_construct_end()};
  Bytes out(length);
  if (EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) != 1) abort();
  return out;
}

namespace {

Result<Bytes> aes_cbc(bool encrypt, ByteView key, ByteView iv, ByteView in) {
  if (key.size() != 32 || iv.size() != 16) return make_error(Errc::internal, "AES-CBC key/iv size");
  if (in.size() % 16 != 0) return make_error(Errc::malformed, "AES-CBC input is not whole blocks");
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes out(in.size() + 16);
  int n1 = 0, n2 = 0;
  if (!ctx ||
      EVP_CipherInit_ex(ctx.get(), EVP_aes_256_cbc(), nullptr, key.data(), iv.data(),
                        encrypt ? 1 : 0) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1 ||
      EVP_CipherUpdate(ctx.get(), out.data(), &n1, in.data(), int(in.size())) != 1 ||
      EVP_CipherFinal_ex(ctx.get(), out.data() + n1, &n2) != 1) {
    return crypto_error("AES-CBC");
  }
  out.resize(size_t(n1 + n2));
  return out;
}

}  // namespace

Result<Bytes> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plain) {
  return aes_cbc(true, key, iv, plain);
}

Result<Bytes> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView cipher) {
  return aes_cbc(false, key, iv, cipher);
}

Result<Bytes> aes256_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plain) {
  if (key.size() != 32 || nonce.size() != 12) return make_error(Errc::internal, "AES-GCM sizes");
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes out(plain.size() + 16);
  int n = 0, fin = 0;
  if (!ctx ||
      EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_EncryptUpdate(ctx.get(), nullptr, &n, aad.data(), int(aad.size())) != 1) ||
      EVP_EncryptUpdate(ctx.get(), out.data(), &n, plain.data(), int(plain.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx.get(), out.data() + n, &fin) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, 16, out.data() + plain.size()) != 1) {
    return crypto_error("AES-GCM seal");
  }
  return out;
}

Result<Bytes> aes256_gcm_open(ByteView key, ByteView nonce, ByteView aad, ByteView sealed) {
  if (key.size() != 32 || nonce.size() != 12) return make_error(Errc::internal, "AES-GCM sizes");
  if (sealed.size() < 16) return make_error(Errc::malformed, "AES-GCM input too short");
  size_t clen = sealed.size() - 16;
  Owned<EVP_CIPHER_CTX> ctx(EVP_CIPHER_CTX_new());
  Bytes out(clen + 16);
  int n = 0, fin = 0;
  if (!ctx ||
      EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.data(), nonce.data()) != 1 ||
      (!aad.empty() &&
       EVP_DecryptUpdate(ctx.get(), nullptr, &n, aad.data(), int(aad.size())) != 1) ||
      EVP_DecryptUpdate(ctx.get(), out.data(), &n, sealed.data(), int(clen)) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, 16,
                          const_cast<uint8_t*>(sealed.data() + clen)) != 1 ||
      EVP_DecryptFinal_ex(ctx.get(), out.data() + n, &fin) != 1) {
    ERR_clear_error();
    return make_error(Errc::crypto, "AES-GCM authentication failed");
  }
  out.resize(clen);
  return out;
}

Result<Pkey> p256_generate() {
  EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256");
  if (raw == nullptr) return crypto_error("P-256 key generation");
  return Pkey(raw);
}

Result<Pkey> p256_from_private(ByteView scalar32) {
  if (scalar32.size() != 32) return make_error(Errc::malformed, "P-256 scalar must be 32 bytes");
  // Derive the public point so the key is complete for signing and export.
  Owned<BIGNUM> d(BN_bin2bn(scalar32.data(), 32, nullptr));
  EC_GROUP* group = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
  EC_POINT* pt = group ? EC_POINT_new(group) : nullptr;
  Bytes point(65);
  bool ok =
      d && pt && !BN_is_zero(d.get()) && BN_cmp(d.get(), EC_GROUP_get0_order(group)) < 0 &&
      EC_POINT_mul(group, pt, d.get(), nullptr, nullptr, nullptr) == 1 &&
      EC_POINT_point2oct(group, pt, POINT_CONVERSION_UNCOMPRESSED, point.data(), 65, nullptr) == 65;
  EC_POINT_free(pt);
  EC_GROUP_free(group);
  if (!ok) return crypto_error("invalid P-256 private key");
  return p256_from_params(EVP_PKEY_KEYPAIR, scalar32, point);
}

Result<Pkey> p256_from_public(ByteView x32, ByteView y32) {
  if (x32.size() != 32 || y32.size() != 32) {
    return make_error(Errc::malformed, "P-256 coordinates must be 32 bytes");
  }
  Bytes point;
  point.push_back(0x04);
  point.insert(point.end(), x32.begin(), x32.end());
  point.insert(point.end(), y32.begin(), y32.end());
  auto key = p256_from_params(EVP_PKEY_PUBLIC_KEY, {}, point);
  if (!key) return key.error();
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, key->get(), nullptr));
  if (!ctx || EVP_PKEY_public_check(ctx.get()) != 1) {
    ERR_clear_error();
    return make_error(Errc::malformed, "P-256 point is not on the curve");
  }
  return key;
}

Result<std::pair<Bytes, Bytes>> p256_public_xy(EVP_PKEY* key) {
  Bytes point(65);
  size_t len = 0;
  if (EVP_PKEY_get_octet_string_param(key, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size(),
                                      &len) != 1 ||
      len != 65 || point[0] != 0x04) {
    return crypto_error("P-256 public point");
  }
  return std::make_pair(Bytes(point.begin() + 1, point.begin() + 33),
                        Bytes(point.begin() + 33, point.end()));
}

Result<Bytes> p256_private_scalar(EVP_PKEY* key) {
  BIGNUM* d = nullptr;
  if (EVP_PKEY_get_bn_param(key, OSSL_PKEY_PARAM_PRIV_KEY, &d) != 1) {
    return crypto_error("P-256 private scalar");
  }
  Owned<BIGNUM> owned(d);
  Bytes out(32);
  if (BN_bn2binpad(d, out.data(), 32) != 32) return crypto_error("P-256 private scalar");
  return out;
}

Result<Bytes> p256_ecdh(EVP_PKEY* ours, EVP_PKEY* peer) {
  Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, ours, nullptr));
  size_t len = 0;
  if (!ctx || EVP_PKEY_derive_init(ctx.get()) != 1 ||
      EVP_PKEY_derive_set_peer(ctx.get(), peer) != 1 ||
      EVP_PKEY_derive(ctx.get(), nullptr, &len) != 1 || len != 32) {
    return crypto_error("ECDH");
  }
  Bytes out(len);
  if (EVP_PKEY_derive(ctx.get(), out.data(), &len) != 1) return crypto_error("ECDH");
  return out;
}

}  // namespace skagent::vtoken
