// SPDX-License-Identifier: BSD-2-Clause
// Thin RAII and conversion helpers over OpenSSL 3's EVP API: ssh/ builds on them, and fido/,
// pkcs11/ and vtoken/ take the one deleter and the curve table from here.
#pragma once

#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/param_build.h>
#include <openssl/params.h>
#include <openssl/x509.h>

#include <functional>
#include <memory>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/key.h"

namespace skagent::evp {

// The one deleter for every OpenSSL object the project holds: Owned<EC_GROUP> and so on.
struct Free {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
  void operator()(EVP_MD_CTX* p) const { EVP_MD_CTX_free(p); }
  void operator()(EVP_PKEY_CTX* p) const { EVP_PKEY_CTX_free(p); }
  void operator()(EVP_CIPHER_CTX* p) const { EVP_CIPHER_CTX_free(p); }
  void operator()(EVP_MAC* p) const { EVP_MAC_free(p); }
  void operator()(EVP_MAC_CTX* p) const { EVP_MAC_CTX_free(p); }
  void operator()(EVP_KDF* p) const { EVP_KDF_free(p); }
  void operator()(EVP_KDF_CTX* p) const { EVP_KDF_CTX_free(p); }
  // Every BIGNUM may be a private number: cleared before freeing.
  void operator()(BIGNUM* p) const { BN_clear_free(p); }
  void operator()(BN_CTX* p) const { BN_CTX_free(p); }
  void operator()(EC_GROUP* p) const { EC_GROUP_free(p); }
  void operator()(EC_POINT* p) const { EC_POINT_free(p); }
  void operator()(ECDSA_SIG* p) const { ECDSA_SIG_free(p); }
  void operator()(X509* p) const { X509_free(p); }
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
template <class T>
using Owned = std::unique_ptr<T, Free>;
using Pkey = Owned<EVP_PKEY>;
using Bignum = Owned<BIGNUM>;

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

// What each ECDSA curve is called and how big its numbers are, in one table.
// A digest fetched from the default provider once, for the life of the process (nullptr when
// the provider has none, as EVP_md5() would fail then too).
enum class FetchedMd { sha1, sha256, sha384, sha512, md5 };
const EVP_MD* fetched_md(FetchedMd which);

struct EcCurve {
  KeyType type;             // the plain ECDSA type on this curve
  const char* group_name;   // OpenSSL's name: "P-256"
  const char* sec_name;     // the X9.62/SEC name certificates and OpenSSL may give: "prime256v1"
  int nid;                  // NID_X9_62_prime256v1
  size_t field_bytes;       // 32: the size of a coordinate, of r and of s
  const char* digest_name;  // "sha256": the hash SSH's ECDSA uses on this curve
  const EVP_MD* (*digest)();

  size_t point_size() const { return 1 + 2 * field_bytes; }  // uncompressed: 04 || X || Y
};
// The curve of an ECDSA type (an sk-ecdsa key's is P-256); any other type gets P-256 too.
const EcCurve& ec_curve(KeyType t);
// The curve OpenSSL names `name` (either name in the table); nullptr if none of the three.
const EcCurve* ec_curve_named(std::string_view name);

// The three RSA signature algorithms and their hashes, in one table.
struct RsaAlgorithm {
  RsaHash hash;
  const char* name;         // "rsa-sha2-256", the signature's algorithm name
  const char* digest_name;  // "sha256"
  const EVP_MD* (*digest)();
};
const RsaAlgorithm& rsa_algorithm(RsaHash h);
// nullptr unless `name` is "ssh-rsa", "rsa-sha2-256" or "rsa-sha2-512".
const RsaAlgorithm* rsa_algorithm_named(std::string_view name);

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
