// SPDX-License-Identifier: BSD-2-Clause
// Independent check (with OpenSSL directly) that a signature an agent returned
// is valid, so a benchmark never credits an agent for fast garbage. Used on a
// sample of replies, outside the timed path.
#pragma once

#include <cstdint>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::bench {

// Key types: ssh-ed25519, ecdsa-sha2-nistp256, ssh-rsa (the algorithm must
// match the RSA sign flags) and sk-ssh-ed25519@openssh.com.
Status check_signature(ByteView key_blob, ByteView data, ByteView signature, uint32_t sign_flags);

}  // namespace skagent::bench
