// SPDX-License-Identifier: BSD-2-Clause
// authenticatorMakeCredential (0x01): ES256 or EdDSA, resident or not,
// credProtect, excludeList, packed self-attestation.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vtoken/ctap_status.h"
#include "vtoken/entities.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

struct MakeCredentialRequest {
  Bytes client_data_hash;
  RpEntity rp;
  UserEntity user;
  std::vector<int64_t> algorithms;  // "public-key" entries, in the platform's order
  std::vector<Bytes> exclude_list;
  std::optional<uint64_t> cred_protect;
  std::optional<bool> rk, uv, up;
  std::optional<Bytes> pin_uv_auth_param;
  std::optional<int64_t> pin_uv_auth_protocol;

  static Result<MakeCredentialRequest> parse(const cbor_item_t* params);
};

struct MakeCredentialResponse {
  Bytes auth_data;
  int64_t alg = 0;
  Bytes signature;  // packed self attestation: signed by the credential key
  Bytes encode() const;
};

CtapReply handle_make_credential(TokenContext& ctx, const cbor_item_t* params, PresenceWait& wait);

}  // namespace skagent::vtoken
