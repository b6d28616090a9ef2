// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/evp.h"

#include <openssl/core_names.h>
#include <openssl/ecdsa.h>
#include <openssl/obj_mac.h>
#include <openssl/err.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

namespace skagent::evp {

Error crypto_error(const char* what) {
  unsigned long e = ERR_get_error();
  ERR_clear_error();
  std::string msg = what;
  if (e != 0) {
    char buf[256];
    ERR_error_string_n(e, buf, sizeof(buf));
    msg += ": ";
    msg += buf;
  }
  return make_error(Errc::crypto, msg);
}

Bignum bn(ByteView magnitude) {
  return Bignum(BN_bin2bn(magnitude.data(), int(magnitude.size()), nullptr));
}

Bytes bn_bytes(const BIGNUM* b, size_t pad_to) {
  size_t n = size_t(BN_num_bytes(b));
  Bytes out(std::max(n, pad_to));
  BN_bn2binpad(b, out.data(), int(out.size()));
  return out;
}

Result<Pkey> from_params(const char* keytype, int selection,
                         const std::function<bool(OSSL_PARAM_BLD*)>& fill) {
  Owned<OSSL_PARAM_BLD> bld(OSSL_PARAM_BLD_new());
  if (!bld || !fill(bld.get())) return crypto_error("building key parameters");
  Owned<OSSL_PARAM> params(OSSL_PARAM_BLD_to_param(bld.get()));
  if (!params) return crypto_error("building key parameters");
  return from_param_array(keytype, selection, params.get());
}

Result<Pkey> from_param_array(const char* keytype, int selection, const OSSL_PARAM* params) {
  // The import context is made once per thread and key type, not per key: making it (a fetch
  // of the key manager) cost 2.5 us of an Ed25519 import's 3.9 us here. It keeps no key data
  // between imports (each EVP_PKEY_fromdata makes a new key); one that failed is made again.
  struct Importer {
    std::string keytype;
    Owned<EVP_PKEY_CTX> ctx;
  };
  thread_local std::vector<Importer> importers;
  auto it = std::ranges::find(importers, std::string_view(keytype), &Importer::keytype);
  if (it == importers.end()) {
    Owned<EVP_PKEY_CTX> ctx(EVP_PKEY_CTX_new_from_name(nullptr, keytype, nullptr));
    if (!ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1) return crypto_error("invalid key type");
    importers.push_back({keytype, std::move(ctx)});
    it = importers.end() - 1;
  }
  EVP_PKEY* raw = nullptr;
  if (EVP_PKEY_fromdata(it->ctx.get(), &raw, selection, const_cast<OSSL_PARAM*>(params)) != 1) {
    importers.erase(it);
    return crypto_error("invalid key parameters");
  }
  return Pkey(raw);
}

// Each fetched on first use and kept: EVP_sha256() and the like make OpenSSL 3 fetch the
// algorithm from the provider again for every digest (a lookup under a lock, about a
// microsecond), and each signature digests its data and the key's fingerprints.
const EVP_MD* fetched_md(FetchedMd which) {
  static EVP_MD* const mds[] = {
      EVP_MD_fetch(nullptr, "SHA1", nullptr),   EVP_MD_fetch(nullptr, "SHA256", nullptr),
      EVP_MD_fetch(nullptr, "SHA384", nullptr), EVP_MD_fetch(nullptr, "SHA512", nullptr),
      EVP_MD_fetch(nullptr, "MD5", nullptr),
  };
  return mds[size_t(which)];
}

namespace {

const EVP_MD* sha1() { return fetched_md(FetchedMd::sha1); }
const EVP_MD* sha256() { return fetched_md(FetchedMd::sha256); }
const EVP_MD* sha384() { return fetched_md(FetchedMd::sha384); }
const EVP_MD* sha512() { return fetched_md(FetchedMd::sha512); }

constexpr EcCurve kCurves[] = {
    {KeyType::ecdsa_p256, "P-256", "prime256v1", NID_X9_62_prime256v1, 32, "sha256", sha256},
    {KeyType::ecdsa_p384, "P-384", "secp384r1", NID_secp384r1, 48, "sha384", sha384},
    {KeyType::ecdsa_p521, "P-521", "secp521r1", NID_secp521r1, 66, "sha512", sha512},
};

constexpr RsaAlgorithm kRsaAlgorithms[] = {
    {RsaHash::sha1, "ssh-rsa", "sha1", sha1},
    {RsaHash::sha256, "rsa-sha2-256", "sha256", sha256},
    {RsaHash::sha512, "rsa-sha2-512", "sha512", sha512},
};

}  // namespace

const EcCurve& ec_curve(KeyType t) {
  const EcCurve* c = std::ranges::find(kCurves, t, &EcCurve::type);
  return c != std::end(kCurves) ? *c : kCurves[0];
}

const EcCurve* ec_curve_named(std::string_view name) {
  const EcCurve* c = std::ranges::find_if(
      kCurves, [&](const EcCurve& e) { return name == e.group_name || name == e.sec_name; });
  return c != std::end(kCurves) ? c : nullptr;
}

const RsaAlgorithm& rsa_algorithm(RsaHash h) {
  return *std::ranges::find(kRsaAlgorithms, h, &RsaAlgorithm::hash);  // every RsaHash is there
}

const RsaAlgorithm* rsa_algorithm_named(std::string_view name) {
  const RsaAlgorithm* a = std::ranges::find(kRsaAlgorithms, name, &RsaAlgorithm::name);
  return a != std::end(kRsaAlgorithms) ? a : nullptr;
}

// The builder keeps BIGNUM pointers until OSSL_PARAM_BLD_to_param, so the
// numbers live in `keep` until the key is built.
static bool push_bn(OSSL_PARAM_BLD* b, const char* name, ByteView v, std::vector<Bignum>& keep) {
  keep.push_back(bn(v));
  return keep.back() && OSSL_PARAM_BLD_push_BN(b, name, keep.back().get()) == 1;
}

Result<Pkey> public_pkey(const PublicKey& k) {
  if (is_ed25519(k.type)) {
    EVP_PKEY* p =
        EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr, k.point.data(), k.point.size());
    if (p == nullptr) return crypto_error("invalid Ed25519 public key");
    return Pkey(p);
  }
  if (is_ecdsa(k.type)) {
    return from_params("EC", EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* b) {
      return OSSL_PARAM_BLD_push_utf8_string(b, OSSL_PKEY_PARAM_GROUP_NAME,
                                             ec_curve(k.type).group_name, 0) == 1 &&
             OSSL_PARAM_BLD_push_octet_string(b, OSSL_PKEY_PARAM_PUB_KEY, k.point.data(),
                                              k.point.size()) == 1;
    });
  }
  std::vector<Bignum> keep;
  if (k.type == KeyType::rsa) {
    return from_params("RSA", EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* b) {
      return push_bn(b, OSSL_PKEY_PARAM_RSA_N, k.rsa_n, keep) &&
             push_bn(b, OSSL_PKEY_PARAM_RSA_E, k.rsa_e, keep);
    });
  }
  return from_params("DSA", EVP_PKEY_PUBLIC_KEY, [&](OSSL_PARAM_BLD* b) {
    return push_bn(b, OSSL_PKEY_PARAM_FFC_P, k.dsa_p, keep) &&
           push_bn(b, OSSL_PKEY_PARAM_FFC_Q, k.dsa_q, keep) &&
           push_bn(b, OSSL_PKEY_PARAM_FFC_G, k.dsa_g, keep) &&
           push_bn(b, OSSL_PKEY_PARAM_PUB_KEY, k.dsa_y, keep);
  });
}

