// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/signature_check.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/sha.h>

#include <memory>
#include <string>
#include <string_view>

#include "ssh/mldsa44_ed25519.h"
#include "base/wire.h"
#include "agent/protocol/messages.h"

namespace skagent::bench {
namespace {

// A unique_ptr deleter calling OpenSSL's `Fn` (EVP_PKEY_free, BN_free, ...).
template <auto Fn>
struct Freer {
  template <class T>
  void operator()(T* p) const {
    Fn(p);
  }
};
using Pkey = std::unique_ptr<EVP_PKEY, Freer<EVP_PKEY_free>>;
using Bn = std::unique_ptr<BIGNUM, Freer<BN_free>>;

Error bad(std::string what) { return make_error(Errc::crypto, std::move(what)); }

Bn to_bn(ByteView b) { return Bn(BN_bin2bn(b.data(), int(b.size()), nullptr)); }

// md == nullptr for Ed25519, which hashes internally.
Status digest_verify(EVP_PKEY* key, const EVP_MD* md, ByteView sig, ByteView msg) {
  std::unique_ptr<EVP_MD_CTX, Freer<EVP_MD_CTX_free>> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) != 1)
    return bad("verify init failed");
  if (EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), msg.data(), msg.size()) != 1)
    return bad("signature does not verify");
  return {};
}

// Builds a public key of `type` ("EC", "RSA") from OpenSSL parameters.
Result<Pkey> from_params(const char* type, OSSL_PARAM_BLD* bld) {
  std::unique_ptr<OSSL_PARAM, Freer<OSSL_PARAM_free>> params(OSSL_PARAM_BLD_to_param(bld));
  std::unique_ptr<EVP_PKEY_CTX, Freer<EVP_PKEY_CTX_free>> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) != 1)
    return bad(std::string("cannot build ") + type + " key");
  return Pkey(key);
}

Status check_ed25519(Reader& key, Reader& sig, ByteView data) {
  ByteView pk, raw;
  if (!key.string(pk) || pk.size() != 32 || !sig.string(raw) || raw.size() != 64)
    return bad("malformed ed25519 key or signature");
  Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk.data(), pk.size()));
  if (!k) return bad("bad ed25519 key");
  return digest_verify(k.get(), nullptr, raw, data);
}

Status check_ecdsa_p256(Reader& key, Reader& sig, ByteView data) {
  std::string curve;
  ByteView q, inner, r, s;
  if (!key.cstring(curve) || curve != "nistp256" || !key.string(q) || !sig.string(inner))
    return bad("malformed ecdsa key or signature");
  Reader rs(inner);
  if (!rs.mpint(r) || !rs.mpint(s) || !rs.empty()) return bad("malformed ecdsa r,s");
  std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
  OSSL_PARAM_BLD_push_utf8_string(bld.get(), OSSL_PKEY_PARAM_GROUP_NAME, "prime256v1", 0);
  OSSL_PARAM_BLD_push_octet_string(bld.get(), OSSL_PKEY_PARAM_PUB_KEY, q.data(), q.size());
  auto k = from_params("EC", bld.get());
  if (!k) return k.error();
  std::unique_ptr<ECDSA_SIG, Freer<ECDSA_SIG_free>> es(ECDSA_SIG_new());
  Bn bn_r = to_bn(r), bn_s = to_bn(s);
  if (!es || !bn_r || !bn_s || ECDSA_SIG_set0(es.get(), bn_r.get(), bn_s.get()) != 1)
    return bad("cannot build ECDSA_SIG");
  bn_r.release();
  bn_s.release();
  unsigned char* der = nullptr;
  int der_len = i2d_ECDSA_SIG(es.get(), &der);
  if (der_len <= 0) return bad("cannot encode ECDSA_SIG");
  Status st = digest_verify(k->get(), EVP_sha256(), ByteView(der, size_t(der_len)), data);
  OPENSSL_free(der);
  return st;
}

