// SPDX-License-Identifier: BSD-2-Clause
// FIDO over ISO 7816 (CTAP 2.1 §11.3), the host side: SELECT of the FIDO
// applet, NFCCTAP_MSG requests chained in short APDUs, answers gathered with
// GET RESPONSE, status updates (SW 9100) polled with NFCCTAP_GETRESPONSE.
// Pure framing over a `Transmit` function, so a lying card can be played in
// a unit test: every loop is bounded, every answer is checked before use.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::fido::apdu {

inline constexpr uint8_t kFidoAid[] = {0xA0, 0x00, 0x00, 0x06, 0x47, 0x2F, 0x00, 0x01};
// Data bytes per chained C-APDU (as libfido2's NFC transport).
inline constexpr size_t kChunk = 240;

inline constexpr uint16_t kSwOk = 0x9000;
inline constexpr uint16_t kSwStatusUpdate = 0x9100;  // CTAP 2.1: processing / needs a touch
inline constexpr uint8_t kSw1MoreData = 0x61;

// One R-APDU: data and status word.
struct Response {
  Bytes data;
  uint16_t sw = 0;
};

// Splits an R-APDU; refuses one shorter than its two status bytes.
Result<Response> parse_response(ByteView rapdu);

// 00 A4 04 00 08 <AID> 00
Bytes select_fido();
// The C-APDUs carrying one CTAP request (command byte ‖ CBOR): CLA 0x90 for
// every chunk but the last, which is CLA 0x80 with Le = 00 (256). P1 = 0x80
// tells the card the host polls: it may answer 9100 while it works.
std::vector<Bytes> nfcctap_msg(ByteView request, size_t chunk = kChunk);
// 00 C0 00 00 Le
Bytes get_response(uint8_t le);
// 80 11 00 00 00: ask a card that answered 9100 for its result.
Bytes nfcctap_getresponse();

// Sends one C-APDU, returns the R-APDU (data ‖ SW) or an error.
using Transmit = std::function<Result<Bytes>(ByteView capdu)>;

struct Limits {
  size_t max_response = 4096;  // CTAP replies are at most a few kB
  // Per request, GET RESPONSE included; polls after 9100 count only when
  // there is no deadline (a touch may take as long as the deadline allows).
  int max_apdus = 512;
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  std::function<bool()> cancelled;  // polled between APDUs; may be empty
  // Pause between NFCCTAP_GETRESPONSE polls.
  std::chrono::milliseconds poll_interval{50};
};

// SELECT; the applet's version string ("FIDO_2_0", "U2F_V2").
Result<Bytes> select(const Transmit& transmit);

// One CTAP request; the CTAP reply (status byte ‖ CBOR). Cancelled or past
// the deadline while the card works (9100), the card is told by a new
// SELECT, which ends its request.
Result<Bytes> ctap(const Transmit& transmit, ByteView request, const Limits& limits = {});

// A complete C-APDU (U2F over ISO 7816) sent as is; the answer's data
// (GET RESPONSE followed) ‖ the final SW.
Result<Bytes> raw(const Transmit& transmit, ByteView capdu, const Limits& limits = {});

}  // namespace skagent::fido::apdu
