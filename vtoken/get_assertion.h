// SPDX-License-Identifier: BSD-2-Clause
// authenticatorGetAssertion (0x02) and authenticatorGetNextAssertion (0x08).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "vtoken/ctap_status.h"
#include "vtoken/entities.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

struct GetAssertionRequest {
  std::string rp_id;
  Bytes client_data_hash;
  std::vector<Bytes> allow_list;
  bool has_allow_list = false;
  std::optional<bool> up, uv, rk;
  std::optional<Bytes> pin_uv_auth_param;
  std::optional<int64_t> pin_uv_auth_protocol;

  static Result<GetAssertionRequest> parse(const cbor_item_t* params);
};

struct GetAssertionResponse {
  Bytes credential_id;
  Bytes auth_data;
  Bytes signature;
  std::optional<UserEntity> user;
  bool user_names = false;  // include name/displayName (only after UV)
  std::optional<uint64_t> number_of_credentials;
  Bytes encode() const;
};

CtapReply handle_get_assertion(TokenContext& ctx, const cbor_item_t* params, PresenceWait& wait);
CtapReply handle_get_next_assertion(TokenContext& ctx);

}  // namespace skagent::vtoken
