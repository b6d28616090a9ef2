// SPDX-License-Identifier: BSD-2-Clause
// bcrypt_pbkdf, OpenBSD's key derivation for openssh-key-v1 files and the
// agent's lock password: PBKDF2-like, with SHA-512 then eksblowfish as PRF.
#pragma once

#include <cstdint>
#include <span>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

// Fills `out` (1..1024 bytes) from `password` and `salt` (both non-empty, the
// salt at most 1 MiB) with `rounds` (>= 1) iterations. Out-of-range inputs
// fail with Errc::malformed and leave `out` untouched.
Status bcrypt_pbkdf(ByteView password, ByteView salt, std::span<uint8_t> out, uint32_t rounds);

}  // namespace skagent
