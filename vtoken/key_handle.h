// SPDX-License-Identifier: BSD-2-Clause
// Credential IDs: the credential's private key sealed with AES-256-GCM under a
// key derived from the token's master secret, bound (as associated data) to
// the relying party's rpIdHash and to the header (algorithm, credProtect,
// resident flag). The token keeps no per-credential secret for non-resident
// credentials; a credential ID from another token or another RP fails to open.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken {

struct KeyHandle {
  int64_t alg = 0;           // COSE algorithm
  uint8_t cred_protect = 1;  // 1..3
  bool resident = false;
  Bytes private_key;  // 32 bytes
};

inline constexpr size_t kKeyHandleSize = 64;

Result<Bytes> wrap_key_handle(ByteView master_secret, ByteView rp_id_hash, const KeyHandle& kh);
// Fails (Errc::not_found) for anything this token did not make for this RP.
Result<KeyHandle> unwrap_key_handle(ByteView master_secret, ByteView rp_id_hash, ByteView id);

}  // namespace skagent::vtoken
