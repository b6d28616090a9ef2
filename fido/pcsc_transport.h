// SPDX-License-Identifier: BSD-2-Clause
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
//   CTAPHID CANCEL-> stops polling a card that answered "still working" (9100,
//                    polled every 50 ms until the deadline) and selects the
//                    applet again, which ends the card's request
//
// tx starts a request's exchange on a worker thread of the card and returns
// at once; rx waits for its answer up to rx's time limit and answers -1 while
// the card still works (a touch-status poll of touch-to-select takes that for
// "no touch yet"), so several cards can wait for a touch at the same time.
// CANCEL, a new request, or closing the device stops the card's wait.
#pragma once

#include <fido.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace skagent::fido {

// Paths for cards: "pcsc:" + the reader's PC/SC name.
inline constexpr std::string_view kPcscPathPrefix = "pcsc:";
bool is_pcsc_path(std::string_view path);

// Names of the readers that hold a card now. Empty (not an error) when
// pcscd is not running or has no reader. libpcsclite follows
// $PCSCLITE_CSOCK_NAME to a private pcscd.
Result<std::vector<std::string>> pcsc_readers();

// Which insertion the card in `reader` is (pcscd counts a reader's card
// insertions and removals), so a card taken out and put back is told from one
// that stayed; nullopt when the reader holds no card, or is gone.
std::optional<uint32_t> pcsc_card_insertion(const std::string& reader);

// Sets this transport on `dev` (from fido_dev_new) and opens the card in
// `reader`. Returns a libfido2 status.
int pcsc_open(fido_dev_t* dev, const std::string& reader);

}  // namespace skagent::fido
