// SPDX-License-Identifier: BSD-2-Clause
// CTAP2 PIN/UV auth protocols 1 and 2 (CTAP 2.1 §6.5.6, §6.5.7): ECDH P-256
// key agreement, the KDFs, AES-256-CBC and the HMAC-based authenticate/verify.
#pragma once

#include <cstdint>

#include "vtoken/cose_key.h"
#include "vtoken/crypto.h"

namespace skagent::vtoken {

class PinProtocol {
 public:
  // 1 or 2; anything else is refused by the caller before construction.
  explicit PinProtocol(uint8_t version) : version_(version) {}
  static bool supported(int64_t v) { return v == 1 || v == 2; }
  uint8_t version() const { return version_; }

  // The shared secret from our key-agreement key and the platform's:
  // v1: SHA-256(Z) (32 bytes); v2: HKDF HMAC key ‖ HKDF AES key (64 bytes).
  Result<Bytes> shared_secret(EVP_PKEY* ours, const CoseKey& platform) const;
  // v1: AES-CBC with a zero IV; v2: random IV prefixed to the ciphertext.
  Result<Bytes> encrypt(ByteView shared, ByteView plain) const;
  Result<Bytes> decrypt(ByteView shared, ByteView cipher) const;
  // v1: first 16 bytes of HMAC-SHA-256; v2: all 32. `key` is a shared secret
  // (its HMAC half in v2) or a pinUvAuthToken.
  Bytes authenticate(ByteView key, ByteView message) const;
  bool verify(ByteView key, ByteView message, ByteView signature) const;
  // The HMAC key inside a shared secret (v2 keeps it in the first half).
  ByteView hmac_key(ByteView shared) const;

 private:
  uint8_t version_;
};

}  // namespace skagent::vtoken
