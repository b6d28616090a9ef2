// SPDX-License-Identifier: BSD-2-Clause
// A credential's key pair: ES256 (P-256) or EdDSA (Ed25519) through OpenSSL EVP.
#pragma once

#include <cstdint>

#include "vtoken/cose_key.h"
#include "vtoken/crypto.h"

namespace skagent::vtoken {

class CredentialKey {
 public:
  static bool supported(int64_t alg) { return alg == cose::kAlgEs256 || alg == cose::kAlgEdDsa; }
  static Result<CredentialKey> generate(int64_t alg);
  // From the 32-byte private scalar (ES256) or seed (EdDSA) kept in a key handle.
  static Result<CredentialKey> from_private(int64_t alg, ByteView priv);

  int64_t alg() const { return alg_; }
  Result<Bytes> private_bytes() const;
  Result<CoseKey> public_key() const;
  // ES256: DER ECDSA over SHA-256(msg); EdDSA: the 64-byte signature of msg.
  Result<Bytes> sign(ByteView msg) const;

 private:
  CredentialKey(int64_t alg, Pkey key) : alg_(alg), key_(std::move(key)) {}
  int64_t alg_;
  Pkey key_;
};

}  // namespace skagent::vtoken
