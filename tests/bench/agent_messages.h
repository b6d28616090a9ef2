// SPDX-License-Identifier: BSD-2-Clause
// Encoding and decoding of the few agent messages the benchmark sends
// (REQUEST_IDENTITIES, SIGN_REQUEST) and the replies it expects.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::bench {

enum MessageType : uint8_t {
  kFailure = 5,
  kSuccess = 6,
  kRequestIdentities = 11,
  kIdentitiesAnswer = 12,
  kSignRequest = 13,
  kSignResponse = 14,
};

// Sign flags (only meaningful for RSA keys).
constexpr uint32_t kRsaSha2_256 = 0x02;
constexpr uint32_t kRsaSha2_512 = 0x04;

struct Identity {
  Bytes blob;
  std::string comment;
};

Bytes encode_request_identities();
Bytes encode_sign_request(ByteView key_blob, ByteView data, uint32_t flags);

// Each decoder takes a whole reply message (type byte first) and rejects any
// other type, trailing bytes included.
Result<std::vector<Identity>> decode_identities(ByteView reply);
// Returns the signature blob of a SIGN_RESPONSE.
Result<Bytes> decode_sign_response(ByteView reply);

}  // namespace skagent::bench
