// SPDX-License-Identifier: BSD-2-Clause
// The CTAP2 authenticator behind every transport: takes one request (command
// byte ‖ CBOR parameters), dispatches it to its handler and answers status ‖
// CBOR. Transports (CTAPHID, NFC applet) call it from their own threads; one
// request runs at a time, like a real token.
#pragma once

#include <cstdint>
#include <mutex>

#include "vtoken/ctap_status.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

class Authenticator {
 public:
  // `state` was loaded from `file`; `touch` outlives the authenticator.
  Authenticator(TokenConfig config, StateFile file, TokenState state, TouchControl& touch);

  // One request; `wait` is the transport's side of any touch wait.
  CtapReply handle(ByteView request, PresenceWait& wait);

  // Unplug and replug: the PIN session (key agreement, token, the
  // 3-wrong-PINs block) and the command cursors are lost. Refused (false)
  // while a request runs, so a control command never waits on a touch.
  bool power_cycle();

  // A snapshot for the control socket; never waits for a running request.
  struct Summary {
    bool pin_set = false;
    uint8_t pin_retries = 0;
    bool pin_auth_blocked = false;
    size_t resident_credentials = 0;
    uint32_t sign_counter = 0;
  };
  Summary summary() const;

 private:
  CtapReply dispatch(uint8_t command, ByteView params, PresenceWait& wait);
  void update_summary();

  std::mutex mu_;  // one request at a time
  TokenContext ctx_;
  mutable std::mutex summary_mu_;
  Summary summary_;
};

}  // namespace skagent::vtoken
