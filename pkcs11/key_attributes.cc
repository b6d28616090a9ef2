// SPDX-License-Identifier: BSD-2-Clause
#include "pkcs11/key_attributes.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/x509.h>

#include <memory>

#include "base/wire.h"
#include "ssh/evp.h"

namespace skagent::pkcs11 {

namespace {

Error bad(const std::string& what) { return make_error(Errc::malformed, "token key: " + what); }

// One DER TLV with a single-byte tag and a definite length.
struct Tlv {
  uint8_t tag = 0;
  ByteView value;
};

bool der_next(ByteView& in, Tlv& out) {
  if (in.size() < 2) return false;
  uint8_t tag = in[0];
  if ((tag & 0x1f) == 0x1f) return false;  // multi-byte tags: never used here
  size_t pos = 2, len = in[1];
  if (len & 0x80) {
    size_t n = len & 0x7f;
    if (n == 0 || n > 4 || in.size() < 2 + n) return false;  // indefinite or huge
    len = 0;
    for (size_t i = 0; i < n; i++) len = (len << 8) | in[2 + i];
    pos += n;
  }
  if (len > in.size() - pos) return false;
  out.tag = tag;
  out.value = in.subspan(pos, len);
  in = in.subspan(pos + len);
  return true;
}

// A DER INTEGER's value as a non-negative magnitude without leading zeros.
bool der_unsigned(ByteView v, Bytes& out) {
  if (v.empty() || (v[0] & 0x80) != 0) return false;
  size_t skip = 0;
  while (skip < v.size() && v[skip] == 0) skip++;
  out.assign(v.begin() + long(skip), v.end());
  return true;
}

constexpr uint8_t kOidP256[] = {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
constexpr uint8_t kOidP384[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
constexpr uint8_t kOidP521[] = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
constexpr uint8_t kOidEd25519[] = {0x06, 0x03, 0x2b, 0x65, 0x70};
constexpr uint8_t kNameEd25519[] = {0x13, 0x0c, 'e', 'd', 'w', 'a', 'r',
                                    'd',  's',  '2', '5', '5', '1', '9'};

using evp::Owned;

// The point decoded on the curve, re-encoded uncompressed (0x04 || X || Y).
Result<Bytes> uncompressed_point(KeyType t, ByteView encoded) {
  const evp::EcCurve& curve = evp::ec_curve(t);
  Owned<EC_GROUP> g(EC_GROUP_new_by_curve_name(curve.nid));
  if (!g) return make_error(Errc::crypto, "EC group unavailable");
  Owned<EC_POINT> p(EC_POINT_new(g.get()));
  if (!p || EC_POINT_oct2point(g.get(), p.get(), encoded.data(), encoded.size(), nullptr) != 1 ||
      EC_POINT_is_on_curve(g.get(), p.get(), nullptr) != 1 ||
      EC_POINT_is_at_infinity(g.get(), p.get()) == 1) {
    return bad("EC point is not on the curve");
  }
  Bytes out(curve.point_size());
  if (EC_POINT_point2oct(g.get(), p.get(), POINT_CONVERSION_UNCOMPRESSED, out.data(), out.size(),
                         nullptr) != out.size()) {
    return bad("EC point does not encode");
  }
  return out;
}

// Re-parses the key's blob: the wire model's own checks (RSA size range, EC
// point size) apply to token keys too.
Result<PublicKey> checked(const PublicKey& k) {
  auto parsed = parse_public_key(k.blob());
  if (!parsed) return bad(parsed.error().message);
  return parsed;
}

PublicKey ec_key(KeyType t, Bytes point) {
  PublicKey k;
  k.type = t;
  k.point = std::move(point);
  return k;
}

}  // namespace

Bytes strip_zeros(ByteView v) {
  size_t skip = 0;
  while (skip < v.size() && v[skip] == 0) skip++;
  return Bytes(v.begin() + long(skip), v.end());
}

Result<ByteView> der_octet_string(ByteView der) {
  Tlv t;
  if (!der_next(der, t) || t.tag != 0x04 || !der.empty()) return bad("not a DER OCTET STRING");
  return t.value;
}

Result<std::pair<Bytes, Bytes>> der_ecdsa_signature(ByteView der) {
  Tlv seq, r, s;
  if (!der_next(der, seq) || seq.tag != 0x30 || !der.empty())
    return bad("not a DER ECDSA signature");
  ByteView in = seq.value;
  std::pair<Bytes, Bytes> out;
  if (!der_next(in, r) || r.tag != 0x02 || !der_next(in, s) || s.tag != 0x02 || !in.empty() ||
      !der_unsigned(r.value, out.first) || !der_unsigned(s.value, out.second)) {
    return bad("malformed DER ECDSA signature");
  }
  return out;
}

Result<KeyType> curve_from_ec_params(ByteView params) {
  if (equal(params, kOidP256)) return KeyType::ecdsa_p256;
  if (equal(params, kOidP384)) return KeyType::ecdsa_p384;
  if (equal(params, kOidP521)) return KeyType::ecdsa_p521;
  if (equal(params, kOidEd25519) || equal(params, kNameEd25519)) return KeyType::ed25519;
  return make_error(Errc::unsupported,
                    "token key: unsupported curve (EC parameters not P-256, "
                    "P-384, P-521 or Ed25519)");
}

Result<PublicKey> rsa_key_from_attributes(ByteView modulus, ByteView exponent) {
  PublicKey k;
  k.type = KeyType::rsa;
  k.rsa_n = strip_zeros(modulus);
  k.rsa_e = strip_zeros(exponent);
  if (k.rsa_n.empty() || k.rsa_e.empty()) return bad("empty RSA modulus or exponent");
  if ((k.rsa_n.back() & 1) == 0 || (k.rsa_e.back() & 1) == 0)
    return bad("even RSA modulus or exponent");
  return checked(k);
}

Result<PublicKey> ec_key_from_attributes(ByteView params, ByteView point) {
  auto curve = curve_from_ec_params(params);
  if (!curve) return curve.error();
  if (*curve == KeyType::ed25519) {
    ByteView pk = point;
    if (pk.size() != 32) {
      auto inner = der_octet_string(point);
      if (!inner) return inner.error();
      pk = *inner;
    }
    if (pk.size() != 32) return bad("Ed25519 public key is not 32 bytes");
    return checked(ec_key(KeyType::ed25519, to_bytes(pk)));
  }
  size_t want = evp::ec_curve(*curve).point_size();
  ByteView q = point;
  if (!(q.size() == want && q[0] == 0x04)) {
    auto inner = der_octet_string(point);
    if (!inner) return inner.error();
    q = *inner;
  }
  if (q.size() != want || q[0] != 0x04)
    return bad("EC point is not an uncompressed point of its curve");
  auto p = uncompressed_point(*curve, q);
  if (!p) return p.error();
  return checked(ec_key(*curve, std::move(*p)));
}

Result<PublicKey> key_from_x509(ByteView der, std::string* subject) {
  if (der.empty() || der.size() > 1024 * 1024) return bad("certificate size out of range");
  const unsigned char* p = der.data();
  Owned<X509> x(d2i_X509(nullptr, &p, long(der.size())));
  if (!x || p != der.data() + der.size()) return bad("not a DER X.509 certificate");
  if (subject != nullptr) {
    char buf[512];
    subject->clear();
    if (X509_NAME_oneline(X509_get_subject_name(x.get()), buf, sizeof(buf)) != nullptr)
      *subject = buf;
  }
  EVP_PKEY* pk = X509_get0_pubkey(x.get());
  if (pk == nullptr) return bad("certificate public key does not decode");
  switch (EVP_PKEY_get_base_id(pk)) {
    case EVP_PKEY_RSA: {
      BIGNUM* n = nullptr;
      BIGNUM* e = nullptr;
      bool got = EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) == 1 &&
                 EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e) == 1;
      Owned<BIGNUM> nn(n), ee(e);
      if (!got) return bad("certificate RSA key does not decode");
      Bytes nb(size_t(BN_num_bytes(n))), eb(size_t(BN_num_bytes(e)));
      BN_bn2bin(n, nb.data());
      BN_bn2bin(e, eb.data());
      return rsa_key_from_attributes(nb, eb);
    }
    case EVP_PKEY_EC: {
      char group[64] = {};
      size_t glen = 0;
      if (EVP_PKEY_get_utf8_string_param(pk, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                         &glen) != 1) {
        return bad("certificate EC key has no named curve");
      }
      std::string_view g(group, glen);
      const evp::EcCurve* curve = evp::ec_curve_named(g);
      if (curve == nullptr) {
        return make_error(Errc::unsupported,
                          "token key: certificate curve " + std::string(g) + " is not supported");
      }
      KeyType t = curve->type;
      uint8_t buf[256];
      size_t len = 0;
      if (EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_PUB_KEY, buf, sizeof(buf), &len) !=
          1) {
        return bad("certificate EC point does not decode");
      }
      auto q = uncompressed_point(t, ByteView(buf, len));
      if (!q) return q.error();
      return checked(ec_key(t, std::move(*q)));
    }
    case EVP_PKEY_ED25519: {
      uint8_t raw[32];
      size_t len = sizeof(raw);
      if (EVP_PKEY_get_raw_public_key(pk, raw, &len) != 1 || len != 32) {
        return bad("certificate Ed25519 key does not decode");
      }
      return checked(ec_key(KeyType::ed25519, Bytes(raw, raw + 32)));
    }
    default:
      return make_error(Errc::unsupported,
                        "token key: certificate key type is not RSA, ECDSA or Ed25519");
  }
}

