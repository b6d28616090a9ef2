// SPDX-License-Identifier: BSD-2-Clause
// Software signing, validation and generation for PrivateKey, on OpenSSL 3.
#include <openssl/core_names.h>
#include <openssl/rand.h>

#include "base/fuzz_memo.h"
#include "ssh/mldsa44_ed25519.h"
#include "ssh/private_key_secret.h"
#include "ssh/rsa_sign.h"

namespace skagent {

namespace {

bool push_bn(OSSL_PARAM_BLD* b, const char* name, const BIGNUM* v) {
  return v != nullptr && OSSL_PARAM_BLD_push_BN(b, name, v) == 1;
}

Result<evp::Pkey> rsa_private(const PublicKey& k, const PrivateKey::Secret& s) {
  evp::Bignum n = evp::bn(k.rsa_n), e = evp::bn(k.rsa_e), d = evp::bn(s.x);
  evp::Bignum p = evp::bn(s.rsa_p), q = evp::bn(s.rsa_q), iqmp = evp::bn(s.rsa_iqmp);
  if (!n || !e || !d || !p || !q || !iqmp) return evp::crypto_error("RSA parameters");
  BN_set_flags(d.get(), BN_FLG_CONSTTIME);
  auto crt = evp::rsa_crt_exponents(d.get(), p.get(), q.get());
  if (!crt) return crt.error();
  return evp::from_params("RSA", EVP_PKEY_KEYPAIR, [&](OSSL_PARAM_BLD* b) {
    return push_bn(b, OSSL_PKEY_PARAM_RSA_N, n.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_E, e.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_D, d.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_FACTOR1, p.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_FACTOR2, q.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, crt->first.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, crt->second.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, iqmp.get());
  });
}

Result<evp::Pkey> ec_private(const PublicKey& k, const PrivateKey::Secret& s) {
  evp::Bignum d = evp::bn(s.x);
  return evp::from_params("EC", EVP_PKEY_KEYPAIR, [&](OSSL_PARAM_BLD* b) {
    return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
                                           evp::ec_curve(k.type).group_name, 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, k.point.data(),
                                            k.point.size()) == 1 &&
           push_bn(b, OSSL_PKEY_PARAM_PRIV_KEY, d.get());
  });
}

Result<evp::Pkey> dsa_private(const PublicKey& k, const PrivateKey::Secret& s) {
  evp::Bignum p = evp::bn(k.dsa_p), q = evp::bn(k.dsa_q), g = evp::bn(k.dsa_g);
  evp::Bignum y = evp::bn(k.dsa_y), x = evp::bn(s.x);
  return evp::from_params("DSA", EVP_PKEY_KEYPAIR, [&](OSSL_PARAM_BLD* b) {
    return push_bn(b, OSSL_PKEY_PARAM_FFC_P, p.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_FFC_Q, q.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_FFC_G, g.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_PUB_KEY, y.get()) &&
           push_bn(b, OSSL_PKEY_PARAM_PRIV_KEY, x.get());
  });
}

Result<evp::Pkey> private_pkey(const PublicKey& k, const PrivateKey::Secret& s) {
  switch (k.type) {
    case KeyType::ed25519: {
      if (s.x.size() != 64) return make_error(Errc::malformed, "bad Ed25519 secret");
      // Giving OpenSSL both halves spares it re-deriving the public key (a
      // scalar multiplication) for every signature. The parameters point at the bytes we
      // hold (no builder: no allocation, nothing more to wipe).
      const OSSL_PARAM params[] = {
          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PRIV_KEY,
                                            const_cast<uint8_t*>(s.x.data()), 32),
          OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY,
                                            const_cast<uint8_t*>(k.point.data()), k.point.size()),
          OSSL_PARAM_construct_end()};
      return evp::from_param_array("ED25519", EVP_PKEY_KEYPAIR, params);
    }
    case KeyType::rsa:
      return rsa_private(k, s);
    case KeyType::dsa:
      return dsa_private(k, s);
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521:
      return ec_private(k, s);
    default:
      return make_error(Errc::unsupported, "security keys sign through their provider");
  }
}

Bytes rs_blob(const std::pair<Bytes, Bytes>& rs) {
  Writer w;
  w.mpint(rs.first), w.mpint(rs.second);
  return w.take();
}

