// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/pin_uv_auth.h"

#include "vtoken/ctap_status.h"

namespace skagent::vtoken {

uint8_t touch_to_select(TokenContext& ctx, PresenceWait& wait) {
  Presence p = ctx.touch.wait(wait);
  if (p != Presence::touched) return status_of(p);
  return ctx.state.pin_set() ? ctap::kPinInvalid : ctap::kPinNotSet;
}

uint8_t verify_pin_uv_auth(TokenContext& ctx, ByteView param, std::optional<int64_t> protocol,
                           ByteView client_data_hash, uint8_t permission,
                           const std::string& rp_id) {
  if (!protocol) return ctap::kMissingParameter;
  if (!PinProtocol::supported(*protocol) || !ctx.protocol_offered(*protocol)) {
    return ctap::kInvalidParameter;
  }
  PinProtocol proto{uint8_t(*protocol)};
  return ctx.pin.check(proto, param, client_data_hash, permission, rp_id);
}

}  // namespace skagent::vtoken
