// SPDX-License-Identifier: BSD-2-Clause
// The security keys there are now: USB HID tokens from libfido2's discovery,
// cards on PC/SC readers, and virtual tokens, which appear only when named
// (Options::sources.vtokens, given by the caller: see device_sources()).
#pragma once

#include <string>
#include <vector>

#include "fido/device.h"
#include "fido/options.h"
#include "base/error.h"

namespace skagent::fido {

struct DeviceInfo {
  std::string path;  // for Device::open and the "device" option
  Transport transport = Transport::usb;
  std::string product;  // manufacturer and product as the token names itself, when known
};

Result<std::vector<DeviceInfo>> list_devices(const DeviceSources& sources);

// "/a.sock,/b.sock" -> {"/a.sock", "/b.sock"} (empty items dropped).
std::vector<std::string> split_vtoken_list(const std::string& list);

}  // namespace skagent::fido
