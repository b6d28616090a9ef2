// SPDX-License-Identifier: BSD-2-Clause
// The agent's keys, in the order they were added.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <vector>

#include "agent/keys/identity.h"
#include "ssh/fingerprint.h"

namespace skagent {

class IdentityStore {
 public:
  using Ptr = std::shared_ptr<const Identity>;
  using TimePoint = std::chrono::steady_clock::time_point;

  Ptr find(ByteView blob) const;
  // Adds, or replaces an identity with the same blob in place.
  void put(Ptr id);
  bool remove(ByteView blob);
  void clear() { ids_.clear(); }
  // Drops expired identities; returns the next expiry, if any.
  std::optional<TimePoint> expire(TimePoint now);

  const std::vector<Ptr>& all() const { return ids_; }
  size_t size() const { return ids_.size(); }

 private:
  std::vector<Ptr> ids_;
};

// "ED25519 SHA256:... (comment)": how the log names a key.
std::string describe_identity(const Identity& id, FingerprintHash hash);

}  // namespace skagent
