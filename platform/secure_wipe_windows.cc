// SPDX-License-Identifier: BSD-2-Clause
// base/bytes.h's secure_wipe and equal_ct for the Windows build, which has no OpenSSL
// (base/bytes.cc uses OPENSSL_cleanse and CRYPTO_memcmp; this file replaces it there).
#include <windows.h>

#include "base/bytes.h"

namespace skagent {

void secure_wipe(void* p, size_t n) {
  if (p != nullptr && n != 0) SecureZeroMemory(p, n);  // never optimised away
}

bool equal_ct(ByteView a, ByteView b) {
  if (a.size() != b.size()) return false;
  volatile uint8_t diff = 0;
  for (size_t i = 0; i < a.size(); i++) diff = uint8_t(diff | (a[i] ^ b[i]));
  return diff == 0;
}

}  // namespace skagent
