// SPDX-License-Identifier: BSD-2-Clause
// Software key pairs (-t ed25519 | ecdsa | rsa).
#pragma once

#include "keygen/command_line.h"
#include "base/error.h"
#include "ssh/private_key.h"

namespace skagent::keygen {

// Generates the key `spec` describes (its size already checked by
// parse_key_spec). Security key types are refused here.
Result<PrivateKey> generate_software_key(const KeySpec& spec);

}  // namespace skagent::keygen
