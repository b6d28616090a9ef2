// SPDX-License-Identifier: BSD-2-Clause
// One key held by the agent, with what the adder said about it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/policy/destination_constraint.h"
#include "agent/keys/key_shield.h"
#include "ssh/key.h"
#include "ssh/rsa_sign.h"

namespace skagent {

struct Identity {
  PublicKey key;
  Bytes blob;  // what clients name the key by
  std::string comment;
  ShieldedSecret secret;        // the private-key serialization, shielded
  std::string sk_provider;      // security keys: "internal" or a library path
  std::string pkcs11_provider;  // PKCS#11 token keys: the module's canonical path (no secret)
  std::optional<std::chrono::steady_clock::time_point> expires;
  bool confirm = false;
  std::vector<DestinationConstraint> destinations;
  // Software RSA keys: the blinding pair kept between signatures (public values only;
  // ssh/rsa_sign.h). Null for other keys.
  std::shared_ptr<RsaBlinding> rsa_blinding;
};

}  // namespace skagent
