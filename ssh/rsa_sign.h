// SPDX-License-Identifier: BSD-2-Clause
// RSA signing with the blinding kept between signatures. A private key unshielded for one
// signature is a new key to OpenSSL, which draws a new blinding pair for it (a random r, r^e and
// the constant-time inverse of r mod n: about 0.5 ms of a 3072-bit signature's 2.3 ms here).
// A key OpenSSL keeps loaded draws it once and refreshes it by squaring for each signature,
// drawing anew every 32. RsaBlinding keeps that state for one key outside the shield: it holds
// only public values (n, e) and the blinding pair, which tell nothing of the private key.
#pragma once

#include <openssl/types.h>

#include <memory>
#include <mutex>
#include <utility>

#include "base/bytes.h"
#include "base/error.h"
#include "ssh/evp.h"
#include "ssh/key.h"

namespace skagent {

class RsaBlinding {
 public:
  RsaBlinding();
  ~RsaBlinding();
  RsaBlinding(const RsaBlinding&) = delete;
  RsaBlinding& operator=(const RsaBlinding&) = delete;

  // For the signing hook (ssh/rsa_sign.cc): multiplies `f` by the pair's r^e mod n (the pair
  // drawn for (n, e) on first use, or when the key is another one; refreshed for each call as
  // OpenSSL does) and sets `unblind` to the r^-1 that unblind() multiplies the result with.
  bool blind(BIGNUM* f, BIGNUM* unblind, const BIGNUM* n, const BIGNUM* e, BN_CTX* ctx);
  bool unblind(BIGNUM* r, const BIGNUM* unblind, BN_CTX* ctx);
  // How many pairs blind() drew itself (OpenSSL's redraw every 32 uses is not counted): one
  // for as long as the key stays the same.
  size_t pairs_drawn() const { return drawn_; }

 private:
  struct State;
  std::mutex mu_;
  size_t drawn_ = 0;  // signatures with one key on several worker threads at once
  std::unique_ptr<State> state_;
};

namespace evp {

// RSA CRT exponents d mod (p-1) and d mod (q-1), which OpenSSH does not store.
Result<std::pair<Owned<BIGNUM>, Owned<BIGNUM>>> rsa_crt_exponents(const BIGNUM* d, const BIGNUM* p,
                                                                  const BIGNUM* q);

// PKCS#1 v1.5 signature (the bytes OpenSSL's EVP_DigestSign gives: deterministic) with the RSA
// key (n, e, d, p, q, iqmp: big-endian magnitudes, as OpenSSH holds them) over `data` hashed
// with `hash`, blinded with `blinding`'s pair. The private numbers live only for this call.
Result<Bytes> rsa_sign(const PublicKey& pub, ByteView d, ByteView p, ByteView q, ByteView iqmp,
                       RsaHash hash, ByteView data, RsaBlinding& blinding);

}  // namespace evp
}  // namespace skagent