// DSA signatures are r || s, each exactly 20 bytes.
Bytes dsa_blob(const std::pair<Bytes, Bytes>& rs) {
  Bytes out(40, 0);
  std::copy(rs.first.begin(), rs.first.end(), out.begin() + 20 - rs.first.size());
  std::copy(rs.second.begin(), rs.second.end(), out.begin() + 40 - rs.second.size());
  return out;
}

Result<Bytes> encode_signature(KeyType type, std::string_view alg, ByteView raw) {
  Bytes inner;
  if (type == KeyType::ed25519 || type == KeyType::rsa) {
    inner = to_bytes(raw);
  } else {
    auto rs = evp::rs_from_der(raw);
    if (!rs) return rs.error();
    if (type == KeyType::dsa && (rs->first.size() > 20 || rs->second.size() > 20)) {
      return make_error(Errc::crypto, "DSA signature integer too large");
    }
    inner = type == KeyType::dsa ? dsa_blob(*rs) : rs_blob(*rs);
  }
  Writer w;
  w.string(alg);
  w.string(inner);
  return w.take();
}

}  // namespace

// OpenSSH's ssh-mldsa-eddsa.c: string "ssh-mldsa44-ed25519@openssh.com", string signature.
static Result<Bytes> mldsa44_ed25519_sign(const PublicKey& pub, const Bytes& seeds, ByteView data) {
  auto sig = mldsa44_ed25519::sign(seeds, data);
  if (!sig) return sig.error();
  Writer w;
  w.string(key_type_info(pub.type).name);
  w.string(*sig);
  return w.take();
}

Result<Bytes> PrivateKey::sign(ByteView data, RsaHash hash, RsaBlinding* blinding) const {
  if (pub_.type == KeyType::mldsa44_ed25519) return mldsa44_ed25519_sign(pub_, secret_->x, data);
  if (pub_.type == KeyType::rsa) {
    // The blinding pair is kept with the key when the caller has a place for it
    // (ssh/rsa_sign.h); else it is drawn for this one signature, as OpenSSL would.
    RsaBlinding once;
    auto raw = evp::rsa_sign(pub_, secret_->x, secret_->rsa_p, secret_->rsa_q, secret_->rsa_iqmp,
                             hash, data, blinding != nullptr ? *blinding : once);
    if (!raw) return raw.error();
    return encode_signature(KeyType::rsa, evp::rsa_algorithm(hash).name, *raw);
  }
  if (is_ecdsa(pub_.type) && !skagent::is_security_key(pub_.type)) {
    // The curve group is built once per process, not for every key (ssh/ec_sign.cc).
    auto der = evp::ecdsa_sign(pub_.type, secret_->x, data);
    if (!der) return der.error();
    return encode_signature(pub_.type, key_type_info(pub_.type).name, *der);
  }
  auto pk = private_pkey(pub_, *secret_);
  if (!pk) return pk.error();
  KeyType t = pub_.type;
  auto raw = evp::sign(pk->get(), t == KeyType::dsa ? EVP_sha1() : nullptr, data);
  if (!raw) return raw.error();
  return encode_signature(t, key_type_info(t).name, *raw);
}

// Ed25519: the public key derived from the seed must be the one we hold.
static bool ed25519_consistent(const PublicKey& pub, const Bytes& sk) {
  if (sk.size() != 64 || !equal(ByteView(sk).subspan(32), pub.point)) return false;
  evp::Pkey derived(EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, sk.data(), 32));
  uint8_t out[32];
  size_t len = sizeof(out);
  return derived && EVP_PKEY_get_raw_public_key(derived.get(), out, &len) == 1 && len == 32 &&
         equal(ByteView(out, len), pub.point);
}

