// SPDX-License-Identifier: BSD-2-Clause
// Agent protocol numbers (RFC 9987 / OpenSSH PROTOCOL.agent).
#pragma once

#include <cstdint>

#include "base/bytes.h"

namespace skagent::msg {

inline constexpr uint8_t kFailure = 5;
inline constexpr uint8_t kSuccess = 6;
inline constexpr uint8_t kRemoveAllV1 = 9;
inline constexpr uint8_t kRequestIdentities = 11;
inline constexpr uint8_t kIdentitiesAnswer = 12;
inline constexpr uint8_t kSignRequest = 13;
inline constexpr uint8_t kSignResponse = 14;
inline constexpr uint8_t kAddIdentity = 17;
inline constexpr uint8_t kRemoveIdentity = 18;
inline constexpr uint8_t kRemoveAllIdentities = 19;
inline constexpr uint8_t kAddSmartcardKey = 20;
inline constexpr uint8_t kRemoveSmartcardKey = 21;
inline constexpr uint8_t kLock = 22;
inline constexpr uint8_t kUnlock = 23;
inline constexpr uint8_t kAddIdConstrained = 25;
inline constexpr uint8_t kAddSmartcardKeyConstrained = 26;
inline constexpr uint8_t kExtension = 27;
inline constexpr uint8_t kExtensionFailure = 28;
inline constexpr uint8_t kExtensionResponse = 29;

inline constexpr uint32_t kSignRsaSha256 = 0x02;
inline constexpr uint32_t kSignRsaSha512 = 0x04;

inline constexpr size_t kMaxFrame = 256 * 1024;
inline constexpr size_t kMaxSignData = 1024 * 1024;

inline Bytes status(bool ok) { return Bytes{ok ? kSuccess : kFailure}; }

}  // namespace skagent::msg
