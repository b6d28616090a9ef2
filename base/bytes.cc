// SPDX-License-Identifier: BSD-2-Clause
#include "base/bytes.h"

#include <openssl/crypto.h>

namespace skagent {

void secure_wipe(void* p, size_t n) {
  if (p != nullptr && n != 0) OPENSSL_cleanse(p, n);
}

void wipe_spare(Bytes& b) {
  if (b.capacity() > b.size()) secure_wipe(b.data() + b.size(), b.capacity() - b.size());
}

bool equal_ct(ByteView a, ByteView b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace skagent
