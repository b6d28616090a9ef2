// SPDX-License-Identifier: BSD-2-Clause
// authenticatorCredentialManagement, as 0x0A (CTAP 2.1) and 0x41 (the 2.1
// preview, which libfido2 1.12 sends): metadata, enumerate RPs, enumerate
// credentials, delete, update user information.
#pragma once

#include <optional>
#include <string>

#include "vtoken/cose_key.h"
#include "vtoken/ctap_status.h"
#include "vtoken/entities.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

struct CredentialManagementRequest {
  uint64_t subcommand = 0;
  Bytes params_cbor;  // subCommandParams as sent (canonical), for pinUvAuthParam
  std::optional<Bytes> rp_id_hash;
  std::optional<Bytes> credential_id;
  std::optional<UserEntity> user;
  std::optional<int64_t> protocol;
  std::optional<Bytes> pin_uv_auth_param;

  static Result<CredentialManagementRequest> parse(const cbor_item_t* params);
};

struct CredentialManagementResponse {
  std::optional<uint64_t> existing_count;
  std::optional<uint64_t> remaining_count;
  std::optional<std::string> rp_id;
  std::optional<Bytes> rp_id_hash;
  std::optional<uint64_t> total_rps;
  std::optional<UserEntity> user;
  std::optional<Bytes> credential_id;
  std::optional<Bytes> public_key;  // encoded COSE_Key
  std::optional<uint64_t> total_credentials;
  std::optional<uint64_t> cred_protect;
  Bytes encode() const;
};

CtapReply handle_credential_management(TokenContext& ctx, const cbor_item_t* params);

}  // namespace skagent::vtoken
