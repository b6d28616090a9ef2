// SPDX-License-Identifier: BSD-2-Clause
// Enrolling a new key (makeCredential) the way OpenSSH's ssh-keygen -t *-sk
// does: ES256 or EdDSA, for an "ssh:" application, as a resident key or not,
// with credProtect 2 (UV optional with credential id) for resident keys and 3
// (UV required) for verify-required keys, the attestation checked and
// returned.
#pragma once

#include <cstdint>
#include <string>

#include "fido/options.h"
#include "base/bytes.h"
#include "base/error.h"

namespace skagent::fido {

// OpenSSH's user id when none is given: 32 zero bytes.
inline constexpr size_t kDefaultUserIdSize = 32;

struct EnrollRequest {
  uint32_t alg = kAlgEd25519;
  ByteView challenge;  // its SHA-256 is the client data hash
  std::string application = "ssh:";
  uint8_t flags =
      kUserPresenceRequired;  // | kUserVerificationRequired | kResidentKey | kForceOperation
  Bytes user_id;              // empty: 32 zero bytes
  const char* pin = nullptr;  // nullptr: none
};

// sk-api's enroll response.
struct EnrolledKey {
  uint8_t flags = 0;
  Bytes public_key;        // Ed25519: 32 bytes; ECDSA: 65-byte SEC1 point
  Bytes key_handle;        // the credential id
  Bytes signature;         // attestation signature
  Bytes attestation_cert;  // empty for self attestation
  Bytes authdata;          // CBOR-encoded authenticator data
  std::string device;      // the token it was made on
};

Result<EnrolledKey> enroll(const Options& o, const EnrollRequest& req);

}  // namespace skagent::fido
