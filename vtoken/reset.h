// SPDX-License-Identifier: BSD-2-Clause
// authenticatorReset (0x07): after a touch, forget every credential and the
// PIN and make a new master secret (so old key handles no longer open).
// Unlike hardware, no 10-second-after-power-up window is enforced: tests
// reset long-running tokens.
#pragma once

#include "vtoken/ctap_status.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

CtapReply handle_reset(TokenContext& ctx, PresenceWait& wait);

}  // namespace skagent::vtoken
