// SPDX-License-Identifier: BSD-2-Clause
// Reading a token's resident keys with its PIN (credential management), as
// OpenSSH's ssh-keygen -K and ssh-add -K do: only "ssh:" applications; a token
// with no resident keys gives an empty list, not an error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "fido/enroll.h"
#include "fido/options.h"
#include "base/error.h"

namespace skagent::fido {

// sk-api's resident key.
struct ResidentKey {
  uint32_t alg = kAlgEd25519;
  size_t slot = 0;  // the application's index on the token
  std::string application;
  EnrolledKey key;    // public key and key handle (no attestation)
  uint8_t flags = 0;  // user presence | resident | user verification when credProtect says so
  Bytes user_id;
  std::string user_name;  // what the token keeps beside the user id (may be empty)
  int cred_protect = 0;   // the credProtect level (1-3); 0: the token did not say
};

Result<std::vector<ResidentKey>> load_resident_keys(const Options& o, const char* pin);

}  // namespace skagent::fido
