// SPDX-License-Identifier: BSD-2-Clause
// Security key pairs (-t ed25519-sk | ecdsa-sk): the -O options, the PIN and
// touch dialogue, and the enrollment itself.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "keygen/console.h"
#include "keygen/sk_token.h"
#include "base/error.h"
#include "ssh/private_key.h"

namespace skagent::keygen {

// The longest -O user= OpenSSH accepts (its user id is 32 bytes, zero padded,
// with room for a terminating NUL).
inline constexpr size_t kMaxUserLength = 31;

struct SkEnrollOptions {
  std::string application = "ssh:";
  std::string user;  // empty: the all-zero user id
  std::string device;
  uint8_t flags = fido::kUserPresenceRequired;
  std::optional<std::string> challenge_file;
  std::optional<std::string> attestation_file;
};

// The -O options of ssh-keygen's enrollment (names case-insensitive):
// no-touch-required, verify-required, resident, device=, user=, challenge=,
// write-attestation=, application= (must start with "ssh:").
Result<SkEnrollOptions> parse_sk_enroll_options(const std::vector<std::string>& options);

struct SkKeyMade {
  PrivateKey key;
  Bytes attestation;  // the write-attestation blob
};

// Enrolls a credential. A PIN is asked for when the token wants one ("Enter
// PIN for authenticator: ", at most 3 tries; a wrong one is reported with the
// tries left when the token says); "Touch your security key..." is shown when
// the token waits for a touch; an existing resident credential for the same
// application and user is replaced only after a yes on the terminal.
Result<SkKeyMade> enroll_sk_key(Console& console, SkToken& token, KeyType type,
                                const SkEnrollOptions& options, bool quiet);

}  // namespace skagent::keygen
