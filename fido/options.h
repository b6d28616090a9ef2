// SPDX-License-Identifier: BSD-2-Clause
// What every fido/ operation takes: which token (one named, or the ones
// found), how long a person has to touch it or type a PIN before the request
// is cancelled, and who to watch for going away. Key flags and algorithms are
// OpenSSH's sk-api.h numbering (fido/sk_abi.h), so they pass through unchanged.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fido/sk_abi.h"

namespace skagent::fido {

// Default time for a person to touch the token (or for the token to answer).
inline constexpr std::chrono::milliseconds kDefaultTimeout{60000};

// Where to look for tokens when none is named.
struct DeviceSources {
  bool usb = true;                   // libfido2's HID discovery
  bool pcsc = true;                  // cards on PC/SC readers (NFC, CCID)
  std::vector<std::string> vtokens;  // virtual tokens' socket paths, only when named
};

// USB and PC/SC, plus the virtual tokens in `vtokens` (socket paths separated
// by commas, as in $SKAGENT_VTOKEN, which only a program's main or the
// provider library's entry points read; null: none).
DeviceSources device_sources(const char* vtokens);

struct Options {
  // "" to find a token; else a path: a HID device ("/dev/hidraw3"), a virtual
  // token ("vtoken:/path/to/hid.sock") or a reader ("pcsc:Reader Name").
  std::string device;
  DeviceSources sources;
  // From the start of the operation to its end, touch included; then the
  // token is sent CANCEL.
  std::chrono::milliseconds timeout = kDefaultTimeout;
  // When this descriptor hangs up (the requester went away), the request is
  // cancelled. -1: none.
  int requester_fd = -1;
  // Called just before a request that needs a touch goes to the token.
  std::function<void()> on_touch;
};

}  // namespace skagent::fido