std::string signature_algorithm_for(const PublicKey& key, uint32_t flags) {
  if (key.type == KeyType::rsa) {
    if (flags & 0x02) return "rsa-sha2-256";
    if (flags & 0x04) return "rsa-sha2-512";
    return "ssh-rsa";
  }
  return std::string(key_type_info(key.type).name);
}

std::string_view digest_name_for(const PublicKey& key, std::string_view alg) {
  switch (key.type) {
    case KeyType::rsa: {
      const evp::RsaAlgorithm* rsa = evp::rsa_algorithm_named(alg);
      return rsa != nullptr ? rsa->digest_name : "sha1";
    }
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521:
      return evp::ec_curve(key.type).digest_name;
    default:
      return "";
  }
}

Result<Bytes> digest(std::string_view name, ByteView data) {
  const EVP_MD* md = name == "sha1"     ? EVP_sha1()
                     : name == "sha256" ? EVP_sha256()
                     : name == "sha384" ? EVP_sha384()
                     : name == "sha512" ? EVP_sha512()
                                        : nullptr;
  if (md == nullptr) return make_error(Errc::unsupported, "unknown digest " + std::string(name));
  Bytes out(size_t(EVP_MD_get_size(md)));
  unsigned len = 0;
  if (EVP_Digest(data.data(), data.size(), out.data(), &len, md, nullptr) != 1 ||
      len != out.size()) {
    return make_error(Errc::crypto, "digest failed");
  }
  return out;
}

