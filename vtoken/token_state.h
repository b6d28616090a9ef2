// SPDX-License-Identifier: BSD-2-Clause
// Everything a token keeps across restarts: the master secret (key handles),
// the PIN hash and retry counter, the signature counter and the resident
// (discoverable) credentials. Serialised with the bounds-checked SSH wire
// reader/writer; see state_file.h for how it reaches the disk.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken {

inline constexpr uint8_t kMaxPinRetries = 8;
inline constexpr size_t kMaxResidentCredentials = 64;

struct ResidentCredential {
  Bytes id;  // the credential ID: a key handle (key_handle.h)
  std::string rp_id;
  Bytes user_id;  // at most 64 bytes
  std::string user_name;
  std::string display_name;
  int64_t alg = 0;
  uint8_t cred_protect = 1;
  Bytes public_key;  // encoded COSE_Key, kept for credential management

  Bytes rp_id_hash() const;
};

struct TokenState {
  Bytes master_secret;  // 32 bytes
  Bytes pin_hash;       // LEFT(SHA-256(PIN), 16); empty when no PIN is set
  uint8_t pin_retries = kMaxPinRetries;
  uint32_t sign_counter = 0;
  std::vector<ResidentCredential> credentials;

  bool pin_set() const { return !pin_hash.empty(); }
  // A factory-new token: a fresh master secret and nothing else.
  static TokenState fresh();
  Bytes serialize() const;
  static Result<TokenState> parse(ByteView data);
};

}  // namespace skagent::vtoken
