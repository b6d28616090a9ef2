// SPDX-License-Identifier: BSD-2-Clause
// Which token a request goes to when there may be several.
//
// For a key handle, each token is asked without a touch (getAssertion with
// up=false) whether it holds the key; the first that does is used. When none
// does (a verify-required key stays hidden from such a probe, and a U2F token
// may not answer it), and for a new key or a resident-key load, the person
// touches the token to use (OpenSSH's touch-to-select) and the others are sent
// CANCEL. A single token is used as it is, without a probe.
#pragma once

#include <string_view>
#include <vector>

#include "fido/cancel.h"
#include "fido/device.h"
#include "fido/options.h"
#include "base/bytes.h"
#include "base/error.h"

namespace skagent::fido {

// The named device, or every device found that opens (in list order).
Result<std::vector<Device>> open_candidates(const Options& o, std::string_view what);

// Whether `dev` holds `key_handle` for `application`, asked without a touch.
bool holds_credential(const Device& dev, std::string_view application, ByteView key_handle);

// Of `devs`, the one holding the key; the touched one when none does.
Result<Device> select_by_credential(std::vector<Device> devs, std::string_view application,
                                    ByteView key_handle, const Interrupts& in, const Options& o,
                                    std::string_view what);

// Of `devs`, the one the person touches before the deadline.
Result<Device> select_by_touch(std::vector<Device> devs, const Interrupts& in, const Options& o,
                               std::string_view what);

// open_candidates, then select_by_credential (key_handle not empty) or
// select_by_touch.
Result<Device> choose_device(const Options& o, const Interrupts& in, std::string_view what,
                             std::string_view application = {}, ByteView key_handle = {});

}  // namespace skagent::fido
