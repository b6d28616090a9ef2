// SPDX-License-Identifier: BSD-2-Clause
// Signing with a security key (getAssertion) as OpenSSH's sk_sign: the key
// handle in the allow list, user presence as the key's flags say, the PIN or
// the token's built-in user verification for verify-required keys, and the
// signature in sk-api's form (ECDSA r and s; Ed25519 in r).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "fido/options.h"
#include "base/bytes.h"
#include "base/error.h"

namespace skagent::fido {

struct SignRequest {
  uint32_t alg = kAlgEd25519;
  ByteView data;  // the raw message; its SHA-256 is the client data hash
  std::string_view application;
  ByteView key_handle;
  uint8_t flags = kUserPresenceRequired;  // the key's flags
  const char* pin = nullptr;              // nullptr: none
};

// sk-api's sign response.
struct Signature {
  uint8_t flags = 0;  // as the token reports: 0x01 user present, 0x04 user verified
  uint32_t counter = 0;
  Bytes sig_r, sig_s;
  std::string device;  // the token that signed
};

Result<Signature> sign(const Options& o, const SignRequest& req);

}  // namespace skagent::fido
