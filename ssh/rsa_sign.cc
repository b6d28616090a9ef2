// SPDX-License-Identifier: BSD-2-Clause
// RSA signing through OpenSSL's own RSA code (RSA_sign: DigestInfo, PKCS#1 v1.5 padding, the
// CRT exponentiation in constant time and its fault check), with OpenSSL's per-key blinding
// turned off and done instead around the exponentiation with the pair RsaBlinding keeps. RSA is
// deprecated in OpenSSL 3 but kept; OpenSSH signs through it too.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "ssh/rsa_sign.h"

#include <openssl/bn.h>
#include <openssl/rsa.h>

namespace skagent {

struct RsaBlinding::State {
  evp::Bignum n, e;             // the key the pair belongs to
  BN_MONT_CTX* mont = nullptr;  // n's Montgomery form; the blinding points at it
  BN_BLINDING* pair = nullptr;  // A = r^e and Ai = r^-1 mod n
  ~State() {
    BN_BLINDING_free(pair);  // first: it refers to mont
    BN_MONT_CTX_free(mont);
  }
};

RsaBlinding::RsaBlinding() = default;
RsaBlinding::~RsaBlinding() = default;

bool RsaBlinding::blind(BIGNUM* f, BIGNUM* unblind, const BIGNUM* n, const BIGNUM* e, BN_CTX* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!state_ || BN_cmp(state_->n.get(), n) != 0 || BN_cmp(state_->e.get(), e) != 0) {
    state_.reset();
    auto s = std::make_unique<State>();
    s->n.reset(BN_dup(n));
    s->e.reset(BN_dup(e));
    s->mont = BN_MONT_CTX_new();
    if (!s->n || !s->e || s->mont == nullptr || BN_MONT_CTX_set(s->mont, s->n.get(), ctx) != 1)
      return false;
    // As RSA_setup_blinding: the inverse of r is computed in constant time.
    BN_set_flags(s->n.get(), BN_FLG_CONSTTIME);
    s->pair =
        BN_BLINDING_create_param(nullptr, s->e.get(), s->n.get(), ctx, BN_mod_exp_mont, s->mont);
    if (s->pair == nullptr) return false;
    state_ = std::move(s);
    drawn_++;
  }
  // Refreshes the pair (squares both; every 32nd call draws a new r), then f = f * A mod n.
  return BN_BLINDING_convert_ex(f, unblind, state_->pair, ctx) == 1;
}

bool RsaBlinding::unblind(BIGNUM* r, const BIGNUM* unblind, BN_CTX* ctx) {
  std::lock_guard<std::mutex> lock(mu_);
  return state_ && BN_BLINDING_invert_ex(r, unblind, state_->pair, ctx) == 1;
}

namespace {

// OpenSSL's RSA exponentiation (CRT, constant time, checked against the public exponent),
// between blinding and unblinding with the key's kept pair (the RSA's app data).
int blinded_mod_exp(BIGNUM* r0, const BIGNUM* in, RSA* rsa, BN_CTX* ctx) {
  auto* blinding = static_cast<RsaBlinding*>(RSA_get_app_data(rsa));
  const BIGNUM *n = nullptr, *e = nullptr;
  RSA_get0_key(rsa, &n, &e, nullptr);
  evp::Bignum f(BN_dup(in)), unblind(BN_new());
  if (blinding == nullptr || !f || !unblind ||
      !blinding->blind(f.get(), unblind.get(), n, e, ctx) ||
      RSA_meth_get_mod_exp(RSA_PKCS1_OpenSSL())(r0, f.get(), rsa, ctx) != 1) {
    return 0;
  }
  return blinding->unblind(r0, unblind.get(), ctx) ? 1 : 0;
}

// OpenSSL's own method with the exponentiation above; made once, kept for the process.
const RSA_METHOD* blinded_method() {
  static RSA_METHOD* const method = [] {
    RSA_METHOD* m = RSA_meth_dup(RSA_PKCS1_OpenSSL());
    if (m != nullptr && RSA_meth_set_mod_exp(m, blinded_mod_exp) != 1) {
      RSA_meth_free(m);
      m = nullptr;
    }
    return m;
  }();
  return method;
}

struct RsaFree {
  void operator()(RSA* r) const { RSA_free(r); }  // clears the private numbers
};

}  // namespace

namespace evp {

Result<std::pair<Bignum, Bignum>> rsa_crt_exponents(const BIGNUM* d, const BIGNUM* p,
                                                    const BIGNUM* q) {
  Owned<BN_CTX> ctx(BN_CTX_new());
  Bignum p1(BN_dup(p)), q1(BN_dup(q)), dmp1(BN_new()), dmq1(BN_new());
  if (!ctx || !p1 || !q1 || !dmp1 || !dmq1 || !BN_sub_word(p1.get(), 1) ||
      !BN_sub_word(q1.get(), 1) || !BN_mod(dmp1.get(), d, p1.get(), ctx.get()) ||
      !BN_mod(dmq1.get(), d, q1.get(), ctx.get())) {
    return crypto_error("computing RSA CRT parameters");
  }
  return std::make_pair(std::move(dmp1), std::move(dmq1));
}

Result<Bytes> rsa_sign(const PublicKey& pub, ByteView d_bytes, ByteView p_bytes, ByteView q_bytes,
                       ByteView iqmp_bytes, RsaHash hash, ByteView data, RsaBlinding& blinding) {
  const RSA_METHOD* method = blinded_method();
  Bignum n = bn(pub.rsa_n), e = bn(pub.rsa_e), d = bn(d_bytes);
  Bignum p = bn(p_bytes), q = bn(q_bytes), iqmp = bn(iqmp_bytes);
  if (method == nullptr || !n || !e || !d || !p || !q || !iqmp)
    return crypto_error("RSA parameters");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  auto crt = rsa_crt_exponents(d.get(), p.get(), q.get());
  if (!crt) return crt.error();
  std::unique_ptr<RSA, RsaFree> rsa(RSA_new());
  if (!rsa || RSA_set_method(rsa.get(), method) != 1) return crypto_error("RSA key");
  // set0 takes the numbers over (RSA_free clears them) only when it succeeds.
  if (RSA_set0_key(rsa.get(), n.get(), e.get(), d.get()) != 1) return crypto_error("RSA key");
  (void)n.release(), (void)e.release(), (void)d.release();
  if (RSA_set0_factors(rsa.get(), p.get(), q.get()) != 1) return crypto_error("RSA key");
  (void)p.release(), (void)q.release();
  if (RSA_set0_crt_params(rsa.get(), crt->first.get(), crt->second.get(), iqmp.get()) != 1)
    return crypto_error("RSA key");
  (void)crt->first.release(), (void)crt->second.release(), (void)iqmp.release();
  // OpenSSL's blinding would draw a new pair for this new key: the kept one blinds instead.
  RSA_set_flags(rsa.get(), RSA_FLAG_NO_BLINDING);
  RSA_set_app_data(rsa.get(), &blinding);

  const EVP_MD* md = rsa_algorithm(hash).digest();
  uint8_t digest[EVP_MAX_MD_SIZE];
  unsigned int digest_len = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &digest_len, md, nullptr) != 1)
    return crypto_error("RSA digest");
  Bytes sig(size_t(RSA_size(rsa.get())));
  unsigned int len = 0;
  if (RSA_sign(EVP_MD_get_type(md), digest, digest_len, sig.data(), &len, rsa.get()) != 1)
    return crypto_error("signing failed");
  sig.resize(len);
  return sig;
}

}  // namespace evp
}  // namespace skagent
