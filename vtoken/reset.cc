// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/reset.h"

namespace skagent::vtoken {

CtapReply handle_reset(TokenContext& ctx, PresenceWait& wait) {
  // A real token takes a reset only just after it is plugged in, so malware
  // on the host cannot erase it whenever it likes.
  auto since = std::chrono::steady_clock::now() - ctx.powered_up;
  if (since > std::chrono::milliseconds(ctx.config.reset_window_ms))
    return CtapReply::error(ctap::kNotAllowed);
  if (Presence p = ctx.touch.wait(wait); p != Presence::touched)
    return CtapReply::error(status_of(p));
  TokenState fresh = TokenState::fresh();
  if (!ctx.file.save(fresh)) return CtapReply::error(ctap::kOther);
  ctx.state = std::move(fresh);
  ctx.pin.power_up();
  ctx.assertions.reset();
  ctx.credman.clear();
  return CtapReply::error(ctap::kOk);
}

}  // namespace skagent::vtoken
