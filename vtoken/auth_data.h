// SPDX-License-Identifier: BSD-2-Clause
// Authenticator data (WebAuthn §6.1): rpIdHash ‖ flags ‖ signCount ‖
// [attested credential data] ‖ [extensions].
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken {

namespace flags {
inline constexpr uint8_t kUserPresent = 0x01;
inline constexpr uint8_t kUserVerified = 0x04;
inline constexpr uint8_t kAttested = 0x40;
inline constexpr uint8_t kExtensions = 0x80;
}  // namespace flags

struct AttestedCredential {
  Bytes aaguid;         // 16 bytes
  Bytes credential_id;  // at most 1023 bytes
  Bytes public_key;     // encoded COSE_Key
};

struct AuthenticatorData {
  Bytes rp_id_hash;  // 32 bytes
  uint8_t flags = 0;
  uint32_t counter = 0;
  std::optional<AttestedCredential> attested;
  Bytes extensions;  // encoded CBOR map, empty when none

  // Sets the AT and ED flags from the optional parts.
  Bytes encode() const;
  // Strict: flags must match the parts present, nothing may trail.
  static Result<AuthenticatorData> parse(ByteView data);
};

}  // namespace skagent::vtoken
