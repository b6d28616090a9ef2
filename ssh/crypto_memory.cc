// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/crypto_memory.h"

#include <malloc.h>
#include <openssl/crypto.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/bytes.h"

namespace skagent {

namespace {

// The whole block (malloc_usable_size: what the allocator really handed out, which may exceed
// the size OpenSSL asked for), so nothing of it is left for the next owner of that memory.
void wiping_free(void* p, const char*, int) {
  if (p == nullptr) return;
  secure_wipe(p, malloc_usable_size(p));
  free(p);
}

void* plain_malloc(size_t n, const char*, int) { return malloc(n); }

// Never realloc() in place: a block that moves would leave its old copy behind unwiped.
void* wiping_realloc(void* p, size_t n, const char* file, int line) {
  if (p == nullptr) return malloc(n);
  if (n == 0) {
    wiping_free(p, file, line);
    return nullptr;
  }
  void* q = malloc(n);
  if (q == nullptr) return nullptr;
  memcpy(q, p, std::min(n, malloc_usable_size(p)));
  wiping_free(p, file, line);
  return q;
}

}  // namespace

bool install_wiping_crypto_allocator() {
  return CRYPTO_set_mem_functions(plain_malloc, wiping_realloc, wiping_free) == 1;
}

}  // namespace skagent
