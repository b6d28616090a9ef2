// SPDX-License-Identifier: BSD-2-Clause
// One client connection's state.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "agent/session_binding.h"
#include "platform/peer_identity.h"
#include "ssh/bytes.h"

namespace skagent {

struct CallerInfo;  // agent/request_context.h

struct Connection {
  int fd = -1;
  uint64_t id = 0;
  PeerIdentity peer;
  Bytes in, out;
  bool busy = false;  // one request at a time, so replies keep their order
  std::vector<SessionBinding> bindings;
  // Whatever an in-flight request waits on (a prompt, ...). Dropping it when
  // the client goes away cancels the wait.
  std::shared_ptr<void> pending;
  // The local process that connected (/proc), read at its first sign request.
  std::shared_ptr<const CallerInfo> caller;

  // A connection bound by ssh is one that reaches us from another host.
  bool remote() const { return !bindings.empty(); }
};

}  // namespace skagent
