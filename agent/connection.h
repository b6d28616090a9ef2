// SPDX-License-Identifier: BSD-2-Clause
// One client connection's state.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <vector>

#include "agent/protocol/session_binding.h"
#include "platform/peer_identity.h"
#include "base/bytes.h"

namespace skagent {

struct CallerInfo;  // agent/prompts/request_context.h

struct Connection {
  int fd = -1;
  uint64_t id = 0;
  PeerIdentity peer;
  Bytes in, out;
  bool busy = false;  // one request at a time, so replies keep their order
  // agent/server.cc's bookkeeping. `in` is consumed from in_off on (the consumed bytes are
  // already wiped) and compacted only when more must be read, not per frame.
  size_t in_off = 0;
  size_t buffered = 0;      // in's and out's capacity, as counted in the agent-wide budget
  bool processing = false;  // the request loop runs: a reply given meanwhile returns to it
  bool queued = false;      // its incomplete frame is read in the server's slices, not at once
  std::chrono::steady_clock::time_point partial_since{};  // an incomplete frame waits since
  std::vector<SessionBinding> bindings;
  // Whatever an in-flight request waits on (a prompt, ...). Dropping it when
  // the client goes away cancels the wait.
  std::shared_ptr<void> pending;
  // The local process that connected (/proc), read when the connection is accepted.
  std::shared_ptr<const CallerInfo> caller;

  // Set for good when a session-bind fails: ssh ignores the failure and goes
  // on forwarding, so the connection may come from another host that we could
  // not identify. Later binds, even good ones, never clear it.
  bool bind_failed = false;

  // The one answer to "does this connection come from another host?" (provider
  // and PKCS#11 adds, destination-constrained keys): bound by ssh, or a bind
  // was tried and failed.
  bool remote() const { return bind_failed || !bindings.empty(); }
  // The one answer to "did this come through agent forwarding?" (ForwardedSigning,
  // Confirm forwarded, prompts, audit): some binding was for forwarding (an
  // authentication bind after it does not undo that), or a bind failed.
  bool forwarded() const {
    for (const auto& b : bindings) {
      if (b.forwarding) return true;
    }
    return bind_failed;
  }
};

}  // namespace skagent
