// SPDX-License-Identifier: BSD-2-Clause
// libfido2 statuses (CTAP errors and libfido2's own) as the project's errors,
// each with a message that says what happened and what a person can do:
//
//   PIN required      pin_required  "... needs the security key's PIN"
//   wrong PIN         pin_invalid   "... wrong PIN: 5 tries left before the PIN is blocked"
//   PIN blocked       pin_blocked   "... reinsert the key" / "... reset the key"
//   no device         not_found     "no FIDO2 security key found ..."
//   touch timed out   timeout       "no touch within ..."
//   credential exists exists        "... already holds a credential ..."
//   unsupported       unsupported   "... does not support ..."
#pragma once

#include <fido.h>

#include <string_view>

#include "base/error.h"

namespace skagent::fido {

// `what` names the operation as a person would ("signing with the security
// key"); the message starts with it.
Error fido_error(int rc, std::string_view what);

// As above; for a wrong PIN it asks `dev` how many tries are left.
Error fido_error(int rc, std::string_view what, fido_dev_t* dev);

// No token at all (nothing plugged in, no reader with a card, no named one).
Error no_device_error(std::string_view what);

}  // namespace skagent::fido
