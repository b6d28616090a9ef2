// The FIDO applet of an NFC token (CTAP 2.1 §11.3): SELECT of the FIDO AID
// answers "FIDO_2_0"; NFCCTAP_MSG (80 10 00 00 Lc <cmd><cbor> Le) carries CTAP2
// requests, chained with CLA bit 0x10 when longer than one short APDU; answers
// longer than Le come in pieces, SW 61xx, fetched with GET RESPONSE (00 C0).
#pragma once

#include <cstdint>

#include "fido/vtoken/apdu.h"
#include "fido/vtoken/authenticator.h"

namespace skagent::vtoken {

inline constexpr uint8_t kFidoAid[] = {0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
inline constexpr size_t kMaxChainedRequest = 8192;

class FidoApplet {
 public:
  explicit FidoApplet(Authenticator& auth) : auth_(auth) {}
  // One C-APDU to its R-APDU; `wait` serves touch waits.
  Bytes process(ByteView capdu, PresenceWait& wait);
  // Power off/on or reset: deselected, buffers dropped.
  void reset();

 private:
  Bytes deliver(Bytes payload, uint32_t le);

  Authenticator& auth_;
  bool selected_ = false;
  Bytes chain_;
  uint8_t chain_ins_ = 0;
  Bytes pending_;  // rest of an answer, for GET RESPONSE
};

}  // namespace skagent::vtoken
