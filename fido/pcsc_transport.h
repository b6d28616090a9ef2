// libfido2 over PC/SC-lite: a FIDO2 card on a reader (an NFC token held to a
// contactless reader, or a CCID token), for Debian's libfido2, which is built
// without PC/SC. The card is reached through `fido_dev_set_transport_functions`:
// libfido2 keeps its CBOR, PIN and credential-management code, and hands each
// CTAP message to this transport, which frames it as ISO 7816 APDUs
// (fido/apdu.h) and sends them with SCardTransmit.
//
//   CTAPHID INIT  -> SELECT of the FIDO applet; the answer is synthesised
//   CTAPHID CBOR  -> NFCCTAP_MSG, chained, with GET RESPONSE
//   CTAPHID MSG   -> the U2F APDU as is
//   CTAPHID CANCEL-> stops polling a card that answered "still working" (9100)
//
// A PC/SC exchange is synchronous: the request goes out and its answer comes
// back in the transport's tx; rx hands the stored answer to libfido2.
#pragma once

#include <fido.h>

#include <string>
#include <string_view>
#include <vector>

#include "ssh/error.h"

namespace skagent::fido {

// Paths for cards: "pcsc:" + the reader's PC/SC name.
inline constexpr std::string_view kPcscPathPrefix = "pcsc:";
bool is_pcsc_path(std::string_view path);

// Names of the readers that hold a card now. Empty (not an error) when
// pcscd is not running or has no reader. libpcsclite follows
// $PCSCLITE_CSOCK_NAME to a private pcscd.
Result<std::vector<std::string>> pcsc_readers();

// Sets this transport on `dev` (from fido_dev_new) and opens the card in
// `reader`. Returns a libfido2 status.
int pcsc_open(fido_dev_t* dev, const std::string& reader);

}  // namespace skagent::fido
