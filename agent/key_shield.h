// Key shielding: private keys rest encrypted in memory. Each key is sealed
// with AES-256-GCM under a key derived by SHA-512 from its own random nonce
// and a 16 KiB random pre-key held in locked, non-dumpable memory, so reading
// a key back needs every bit of the pre-key (a defence against memory side
// channels such as RAMBleed, as in OpenSSH). Unshielded bytes live only for
// one signature.
#pragma once

#include "platform/secure_memory.h"
#include "ssh/bytes.h"
#include "ssh/error.h"

namespace skagent {

struct ShieldedSecret {
  Bytes nonce;       // 16 random bytes, unique per key
  Bytes ciphertext;  // includes the 16-byte GCM tag at the end
};

class KeyShield {
 public:
  static constexpr size_t kPrekeySize = 16 * 1024;
  KeyShield();

  // Both are safe to call from several threads at once.
  Result<ShieldedSecret> shield(ByteView secret) const;
  Result<Bytes> unshield(const ShieldedSecret& s) const;

 private:
  void derive(ByteView nonce, uint8_t out[64]) const;
  LockedBuffer prekey_;
};

}  // namespace skagent
