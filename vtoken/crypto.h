// SPDX-License-Identifier: BSD-2-Clause
// The vtoken's OpenSSL 3 primitives: hashes, HMAC, HKDF, AES (CBC for the PIN
// protocols, GCM for key handles) and random bytes, on ssh/evp.h's RAII and
// parameter builder.
#pragma once

#include <openssl/evp.h>

#include <memory>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/evp.h"

namespace skagent::vtoken {

using evp::Owned;
using evp::Pkey;

// OpenSSL's last error, with `what` in front (shared with ssh/).
using evp::crypto_error;

Bytes random_bytes(size_t n);
Bytes sha256(ByteView data);
Bytes hmac_sha256(ByteView key, ByteView data);
// HKDF-SHA-256 with an all-zero 32-byte salt, as CTAP's PIN protocol 2 uses it.
Bytes hkdf_sha256(ByteView ikm, std::string_view info, size_t length);

// AES-256-CBC without padding: the input must be a multiple of 16 bytes.
Result<Bytes> aes256_cbc_encrypt(ByteView key, ByteView iv, ByteView plain);
Result<Bytes> aes256_cbc_decrypt(ByteView key, ByteView iv, ByteView cipher);
// AES-256-GCM with a 12-byte nonce; the 16-byte tag is appended to / taken
// from the end of the ciphertext.
Result<Bytes> aes256_gcm_seal(ByteView key, ByteView nonce, ByteView aad, ByteView plain);
Result<Bytes> aes256_gcm_open(ByteView key, ByteView nonce, ByteView aad, ByteView sealed);

// P-256 helpers for ECDH and ES256.
Result<Pkey> p256_generate();
Result<Pkey> p256_from_private(ByteView scalar32);
// Builds a public key from affine coordinates and checks it is on the curve.
Result<Pkey> p256_from_public(ByteView x32, ByteView y32);
// The affine coordinates of a P-256 key (32 bytes each).
Result<std::pair<Bytes, Bytes>> p256_public_xy(EVP_PKEY* key);
Result<Bytes> p256_private_scalar(EVP_PKEY* key);
// ECDH: the x coordinate of the shared point (32 bytes).
Result<Bytes> p256_ecdh(EVP_PKEY* ours, EVP_PKEY* peer);

}  // namespace skagent::vtoken
