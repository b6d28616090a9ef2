// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/key_equal.h"

namespace skagent {

bool key_equal(const PublicKey& a, const PublicKey& b) {
  if (a.is_cert() && (!b.is_cert() || !equal(a.cert->blob, b.cert->blob))) return false;
  return same_public_key(a, b);
}

}  // namespace skagent
