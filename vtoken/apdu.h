// SPDX-License-Identifier: BSD-2-Clause
// ISO 7816-4 command APDUs (short and extended, cases 1 to 4) and response
// APDUs, for FIDO over NFC/PC-SC.
#pragma once

#include <cstdint>
#include <optional>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::vtoken {

namespace sw {
inline constexpr uint16_t kOk = 0x9000;
inline constexpr uint16_t kBytesRemaining = 0x6100;  // | min(remaining, 255); 00 = 256 or more
inline constexpr uint16_t kWrongLength = 0x6700;
inline constexpr uint16_t kConditionsNotSatisfied = 0x6985;
inline constexpr uint16_t kWrongData = 0x6A80;
inline constexpr uint16_t kFileNotFound = 0x6A82;
inline constexpr uint16_t kWrongP1P2 = 0x6A86;
inline constexpr uint16_t kInsNotSupported = 0x6D00;
inline constexpr uint16_t kClaNotSupported = 0x6E00;
}  // namespace sw

struct CommandApdu {
  uint8_t cla = 0, ins = 0, p1 = 0, p2 = 0;
  Bytes data;
  std::optional<uint32_t> le;  // Ne: 1..256 short, 1..65536 extended
  bool extended = false;

  static Result<CommandApdu> parse(ByteView apdu);
  Bytes encode() const;
};

Bytes response_apdu(ByteView data, uint16_t status);

}  // namespace skagent::vtoken
