// SPDX-License-Identifier: BSD-2-Clause
// Key shielding: private keys rest encrypted in memory. Each key is sealed
// with AES-256-GCM under a key derived by SHA-256 (SHA-NI makes it twice as
// fast as SHA-512 here) from its own random nonce and a 16 KiB random pre-key held in locked, non-dumpable memory, so reading
// a key back needs every bit of the pre-key (a defence against memory side
// channels such as RAMBleed, as in OpenSSH). Unshielded bytes live only for
// one signature.
#pragma once

#include <openssl/types.h>

#include <array>
#include <cstdint>
#include <memory>

#include "platform/secure_memory.h"
#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

struct ShieldedSecret {
  // 12 random bytes, unique per key; also the GCM IV. Held in place, not on the heap: a
  // thousand keys would spend 56 bytes each on a vector and its allocation.
  std::array<uint8_t, 12> nonce{};
  Bytes ciphertext;  // includes the 16-byte GCM tag at the end
};

class KeyShield {
 public:
  static constexpr size_t kPrekeySize = 16 * 1024;
  // Fails (no exception) when locked memory, SHA-256 or randomness is not to be had.
  static Result<std::unique_ptr<KeyShield>> create();
  ~KeyShield();
  KeyShield(const KeyShield&) = delete;
  KeyShield& operator=(const KeyShield&) = delete;

  // Both are safe to call from several threads at once.
  Result<ShieldedSecret> shield(ByteView secret) const;
  Result<Bytes> unshield(const ShieldedSecret& s) const;

 private:
  KeyShield(std::unique_ptr<LockedBuffer> prekey, const EVP_MD* sha256, EVP_CIPHER* aes)
      : prekey_(std::move(prekey)), sha256_(sha256), aes_(aes) {}
  void derive(ByteView nonce, uint8_t out[32]) const;
  std::unique_ptr<LockedBuffer> prekey_;
  // Fetched once (EVP_aes_256_gcm() would look the cipher up again at every init); both are
  // immutable and thread-safe. The digest is the process's (evp::fetched_md), not freed here.
  const EVP_MD* sha256_;
  EVP_CIPHER* aes_;
};

}  // namespace skagent
