// SPDX-License-Identifier: BSD-2-Clause
// COSE_Key (RFC 8152) as CTAP2 uses it: EC2 P-256 for ES256 credentials and
// ECDH key agreement, OKP Ed25519 for EdDSA credentials.
#pragma once

#include <cstdint>

#include "vtoken/cbor.h"

namespace skagent::vtoken {

namespace cose {
inline constexpr int64_t kAlgEs256 = -7;
inline constexpr int64_t kAlgEdDsa = -8;
inline constexpr int64_t kAlgEcdhEsHkdf256 = -25;
inline constexpr int64_t kKtyOkp = 1;
inline constexpr int64_t kKtyEc2 = 2;
inline constexpr int64_t kCrvP256 = 1;
inline constexpr int64_t kCrvEd25519 = 6;
}  // namespace cose

struct CoseKey {
  int64_t kty = 0;
  int64_t alg = 0;
  int64_t crv = 0;
  Bytes x;
  Bytes y;  // EC2 only

  cbor::Item to_cbor() const;
  Bytes encode() const { return cbor::encode(to_cbor().get()); }
  // A platform's key-agreement key: EC2, P-256, 32-byte x and y, alg -25 or absent.
  static Result<CoseKey> parse_key_agreement(const cbor_item_t* item);
  // Any key this token produces (EC2 P-256 or OKP Ed25519); used by tests and
  // credential management round trips.
  static Result<CoseKey> parse(const cbor_item_t* item);
};

}  // namespace skagent::vtoken
