// SPDX-License-Identifier: BSD-2-Clause
// Security key private keys (the key handle, not a secret, lives in the file)
// built from what a token returns, as OpenSSH's ssh-sk.c assembles them.
#pragma once

#include <cstdint>
#include <string>

#include "keygen/sk_token.h"
#include "base/bytes.h"
#include "base/error.h"
#include "ssh/private_key.h"

namespace skagent::keygen {

// `public_key`: 32 bytes for Ed25519, a 65-byte uncompressed P-256 point for
// ECDSA. The reserved field is empty.
Result<PrivateKey> make_sk_private_key(KeyType type, const std::string& application,
                                       ByteView public_key, uint8_t flags, ByteView key_handle);

// The -O write-attestation file: "ssh-sk-attest-v01", the attestation
// certificate, the signature, the authenticator data, u32 0, an empty string.
Bytes attestation_blob(const SkEnrollResult& result);

}  // namespace skagent::keygen