#ifdef SKAGENT_FUZZING
// Fuzzing builds only: true when the RSA key cannot pass OpenSSL's pairwise check, found with
// a few multiplications: that check (RSA_check_key's) requires n = pq, d*e = 1 mod
// lcm(p-1, q-1) (so mod p-1 and mod q-1) and iqmp = q^-1 mod p, but tests the primes first,
// 64 Miller-Rabin rounds each (milliseconds under the sanitizers), and a mutated n, d or iqmp
// leaves the primes intact. The verdict is the same; only a key that passes these reaches it.
static bool rsa_surely_inconsistent(const PublicKey& pub, const PrivateKey::Secret& s) {
  evp::Bignum n = evp::bn(pub.rsa_n), e = evp::bn(pub.rsa_e), d = evp::bn(s.x);
  evp::Bignum p = evp::bn(s.rsa_p), q = evp::bn(s.rsa_q), iqmp = evp::bn(s.rsa_iqmp);
  evp::Owned<BN_CTX> ctx(BN_CTX_new());
  evp::Bignum t(BN_new()), p1(BN_new()), q1(BN_new());
  if (!n || !e || !d || !p || !q || !iqmp || !ctx || !t || !p1 || !q1) return false;
  if (BN_num_bits(p.get()) < 3 || BN_num_bits(q.get()) < 3) return false;  // left to OpenSSL
  auto is_one = [&](const BIGNUM* a, const BIGNUM* b, const BIGNUM* m) {
    return BN_mod_mul(t.get(), a, b, m, ctx.get()) == 1 && BN_is_one(t.get());
  };
  const bool n_pq =
      BN_mul(t.get(), p.get(), q.get(), ctx.get()) == 1 && BN_cmp(t.get(), n.get()) == 0;
  const bool sub = BN_sub(p1.get(), p.get(), BN_value_one()) == 1 &&
                   BN_sub(q1.get(), q.get(), BN_value_one()) == 1;
  return sub && (!n_pq || !is_one(d.get(), e.get(), p1.get()) ||
                 !is_one(d.get(), e.get(), q1.get()) || !is_one(iqmp.get(), q.get(), p.get()));
}
#endif

// The checks behind validate(), for every key type.
static Status check_key(const PublicKey& pub, const PrivateKey::Secret& secret) {
  if (skagent::is_security_key(pub.type)) {
    if (pub.application.empty())
      return make_error(Errc::malformed, "security key without application");
    // No secret here to check the public key against (the token holds it): the point is
    // checked on its own, as OpenSSH does (an sk-ecdsa point off its curve is refused).
    return check_public_key(pub);
  }
  if (pub.type == KeyType::mldsa44_ed25519) {
    // Both public keys are re-derived from the seeds and must be the ones presented.
    auto derived = mldsa44_ed25519::public_key(secret.x);
    if (!derived || !equal(*derived, pub.point)) {
      return make_error(Errc::malformed, "ML-DSA-44+Ed25519 seeds do not match the public key");
    }
    return {};
  }
  if (pub.type == KeyType::ed25519) {
    if (!ed25519_consistent(pub, secret.x)) {
      return make_error(Errc::malformed, "Ed25519 secret does not match public key");
    }
    return {};
  }
  auto pk = private_pkey(pub, secret);
  if (!pk) return pk.error();
#ifdef SKAGENT_FUZZING
  if (pub.type == KeyType::rsa && rsa_surely_inconsistent(pub, secret))
    return make_error(Errc::crypto, "private key does not match its public key");
#endif
  evp::Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_pkey(nullptr, pk->get(), nullptr));
  const bool ok =
      ctx && EVP_PKEY_public_check(ctx.get()) == 1 && EVP_PKEY_pairwise_check(ctx.get()) == 1;
  if (!ok) return evp::crypto_error("private key does not match its public key");
  return {};
}

Status PrivateKey::validate() const {
#ifdef SKAGENT_FUZZING
  // Fuzzing builds only (make fuzz-build): a key whose every component was checked before is
  // not checked again; it passes or fails as it did. OpenSSL's RSA check tests both primes
  // (tens of ms under the sanitizers), an Ed25519 or ECDSA check derives a point, and the
  // dispatcher harnesses add the same keys, good and mutated, again and again; a key that
  // differs in any byte is checked in full.
  static FuzzMemo<Status> checked(4096);
  Bytes all = pub_.blob();
  for (const Bytes* b : {&secret_->x, &secret_->rsa_iqmp, &secret_->rsa_p, &secret_->rsa_q}) {
    Writer w;
    w.string(*b);
    all.insert(all.end(), w.bytes().begin(), w.bytes().end());
  }
  if (auto known = checked.find(all)) return *known;
  Status s = check_key(pub_, *secret_);
  checked.remember(std::move(all), s);
  return s;
#else
  return check_key(pub_, *secret_);
#endif
}

}  // namespace skagent
