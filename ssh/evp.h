// SPDX-License-Identifier: BSD-2-Clause
// Thin RAII and conversion helpers over OpenSSL 3's EVP API, private to ssh/.
#pragma once

#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#include <openssl/param_build.h>
#include <openssl/params.h>

#include <functional>
#include <memory>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"

namespace skagent::evp {

struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
  void operator()(OSSL_PARAM_BLD* p) const { OSSL_PARAM_BLD_free(p); }
  // Key parameters hold private numbers (native-endian copies of the BIGNUMs): wipe them
  // before freeing (OSSL_PARAM_clear_free only exists from OpenSSL 3.2 on).
  void operator()(OSSL_PARAM* p) const {
    for (OSSL_PARAM* q = p; q != nullptr && q->key != nullptr; q++) {
      if (q->data != nullptr) OPENSSL_cleanse(q->data, q->data_size);
    }
    OSSL_PARAM_free(p);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, Free>;
using Bignum = std::unique_ptr<BIGNUM, Free>;

Error crypto_error(const char* what);

Bignum bn(ByteView magnitude);
Bytes bn_bytes(const BIGNUM* b, size_t pad_to = 0);

// Builds a key from parameters; `selection` is EVP_PKEY_PUBLIC_KEY or
// EVP_PKEY_KEYPAIR. `fill` pushes parameters onto the builder.
Result<Pkey> from_params(const char* keytype, int selection,
                         const std::function<bool(OSSL_PARAM_BLD*)>& fill);
// The same from a prepared parameter array (no builder, no copies of the numbers).
Result<Pkey> from_param_array(const char* keytype, int selection, const OSSL_PARAM* params);

// Public EVP key for a plain PublicKey (any type; sk types as their curve key).
Result<Pkey> public_pkey(const PublicKey& key);

const char* ec_group_name(KeyType t);  // "P-256", ...
const EVP_MD* ec_digest(KeyType t);    // SHA-256/384/512 by curve
size_t ec_point_size(KeyType t);       // uncompressed point length

Result<Bytes> sign(EVP_PKEY* key, const EVP_MD* md, ByteView data);
// ECDSA (DER) with the private scalar `scalar` on the curve of `t`, whose group is built once
// per process (ssh/ec_sign.cc): the same signature as sign() on an imported key, without
// building the curve again for each key.
Result<Bytes> ecdsa_sign(KeyType t, ByteView scalar, ByteView data);
bool verify(EVP_PKEY* key, const EVP_MD* md, ByteView sig, ByteView data);

// ECDSA/DSA signatures: DER <-> the two integers r and s.
Result<Bytes> der_from_rs(ByteView r, ByteView s);
Result<std::pair<Bytes, Bytes>> rs_from_der(ByteView der);

Bytes sha256(ByteView data);

}  // namespace skagent::evp
