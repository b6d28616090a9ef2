// SPDX-License-Identifier: BSD-2-Clause
// The ML-DSA-44 + Ed25519 composite signature behind OpenSSH's
// ssh-mldsa44-ed25519@openssh.com keys (draft-miller-sshm-mldsa44-ed25519-composite-sigs,
// which uses MLDSA44-Ed25519-SHA512 of draft-ietf-lamps-pq-composite-sigs):
//   secret key  = ML-DSA-44 seed (32) || Ed25519 seed (32)
//   public key  = ML-DSA-44 public key (1312) || Ed25519 public key (32)
//   signature   = ML-DSA-44 signature (2420) || Ed25519 signature (64), both over
//   M' = "CompositeAlgorithmSignatures2025" || "COMPSIG-MLDSA44-Ed25519-SHA512" || len(ctx)
//        || ctx || SHA-512(M); ML-DSA signs M' with the label as its context string.
// SSH uses an empty ctx; the known-answer vectors also test a non-empty one.
#pragma once

#include <cstddef>
#include <cstdint>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::mldsa44_ed25519 {

constexpr size_t kSecretSize = 64;
constexpr size_t kPublicKeySize = 1344;
constexpr size_t kSignatureSize = 2484;

// The public key of a 64-byte seed pair.
Result<Bytes> public_key(ByteView secret);

// Signs as OpenSSH does: ML-DSA hedged with 32 fresh random bytes (or `rnd`, for tests),
// Ed25519 deterministic.
Result<Bytes> sign(ByteView secret, ByteView msg, ByteView ctx = {}, const uint8_t* rnd = nullptr);

// Both signatures must verify; sizes must be exact.
bool verify(ByteView public_key, ByteView msg, ByteView signature, ByteView ctx = {});

}  // namespace skagent::mldsa44_ed25519
