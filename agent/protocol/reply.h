// SPDX-License-Identifier: BSD-2-Clause
// How a request is answered. A request that fails goes through refuse(): the reason goes to
// the log, the client gets SSH_AGENT_FAILURE (the protocol carries no reason), in one place,
// so no path can answer without saying why or say why without answering.
#pragma once

#include <functional>
#include <string_view>

#include "agent/log.h"
#include "agent/protocol/messages.h"
#include "base/bytes.h"

namespace skagent {

using ReplyFn = std::function<void(Bytes message)>;

// `level`: error for what the person running the agent should see; debug for what is
// ordinary (no such key, a locked agent, an unknown message).
inline void refuse(const Logger& log, const ReplyFn& reply, std::string_view why,
                   Logger::Level level = Logger::Level::error) {
  log.write(level, why);
  reply(msg::status(false));
}

}  // namespace skagent
