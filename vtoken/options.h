// SPDX-License-Identifier: BSD-2-Clause
// The "options" map of makeCredential and getAssertion: rk, up, uv booleans.
#pragma once

#include <optional>

#include "vtoken/cbor.h"

namespace skagent::vtoken {

struct RequestOptions {
  std::optional<bool> rk, up, uv;
  // Unknown option names are ignored (CTAP 2.1); known ones must be booleans.
  static Result<RequestOptions> parse(const cbor_item_t* item);
};

}  // namespace skagent::vtoken
