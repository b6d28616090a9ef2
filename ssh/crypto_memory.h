// SPDX-License-Identifier: BSD-2-Clause
// OpenSSL's own allocations, wiped when freed. OpenSSL frees many of its temporaries without
// cleansing them (EVP_PKEY_pairwise_check's BIGNUMs left an RSA key's dQ and qInv in the
// agent's freed heap, enough to factor n); routing libcrypto's malloc/realloc/free through
// functions that wipe every block it releases makes all of them harmless at once, whatever
// code path (key import, certificate parsing, a PKCS#11 module's use of libcrypto) made them.
#pragma once

namespace skagent {

// Must be the first thing a program's main() does: OpenSSL accepts the functions only before
// its first allocation. False when it refused (the caller fails closed).
bool install_wiping_crypto_allocator();

}  // namespace skagent
