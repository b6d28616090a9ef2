// SPDX-License-Identifier: BSD-2-Clause
// A token's PIN: set a first one, change it, read how many tries are left.
// Wrong, blocked and policy-violating PINs come back as fido_error.h says.
#pragma once

#include "fido/options.h"
#include "base/error.h"

namespace skagent::fido {

// For a token without a PIN.
Status set_pin(const Options& o, const char* new_pin);
Status change_pin(const Options& o, const char* old_pin, const char* new_pin);
// Tries left before the PIN is blocked.
Result<int> pin_retries(const Options& o);

}  // namespace skagent::fido
