// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/identity_store.h"

#include <algorithm>

namespace skagent {

IdentityStore::Ptr IdentityStore::find(ByteView blob) const {
  for (const auto& id : ids_) {
    if (equal(id->blob, blob)) return id;
  }
  return nullptr;
}

void IdentityStore::put(Ptr id) {
  for (auto& existing : ids_) {
    if (equal(existing->blob, id->blob)) {
      existing = std::move(id);
      return;
    }
  }
  ids_.push_back(std::move(id));
}

bool IdentityStore::remove(ByteView blob) {
  auto it =
      std::find_if(ids_.begin(), ids_.end(), [&](const Ptr& id) { return equal(id->blob, blob); });
  if (it == ids_.end()) return false;
  ids_.erase(it);
  return true;
}

std::optional<IdentityStore::TimePoint> IdentityStore::expire(TimePoint now) {
  std::erase_if(ids_, [&](const Ptr& id) { return id->expires && *id->expires <= now; });
  std::optional<TimePoint> next;
  for (const auto& id : ids_) {
    if (id->expires && (!next || *id->expires < *next)) next = id->expires;
  }
  return next;
}

std::string describe_identity(const Identity& id, FingerprintHash hash) {
  return std::string(id.key.type_name()) + " " + fingerprint(id.key, hash) + " (" + id.comment +
         ")";
}

}  // namespace skagent
