// SPDX-License-Identifier: BSD-2-Clause
// Verification of SSH signature blobs (RFC 4253 §6.6, RFC 5656, RFC 8709,
// RFC 8332, OpenSSH PROTOCOL.u2f for security keys).
#include <openssl/evp.h>

#include "base/fuzz_memo.h"
#include "ssh/evp.h"
#include "ssh/key.h"
#include "ssh/mldsa44_ed25519.h"

namespace skagent {

namespace {

Error bad_signature(std::string_view why) {
  return make_error(Errc::crypto, "signature verification failed: " + std::string(why));
}

// ECDSA inner blob: mpint r, mpint s, nothing else.
Result<Bytes> ecdsa_der(ByteView inner) {
  Reader r(inner);
  ByteView rv, sv;
  if (!r.mpint(rv) || !r.mpint(sv) || !r.empty()) return bad_signature("bad ECDSA signature");
  return evp::der_from_rs(rv, sv);
}

// The message a security key signed: SHA256(app) || flags || counter || SHA256(data).
Bytes sk_message(const PublicKey& key, uint8_t flags, uint32_t counter, ByteView data) {
  Writer w;
  w.raw(evp::sha256(view(key.application)));
  w.u8(flags);
  w.u32(counter);
  w.raw(evp::sha256(data));
  return w.take();
}

Status check(bool ok) { return ok ? Status() : bad_signature("signature does not match"); }

Status verify_sk(const PublicKey& key, EVP_PKEY* pk, ByteView inner, Reader& r, ByteView data) {
  uint8_t flags = 0;
  uint32_t counter = 0;
  if (!r.u8(flags) || !r.u32(counter)) return bad_signature("truncated sk signature");
  Bytes msg = sk_message(key, flags, counter, data);
  if (key.type == KeyType::sk_ed25519) {
    if (inner.size() != 64) return bad_signature("bad Ed25519 signature size");
    return check(evp::verify(pk, nullptr, inner, msg));
  }
  auto der = ecdsa_der(inner);
  if (!der) return der.error();
  return check(evp::verify(pk, EVP_sha256(), *der, msg));
}

Status verify_inner(const PublicKey& key, EVP_PKEY* pk, std::string_view alg, ByteView inner,
                    Reader& r, ByteView data) {
  switch (key.type) {
    case KeyType::ed25519:
      if (inner.size() != 64) return bad_signature("bad Ed25519 signature size");
      return check(evp::verify(pk, nullptr, inner, data));
    case KeyType::rsa: {
      const evp::RsaAlgorithm* rsa = evp::rsa_algorithm_named(alg);
      if (rsa == nullptr) return bad_signature("unknown RSA signature algorithm");
      if (inner.size() > key.rsa_n.size()) return bad_signature("RSA signature too long");
      Bytes padded(key.rsa_n.size() - inner.size(), 0);
      padded.insert(padded.end(), inner.begin(), inner.end());
      return check(evp::verify(pk, rsa->digest(), padded, data));
    }
    case KeyType::dsa: {
      if (inner.size() != 40) return bad_signature("bad DSA signature size");
      auto der = evp::der_from_rs(inner.first(20), inner.subspan(20));
      if (!der) return der.error();
      return check(evp::verify(pk, EVP_sha1(), *der, data));
    }
    case KeyType::sk_ecdsa_p256:
    case KeyType::sk_ed25519:
      return verify_sk(key, pk, inner, r, data);
    default: {
      auto der = ecdsa_der(inner);
      if (!der) return der.error();
      return check(evp::verify(pk, evp::ec_curve(key.type).digest(), *der, data));
    }
  }
}

}  // namespace

Result<std::string> signature_algorithm(ByteView signature) {
  Reader r(signature);
  std::string alg;
  if (!r.cstring(alg)) return bad_signature("missing algorithm name");
  return alg;
}

Status check_public_key(const PublicKey& key) {
  if (key.type == KeyType::mldsa44_ed25519) return {};  // fixed sizes, checked by the parser
  if (auto pk = evp::public_pkey(key); !pk) {
    return make_error(Errc::malformed,
                      "invalid " + std::string(key.type_name()) + " key: " + pk.error().message);
  }
  return {};
}

namespace {

Status verify_uncached(const PublicKey& key, ByteView signature, ByteView data,
                       std::string_view required_alg) {
  Reader r(signature);
  std::string alg;
  ByteView inner;
  if (!r.cstring(alg) || !r.string(inner)) return bad_signature("truncated signature");
  bool rsa = key.type == KeyType::rsa;
  if (!rsa && alg != key_type_info(key.type).name) return bad_signature("algorithm mismatch");
  if (rsa && !required_alg.empty() && alg != required_alg) {
    return bad_signature("RSA algorithm " + alg + " is not the one required");
  }
  if (key.type == KeyType::mldsa44_ed25519) {
    if (!r.empty()) return bad_signature("trailing bytes after signature");
    if (inner.size() != mldsa44_ed25519::kSignatureSize)
      return bad_signature("bad ML-DSA-44+Ed25519 signature size");
    return check(mldsa44_ed25519::verify(key.point, data, inner));
  }
  auto pk = evp::public_pkey(key);
  if (!pk) return pk.error();
  if (auto s = verify_inner(key, pk->get(), alg, inner, r, data); !s) return s;
  if (!r.empty()) return bad_signature("trailing bytes after signature");
  return {};
}

}  // namespace

Status verify_signature(const PublicKey& key, ByteView signature, ByteView data,
                        std::string_view required_alg) {
#ifdef SKAGENT_FUZZING
  // Fuzzing builds only (make fuzz-build): the answer for a key, signature, data and required
  // algorithm seen before is not computed again. The session-bind harnesses bind sessions with
  // the same few host keys over the same session ids again and again, and an Ed25519
  // verification (~100 us) was most of an input; anything that differs in one byte is
  // verified in full. The answer depends on nothing else.
  static FuzzMemo<Status> seen(65536);
  Writer w;
  w.string(key.blob());
  w.string(signature);
  w.string(data);
  w.string(required_alg);
  if (auto known = seen.find(w.bytes())) return *known;
  Status s = verify_uncached(key, signature, data, required_alg);
  seen.remember(w.take(), s);
  return s;
#else
  return verify_uncached(key, signature, data, required_alg);
#endif
}

}  // namespace skagent
