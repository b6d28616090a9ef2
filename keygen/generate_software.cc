// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/generate_software.h"

namespace skagent::keygen {

Result<PrivateKey> generate_software_key(const KeySpec& spec) {
  if (is_security_key(spec.type)) {
    return make_error(Errc::internal, "security key types are made on the token");
  }
  unsigned bits = spec.type == KeyType::rsa ? spec.bits : 0;
  auto key = PrivateKey::generate(spec.type, bits);
  if (!key) return make_error(key.error().code, "key generation failed: " + key.error().message);
  // A freshly made key is checked once, as any loaded key would be.
  if (auto s = key->validate(); !s) return s.error();
  return key;
}

}  // namespace skagent::keygen