Result<Bytes> sign(EVP_PKEY* key, const EVP_MD* md, ByteView data) {
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  size_t len = 0;
  if (!ctx || EVP_DigestSignInit(ctx.get(), nullptr, md, nullptr, key) != 1 ||
      EVP_DigestSign(ctx.get(), nullptr, &len, data.data(), data.size()) != 1) {
    return crypto_error("signing failed");
  }
  Bytes out(len);
  if (EVP_DigestSign(ctx.get(), out.data(), &len, data.data(), data.size()) != 1) {
    return crypto_error("signing failed");
  }
  out.resize(len);
  return out;
}

bool verify(EVP_PKEY* key, const EVP_MD* md, ByteView sig, ByteView data) {
  Owned<EVP_MD_CTX> ctx(EVP_MD_CTX_new());
  bool ok = ctx && EVP_DigestVerifyInit(ctx.get(), nullptr, md, nullptr, key) == 1 &&
            EVP_DigestVerify(ctx.get(), sig.data(), sig.size(), data.data(), data.size()) == 1;
  ERR_clear_error();
  return ok;
}

Result<Bytes> der_from_rs(ByteView r, ByteView s) {
  ECDSA_SIG* sig = ECDSA_SIG_new();
  BIGNUM* br = BN_bin2bn(r.data(), int(r.size()), nullptr);
  BIGNUM* bs = BN_bin2bn(s.data(), int(s.size()), nullptr);
  if (sig == nullptr || br == nullptr || bs == nullptr || ECDSA_SIG_set0(sig, br, bs) != 1) {
    ECDSA_SIG_free(sig);
    BN_free(br);
    BN_free(bs);
    return crypto_error("bad signature integers");
  }
  unsigned char* der = nullptr;
  int len = i2d_ECDSA_SIG(sig, &der);
  ECDSA_SIG_free(sig);
  if (len <= 0) return crypto_error("encoding signature");
  Bytes out(der, der + len);
  OPENSSL_free(der);
  return out;
}

Result<std::pair<Bytes, Bytes>> rs_from_der(ByteView der) {
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, long(der.size()));
  if (sig == nullptr) return crypto_error("decoding signature");
  std::pair<Bytes, Bytes> rs{bn_bytes(ECDSA_SIG_get0_r(sig)), bn_bytes(ECDSA_SIG_get0_s(sig))};
  ECDSA_SIG_free(sig);
  return rs;
}

Bytes sha256(ByteView data) {
  Bytes out(32);
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), out.data(), &len, fetched_md(FetchedMd::sha256), nullptr);
  return out;
}

}  // namespace skagent::evp
