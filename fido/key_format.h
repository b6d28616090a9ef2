// SPDX-License-Identifier: BSD-2-Clause
// Public keys and signatures as tokens hand them over, in the forms OpenSSH's
// sk-api wants, with every length checked and every point checked on its
// curve: a token that lies here gets an error, not a key.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::fido {

// libfido2's public key (ES256: x ‖ y, 64 bytes; EdDSA: 32 bytes) as
// OpenSSH's: the SEC1 uncompressed P-256 point (65 bytes), or the Ed25519 key.
Result<Bytes> ssh_public_key(uint32_t alg, ByteView raw);

struct SignatureParts {
  Bytes r, s;  // ECDSA: big-endian, no leading zeros; Ed25519: the 64 bytes in r
};

// A token's signature (ECDSA: DER; Ed25519: 64 bytes) as sk-api's sig_r/sig_s.
Result<SignatureParts> ssh_signature_parts(uint32_t alg, ByteView sig);

}  // namespace skagent::fido
