// SPDX-License-Identifier: BSD-2-Clause
// The hardware limit an agent is measured against: OpenSSL signing the same
// 64 bytes with a key of the same type, loaded once, in a loop on this
// machine in the same run (one EVP_MD_CTX, EVP_DigestSignInit and
// EVP_DigestSign per signature, as any caller of OpenSSL needs).
#pragma once

#include <string>
#include <vector>

#include "base/error.h"

namespace skagent::bench {

// The sign measurements with a raw figure ("ed25519", "ecdsa-p256", "rsa-3072").
const std::vector<std::string>& raw_sign_names();

// CPU microseconds (this thread's) per signature, over about `seconds`.
Result<double> raw_sign_us(const std::string& name, double seconds);
// CPU microseconds per unseal of such a key from skagent's key shield (agent/keys/key_shield.h),
// which the agent does for every signature: part of the floor under skagent's figure.
Result<double> unseal_us(const std::string& name, double seconds);

}  // namespace skagent::bench
