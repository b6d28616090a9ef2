// SPDX-License-Identifier: BSD-2-Clause
// The pinUvAuthParam rules shared by makeCredential and getAssertion.
#pragma once

#include <optional>
#include <string>

#include "vtoken/token_context.h"

namespace skagent::vtoken {

// A zero-length pinUvAuthParam asks the user to pick this token with a touch
// (CTAP 2.1 §6.1.2 step 1; libfido2's fido_dev_get_touch_begin): after the
// touch the answer is PIN_INVALID when a PIN is set, PIN_NOT_SET otherwise.
uint8_t touch_to_select(TokenContext& ctx, PresenceWait& wait);

// Checks a non-empty pinUvAuthParam over the clientDataHash: the protocol must
// be given and offered, the token valid, the permission granted.
uint8_t verify_pin_uv_auth(TokenContext& ctx, ByteView param, std::optional<int64_t> protocol,
                           ByteView client_data_hash, uint8_t permission, const std::string& rp_id);

}  // namespace skagent::vtoken
