// SPDX-License-Identifier: BSD-2-Clause
// ML-DSA-44 (FIPS 204), written for skagent because Debian 12's OpenSSL 3.0 has no ML-DSA.
// Only what OpenSSH's ssh-mldsa44-ed25519@openssh.com keys use: key generation from a 32-byte
// seed (ML-DSA.KeyGen_internal), signing with a caller's 32 random bytes (ML-DSA.Sign with a
// context string: hedged with fresh randomness, deterministic with zeros, and the form the
// known-answer vectors test), and verification.
//
// Secrets are handled in constant time except at the points FIPS 204 allows to be public
// (each marked with declassify() from base/constant_time.h and explained there); every
// secret intermediate is wiped before return.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"

namespace skagent::mldsa44 {

constexpr size_t kSeedSize = 32;
constexpr size_t kRandomSize = 32;
constexpr size_t kPublicKeySize = 1312;
constexpr size_t kSecretKeySize = 2560;
constexpr size_t kSignatureSize = 2420;
constexpr size_t kMaxContext = 255;

// ML-DSA.KeyGen_internal(ξ): the FIPS 204 encodings of the public and secret key.
void keygen(const uint8_t seed[kSeedSize], uint8_t pk[kPublicKeySize], uint8_t sk[kSecretKeySize]);

// ML-DSA.Sign(sk, M, ctx) with the randomness rnd given (FIPS 204 §5.2, "pure" ML-DSA:
// M' = 0 || |ctx| || ctx || M). False only when ctx is longer than 255 bytes.
bool sign(const uint8_t sk[kSecretKeySize], ByteView msg, ByteView ctx,
          const uint8_t rnd[kRandomSize], uint8_t sig[kSignatureSize]);

// ML-DSA.Verify(pk, M, σ, ctx). Any malformed signature (bad hint encoding, z out of range)
// is refused.
bool verify(const uint8_t pk[kPublicKeySize], ByteView msg, ByteView ctx,
            const uint8_t sig[kSignatureSize]);

namespace detail {
// Decompose (Algorithm 36) for a in [0, q): exposed for its exhaustive unit test.
void decompose(int32_t a, int32_t& r1, int32_t& r0);
}  // namespace detail

}  // namespace skagent::mldsa44