Status check_rsa(Reader& key, std::string_view alg, Reader& sig, ByteView data, uint32_t flags) {
  std::string_view want = (flags & msg::kSignRsaSha512)   ? "rsa-sha2-512"
                          : (flags & msg::kSignRsaSha256) ? "rsa-sha2-256"
                                                          : "ssh-rsa";
  if (alg != want)
    return bad("RSA signature is " + std::string(alg) + ", asked for " + std::string(want));
  ByteView e, n, raw;
  if (!key.mpint(e) || !key.mpint(n) || !sig.string(raw))
    return bad("malformed rsa key or signature");
  std::unique_ptr<OSSL_PARAM_BLD, Freer<OSSL_PARAM_BLD_free>> bld(OSSL_PARAM_BLD_new());
  Bn bn_n = to_bn(n), bn_e = to_bn(e);
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn_n.get());
  OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, bn_e.get());
  auto k = from_params("RSA", bld.get());
  if (!k) return k.error();
  const EVP_MD* md = alg == "rsa-sha2-512"   ? EVP_sha512()
                     : alg == "rsa-sha2-256" ? EVP_sha256()
                                             : EVP_sha1();
  return digest_verify(k->get(), md, raw, data);
}

// sk signatures cover SHA256(application) || flags || counter || SHA256(data).
Status check_sk_ed25519(Reader& key, Reader& sig, ByteView data) {
  ByteView pk, app, raw;
  uint8_t sk_flags = 0;
  uint32_t counter = 0;
  if (!key.string(pk) || pk.size() != 32 || !key.string(app) || !sig.string(raw) ||
      raw.size() != 64 || !sig.u8(sk_flags) || !sig.u32(counter))
    return bad("malformed sk-ed25519 key or signature");
  uint8_t app_hash[SHA256_DIGEST_LENGTH], data_hash[SHA256_DIGEST_LENGTH];
  SHA256(app.data(), app.size(), app_hash);
  SHA256(data.data(), data.size(), data_hash);
  Writer msg;
  msg.raw(app_hash);
  msg.u8(sk_flags);
  msg.u32(counter);
  msg.raw(data_hash);
  Pkey k(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, pk.data(), pk.size()));
  if (!k) return bad("bad sk-ed25519 key");
  return digest_verify(k.get(), nullptr, raw, msg.bytes());
}

// ML-DSA-44+Ed25519: no OpenSSL 3.0 has ML-DSA, so this one uses skagent's own verifier
// (checked against OpenSSH 10.5 by tests/integration/mldsa.sh).
Status check_mldsa44_ed25519(Reader& key, Reader& sig, ByteView data) {
  ByteView pk, raw;
  if (!key.string(pk) || !sig.string(raw)) return bad("malformed mldsa44-ed25519 key or signature");
  if (!mldsa44_ed25519::verify(pk, data, raw)) return bad("signature does not verify");
  return {};
}

}  // namespace

Status check_signature(ByteView key_blob, ByteView data, ByteView signature, uint32_t flags) {
  Reader key(key_blob), sig(signature);
  std::string key_type, sig_type;
  if (!key.cstring(key_type) || !sig.cstring(sig_type)) return bad("malformed key or signature");
  Status st = [&]() -> Status {
    if (key_type == "ssh-rsa") return check_rsa(key, sig_type, sig, data, flags);
    if (sig_type != key_type) return bad("signature type " + sig_type + " for key " + key_type);
    if (key_type == "ssh-ed25519") return check_ed25519(key, sig, data);
    if (key_type == "ecdsa-sha2-nistp256") return check_ecdsa_p256(key, sig, data);
    if (key_type == "sk-ssh-ed25519@openssh.com") return check_sk_ed25519(key, sig, data);
    if (key_type == "ssh-mldsa44-ed25519@openssh.com") return check_mldsa44_ed25519(key, sig, data);
    return make_error(Errc::unsupported, "cannot check " + key_type + " signatures");
  }();
  if (st && !sig.empty()) return bad("trailing bytes after the " + sig_type + " signature");
  return st;
}

}  // namespace skagent::bench
