// SPDX-License-Identifier: BSD-2-Clause
// authenticatorGetInfo (0x04): what the token supports, as libfido2 reads it to
// decide on PIN protocols, credential management, credProtect and sizes.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "vtoken/ctap_status.h"
#include "vtoken/token_context.h"

namespace skagent::vtoken {

inline constexpr size_t kMaxMsgSize = 2048;
inline constexpr size_t kMaxCredentialCountInList = 16;
inline constexpr size_t kMinPinLength = 4;

struct GetInfoResponse {
  std::vector<std::string> versions;
  std::vector<std::string> extensions;
  Bytes aaguid;
  std::vector<std::pair<std::string, bool>> options;
  uint64_t max_msg_size = kMaxMsgSize;
  std::vector<uint8_t> pin_protocols;
  uint64_t max_credential_count_in_list = kMaxCredentialCountInList;
  uint64_t max_credential_id_length = 0;
  std::vector<std::string> transports;
  std::vector<int64_t> algorithms;
  uint64_t min_pin_length = kMinPinLength;
  uint64_t firmware_version = 1;
  uint64_t remaining_discoverable = 0;

  static GetInfoResponse describe(const TokenContext& ctx);
  Bytes encode() const;
};

CtapReply handle_get_info(const TokenContext& ctx);

}  // namespace skagent::vtoken
