// SPDX-License-Identifier: BSD-2-Clause
// ECDSA signing with the curve built once. OpenSSL 3.0's EVP_PKEY_fromdata builds the curve
// group from its name for every key it imports (9 us of a P-256 import's 17.5 us here, the
// signature itself being about 22 us); an EC_KEY given a copy of a group built once (0.7 us)
// signs through the very function OpenSSL's provider calls (ECDSA_sign_ex), so the nonce, the
// constant-time scalar and the output are the same. EC_KEY is deprecated in OpenSSL 3 but
// kept; OpenSSH signs through it too.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/ec.h>
#include <openssl/ecdsa.h>

#include "ssh/evp.h"

namespace skagent::evp {

namespace {

struct EcKeyFree {
  void operator()(EC_KEY* k) const { EC_KEY_free(k); }  // clears the private scalar
};

EC_GROUP* new_group(KeyType t) { return EC_GROUP_new_by_curve_name(ec_curve(t).nid); }

// Built on first use and kept for the life of the process: a group holds only public curve
// parameters, and copying it from several threads at once only reads it.
const EC_GROUP* cached_group(KeyType t) {
  static const EC_GROUP* const p256 = new_group(KeyType::ecdsa_p256);
  static const EC_GROUP* const p384 = new_group(KeyType::ecdsa_p384);
  static const EC_GROUP* const p521 = new_group(KeyType::ecdsa_p521);
  return t == KeyType::ecdsa_p384 ? p384 : t == KeyType::ecdsa_p521 ? p521 : p256;
}

}  // namespace

Result<Bytes> ecdsa_sign(KeyType t, ByteView scalar, ByteView data) {
  const EC_GROUP* group = cached_group(t);
  std::unique_ptr<EC_KEY, EcKeyFree> key(EC_KEY_new());
  Bignum d = bn(scalar);
  if (group == nullptr || !key || !d || EC_KEY_set_group(key.get(), group) != 1 ||
      EC_KEY_set_private_key(key.get(), d.get()) != 1) {
    return crypto_error("ECDSA private key");
  }
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_len, ec_curve(t).digest(), nullptr) !=
      1) {
    return crypto_error("ECDSA digest");
  }
  Bytes der(size_t(ECDSA_size(key.get())));
  unsigned int len = 0;
  if (der.empty() || ECDSA_sign(0, digest, int(digest_len), der.data(), &len, key.get()) != 1) {
    return crypto_error("signing failed");
  }
  der.resize(len);
  return der;
}

}  // namespace skagent::evp