Result<Bytes> rsa_digest_info(std::string_view digest_name, ByteView d) {
  static constexpr uint8_t kSha1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                      0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
  static constexpr uint8_t kSha256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20};
  static constexpr uint8_t kSha512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01,
                                        0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40};
  ByteView prefix;
  size_t want = 0;
  if (digest_name == "sha1") {
    prefix = kSha1, want = 20;
  } else if (digest_name == "sha256") {
    prefix = kSha256, want = 32;
  } else if (digest_name == "sha512") {
    prefix = kSha512, want = 64;
  } else {
    return make_error(Errc::unsupported, "no DigestInfo for " + std::string(digest_name));
  }
  if (d.size() != want) return make_error(Errc::internal, "digest has the wrong size");
  Bytes out(prefix.begin(), prefix.end());
  out.insert(out.end(), d.begin(), d.end());
  return out;
}

Result<Bytes> ssh_signature_blob(const PublicKey& key, std::string_view alg, ByteView raw) {
  Writer w;
  switch (key.type) {
    case KeyType::rsa: {
      size_t n = key.rsa_n.size();
      if (raw.empty() || raw.size() > n) return bad("RSA signature has the wrong size");
      Bytes padded(n - raw.size(), 0);
      padded.insert(padded.end(), raw.begin(), raw.end());
      w.string(alg);
      w.string(padded);
      return w.take();
    }
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521: {
      size_t fs = evp::ec_curve(key.type).field_bytes;
      Bytes r, s;
      if (raw.size() == 2 * fs) {
        r = strip_zeros(raw.first(fs));
        s = strip_zeros(raw.subspan(fs));
      } else {
        auto rs = der_ecdsa_signature(raw);
        if (!rs) return bad("ECDSA signature is neither r||s nor DER");
        r = std::move(rs->first);
        s = std::move(rs->second);
      }
      if (r.empty() || s.empty() || r.size() > fs || s.size() > fs)
        return bad("ECDSA signature out of range");
      Writer inner;
      inner.mpint(r);
      inner.mpint(s);
      w.string(key_type_info(key.type).name);
      w.string(inner.bytes());
      return w.take();
    }
    case KeyType::ed25519:
      if (raw.size() != 64) return bad("Ed25519 signature is not 64 bytes");
      w.string(key_type_info(key.type).name);
      w.string(raw);
      return w.take();
    default:
      return make_error(Errc::unsupported, "token key type not supported");
  }
}

}  // namespace skagent::pkcs11
