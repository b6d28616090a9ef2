// SPDX-License-Identifier: BSD-2-Clause
#include "fido/vtoken/reset.h"

namespace skagent::vtoken {

CtapReply handle_reset(TokenContext& ctx, PresenceWait& wait) {
  if (Presence p = ctx.touch.wait(wait); p != Presence::touched) return CtapReply::error(status_of(p));
  TokenState fresh = TokenState::fresh();
  if (!ctx.file.save(fresh)) return CtapReply::error(ctap::kOther);
  ctx.state = std::move(fresh);
  ctx.pin.power_up();
  ctx.assertions.reset();
  ctx.credman.clear();
  return CtapReply::error(ctap::kOk);
}

}  // namespace skagent::vtoken
