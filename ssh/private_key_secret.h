// SPDX-License-Identifier: BSD-2-Clause
// The secret half of a PrivateKey, shared by the files that implement it.
#pragma once

#include "ssh/evp.h"
#include "ssh/private_key.h"

namespace skagent {

// Secret components in OpenSSH's representation; Bytes wipes itself.
struct PrivateKey::Secret {
  Bytes x;  // DSA x, ECDSA d, RSA d, Ed25519 sk (seed || pk), ML-DSA-44+Ed25519 seeds (64)
  Bytes rsa_iqmp, rsa_p, rsa_q;
};

}  // namespace skagent
