// SPDX-License-Identifier: BSD-2-Clause
// authenticatorClientPIN (0x06), protocols 1 and 2: getPINRetries,
// getKeyAgreement, setPIN, changePIN, getPinToken and
// getPinUvAuthTokenUsingPinWithPermissions, with the retry counter (8,
// persisted before the PIN is compared) and the 3-in-a-row auth block.
#pragma once

#include <optional>
#include <string>

#include "vtoken/cose_key.h"
#include "vtoken/ctap_status.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

struct ClientPinRequest {
  std::optional<int64_t> protocol;
  uint64_t subcommand = 0;
  std::optional<CoseKey> key_agreement;
  std::optional<Bytes> pin_uv_auth_param;
  std::optional<Bytes> new_pin_enc;
  std::optional<Bytes> pin_hash_enc;
  std::optional<uint64_t> permissions;
  std::optional<std::string> rp_id;

  static Result<ClientPinRequest> parse(const cbor_item_t* params);
};

struct ClientPinResponse {
  std::optional<CoseKey> key_agreement;
  std::optional<Bytes> pin_uv_auth_token;  // encrypted
  std::optional<uint64_t> retries;
  Bytes encode() const;
};

CtapReply handle_client_pin(TokenContext& ctx, const cbor_item_t* params);

// LEFT(SHA-256(pin), 16), as the token stores and compares it.
Bytes pin_hash_of(std::string_view pin);
// Sets the PIN directly (the --pin option of skagent-vtoken); refuses PINs the
// protocol would refuse (under 4 code points, over 63 bytes).
Status set_pin_directly(TokenState& state, std::string_view pin);

}  // namespace skagent::vtoken
