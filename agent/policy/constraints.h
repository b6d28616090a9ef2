// SPDX-License-Identifier: BSD-2-Clause
// Key constraints sent with ADD_ID_CONSTRAINED / ADD_SMARTCARD_KEY_CONSTRAINED.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "agent/policy/destination_constraint.h"
#include "base/bytes.h"
#include "base/error.h"
#include "base/wire.h"

namespace skagent {

struct Constraints {
  std::optional<uint32_t> lifetime;  // seconds
  bool confirm = false;
  std::optional<std::string> sk_provider;  // sk-provider@openssh.com
  std::optional<std::vector<DestinationConstraint>> destinations;
  std::optional<bool> certs_only;  // associated-certs-v00
  std::vector<Bytes> associated_certs;
};

// Reads constraints to the end of `r`. An unknown or repeated constraint
// fails the whole add, as in OpenSSH.
Result<Constraints> read_constraints(Reader& r);

// When a key added with `c` expires (none: never): its own lifetime, else the agent's default
// (0 = never). An explicit lifetime of 0 expires the key at once, as OpenSSH's agent does
// (death = now + 0): it must never mean "forever", which would outlive the default (-t).
std::optional<std::chrono::steady_clock::time_point> expiry_of(
    const Constraints& c, uint32_t default_lifetime, std::chrono::steady_clock::time_point now);

}  // namespace skagent
