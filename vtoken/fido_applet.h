// SPDX-License-Identifier: BSD-2-Clause
// The FIDO applet of an NFC token (CTAP 2.1 §11.3): SELECT of the FIDO AID
// answers "FIDO_2_0"; NFCCTAP_MSG (80 10 P1 00 Lc <cmd><cbor> Le) carries CTAP2
// requests, chained with CLA bit 0x10 when longer than one short APDU; answers
// longer than Le come in pieces, SW 61xx, fetched with GET RESPONSE (00 C0).
//
// With P1 = 0x80 the platform can poll: a request still working after 100 ms
// (a touch wait, a slow step) answers SW 9100 with one status byte (1
// processing, 2 user presence needed), and NFCCTAP_GETRESPONSE (80 11 00 00)
// waits up to 100 ms more. Any other command, a power cycle, or no poll for a
// second cancels the request (it ends with CTAP2_ERR_KEEPALIVE_CANCEL and its
// answer is dropped). With P1 = 0x00 the answer comes when it is ready.
#pragma once

#include <cstdint>
#include <memory>

#include "vtoken/apdu.h"
#include "vtoken/authenticator.h"
#include "vtoken/background_request.h"

namespace skagent::vtoken {

inline constexpr uint8_t kFidoAid[] = {0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
inline constexpr size_t kMaxChainedRequest = 8192;

class FidoApplet {
 public:
  explicit FidoApplet(Authenticator& auth) : auth_(auth) {}
  // One C-APDU to its R-APDU; `wait` serves touch waits.
  Bytes process(ByteView capdu, PresenceWait& wait);
  // Power off/on or reset: deselected, buffers dropped, a running request
  // cancelled.
  void reset();
  // Whether a polled request is still running.
  bool busy() const { return running_ != nullptr; }

 private:
  Bytes deliver(Bytes payload, uint32_t le);
  // Waits a little for the running request: its answer, or 9100 and a status.
  Bytes poll_running(uint32_t le);

  Authenticator& auth_;
  bool selected_ = false;
  Bytes chain_;
  uint8_t chain_ins_ = 0;
  Bytes pending_;  // rest of an answer, for GET RESPONSE
  std::unique_ptr<BackgroundRequest> running_;
};

}  // namespace skagent::vtoken
