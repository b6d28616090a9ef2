// SPDX-License-Identifier: BSD-2-Clause
// --list-devices: the FIDO tokens found, one line each.
#pragma once

#include <string>
#include <vector>

#include "keygen/sk_token.h"

namespace skagent::keygen {

// A table: PATH, TRANSPORT, PIN (set / not set / ?), RESIDENT (free slots,
// "no" without resident key support, "?" when unknown), MODEL. "No security
// keys found." when the list is empty.
std::string format_device_list(const std::vector<SkDeviceInfo>& devices);

}  // namespace skagent::keygen
