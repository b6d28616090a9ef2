// SPDX-License-Identifier: BSD-2-Clause
// A slow step inside a command (key generation on a real token can take a
// second or more), during which the transport keeps the platform informed.
#pragma once

#include <cstdint>

#include "vtoken/user_presence.h"

namespace skagent::vtoken {

// Spends `ms` milliseconds "processing", asking the transport to keep the link
// alive in slices of at most 100 ms. False when the platform cancelled.
bool process_for(PresenceWait& wait, uint32_t ms);

}  // namespace skagent::vtoken
