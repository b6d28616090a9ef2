// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/credential_key.h"

namespace skagent::vtoken {

Result<CredentialKey> CredentialKey::generate(int64_t alg) {
  if (alg == cose::kAlgEs256) {
    auto k = p256_generate();
    if (!k) return k.error();
    return CredentialKey(alg, std::move(*k));
  }
  if (alg == cose::kAlgEdDsa) {
    EVP_PKEY* raw = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519");
    if (raw == nullptr) return crypto_error("Ed25519 key generation");
    return CredentialKey(alg, Pkey(raw));
  }
  return make_error(Errc::unsupported, "unsupported credential algorithm");
}

Result<CredentialKey> CredentialKey::from_private(int64_t alg, ByteView priv) {
  if (alg == cose::kAlgEs256) {
    auto k = p256_from_private(priv);
    if (!k) return k.error();
    return CredentialKey(alg, std::move(*k));
  }
  if (alg == cose::kAlgEdDsa) {
    if (priv.size() != 32) return make_error(Errc::malformed, "Ed25519 seed must be 32 bytes");
    EVP_PKEY* raw = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, priv.data(), 32);
    if (raw == nullptr) return crypto_error("Ed25519 private key");
    return CredentialKey(alg, Pkey(raw));
  }
  return make_error(Errc::unsupported, "unsupported credential algorithm");
}

Result<Bytes> CredentialKey::private_bytes() const {
  if (alg_ == cose::kAlgEs256) return p256_private_scalar(key_.get());
  Bytes out(32);
  size_t len = 32;
  if (EVP_PKEY_get_raw_private_key(key_.get(), out.data(), &len) != 1 || len != 32) {
    return crypto_error("Ed25519 private key export");
  }
  return out;
}

Result<CoseKey> CredentialKey::public_key() const {
  CoseKey k;
  k.alg = alg_;
  if (alg_ == cose::kAlgEs256) {
    auto xy = p256_public_xy(key_.get());
    if (!xy) return xy.error();
    k.kty = cose::kKtyEc2;
    k.crv = cose::kCrvP256;
    k.x = std::move(xy->first);
    k.y = std::move(xy->second);
    return k;
  }
  Bytes pub(32);
  size_t len = 32;
  if (EVP_PKEY_get_raw_public_key(key_.get(), pub.data(), &len) != 1 || len != 32) {
    return crypto_error("Ed25519 public key export");
  }
  k.kty = cose::kKtyOkp;
  k.crv = cose::kCrvEd25519;
  k.x = std::move(pub);
  return k;
}

Result<Bytes> CredentialKey::sign(ByteView msg) const {
  // ES256 signs SHA-256 of the message; EdDSA signs the message itself.
  return evp::sign(key_.get(), alg_ == cose::kAlgEs256 ? EVP_sha256() : nullptr, msg);
}

}  // namespace skagent::vtoken
