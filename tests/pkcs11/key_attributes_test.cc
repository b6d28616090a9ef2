// SPDX-License-Identifier: BSD-2-Clause
// Token attributes, certificates and raw signatures -> SSH keys and SSH
// signature blobs; each parser fed hostile input.
#include "pkcs11/key_attributes.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include <random>

#include "ssh/evp.h"
#include "ssh/private_key.h"
#include "base/wire.h"
#include "tests/common/mutate.h"

namespace skagent::pkcs11 {
namespace {

PrivateKey gen(KeyType t, unsigned bits = 0) {
  auto k = PrivateKey::generate(t, bits);
  EXPECT_TRUE(k.ok());
  return std::move(*k);
}

Bytes der_wrap(uint8_t tag, ByteView v) {
  Bytes out{tag};
  if (v.size() < 0x80) {
    out.push_back(uint8_t(v.size()));
  } else if (v.size() < 0x100) {
    out.push_back(0x81);
    out.push_back(uint8_t(v.size()));
  } else {
    out.push_back(0x82);
    out.push_back(uint8_t(v.size() >> 8));
    out.push_back(uint8_t(v.size()));
  }
  out.insert(out.end(), v.begin(), v.end());
  return out;
}

Bytes params_for(KeyType t) {
  switch (t) {
    case KeyType::ecdsa_p256:
      return {0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07};
    case KeyType::ecdsa_p384:
      return {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22};
    case KeyType::ecdsa_p521:
      return {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23};
    default:
      return {0x06, 0x03, 0x2b, 0x65, 0x70};
  }
}

TEST(Pkcs11Der, OctetString) {
  Bytes v(200, 0x42);
  Bytes wrapped = der_wrap(0x04, v);  // the result views into it
  auto r = der_octet_string(wrapped);
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(equal(*r, v));
  auto e = der_octet_string(Bytes{0x04, 0x00});
  ASSERT_TRUE(e.ok());
  EXPECT_TRUE(e->empty());
  EXPECT_FALSE(der_octet_string({}).ok());
  EXPECT_FALSE(der_octet_string(Bytes{0x04}).ok());
  EXPECT_FALSE(der_octet_string(Bytes{0x03, 0x01, 0x00}).ok());              // wrong tag
  EXPECT_FALSE(der_octet_string(Bytes{0x04, 0x01, 0x00, 0x00}).ok());        // trailing
  EXPECT_FALSE(der_octet_string(Bytes{0x04, 0x02, 0x00}).ok());              // short
  EXPECT_FALSE(der_octet_string(Bytes{0x04, 0x80, 0x00, 0x00}).ok());        // indefinite
  EXPECT_FALSE(der_octet_string(Bytes{0x04, 0x85, 0, 0, 0, 0, 1, 0}).ok());  // 5 length bytes
  EXPECT_FALSE(der_octet_string(Bytes{0x04, 0x84, 0xff, 0xff, 0xff, 0xff, 0}).ok());
  EXPECT_FALSE(der_octet_string(Bytes{0x1f, 0x04, 0x01, 0x00}).ok());  // multi-byte tag
  Bytes full = der_wrap(0x04, v);
  for (size_t n = 0; n < full.size(); n++)
    EXPECT_FALSE(der_octet_string(ByteView(full).first(n)).ok()) << n;
}

TEST(Pkcs11Der, EcdsaSignature) {
  Bytes r(32, 0x11), s(32, 0x22);
  s[0] = 0x80;  // needs a sign byte in DER
  auto der = evp::der_from_rs(r, s);
  ASSERT_TRUE(der.ok());
  auto rs = der_ecdsa_signature(*der);
  ASSERT_TRUE(rs.ok()) << rs.error().message;
  EXPECT_EQ(rs->first, r);
  EXPECT_EQ(rs->second, s);
  Bytes trailing = *der;
  trailing.push_back(0);
  EXPECT_FALSE(der_ecdsa_signature(trailing).ok());
  Bytes negative = {0x30, 0x06, 0x02, 0x01, 0x80, 0x02, 0x01, 0x01};
  EXPECT_FALSE(der_ecdsa_signature(negative).ok());
  Bytes one_int = {0x30, 0x03, 0x02, 0x01, 0x01};
  EXPECT_FALSE(der_ecdsa_signature(one_int).ok());
  Bytes three = {0x30, 0x09, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01};
  EXPECT_FALSE(der_ecdsa_signature(three).ok());
  Bytes empty_int = {0x30, 0x05, 0x02, 0x00, 0x02, 0x01, 0x01};
  EXPECT_FALSE(der_ecdsa_signature(empty_int).ok());
  for (size_t n = 0; n < der->size(); n++)
    EXPECT_FALSE(der_ecdsa_signature(ByteView(*der).first(n)).ok());
}

TEST(Pkcs11Keys, CurvesFromEcParams) {
  EXPECT_EQ(*curve_from_ec_params(params_for(KeyType::ecdsa_p256)), KeyType::ecdsa_p256);
  EXPECT_EQ(*curve_from_ec_params(params_for(KeyType::ecdsa_p384)), KeyType::ecdsa_p384);
  EXPECT_EQ(*curve_from_ec_params(params_for(KeyType::ecdsa_p521)), KeyType::ecdsa_p521);
  EXPECT_EQ(*curve_from_ec_params(params_for(KeyType::ed25519)), KeyType::ed25519);
  // SoftHSM2 and OpenSC write Ed25519 parameters as PrintableString "edwards25519".
  Bytes printable = der_wrap(0x13, view("edwards25519"));
  EXPECT_EQ(*curve_from_ec_params(printable), KeyType::ed25519);
  EXPECT_FALSE(curve_from_ec_params(der_wrap(0x13, view("edwards448"))).ok());
  Bytes secp256k1 = {0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x0a};
  EXPECT_EQ(curve_from_ec_params(secp256k1).error().code, Errc::unsupported);
  EXPECT_FALSE(curve_from_ec_params({}).ok());
  Bytes p256 = params_for(KeyType::ecdsa_p256);
  EXPECT_FALSE(curve_from_ec_params(ByteView(p256).first(p256.size() - 1)).ok());
}

TEST(Pkcs11Keys, RsaFromAttributes) {
  PrivateKey k = gen(KeyType::rsa, 2048);
  const PublicKey& pub = k.public_key();
  Bytes n = pub.rsa_n, e = pub.rsa_e;
  n.insert(n.begin(), {0, 0});  // leading zeros are allowed
  auto got = rsa_key_from_attributes(n, e);
  ASSERT_TRUE(got.ok()) << got.error().message;
  EXPECT_EQ(got->blob(), pub.blob());
  EXPECT_FALSE(rsa_key_from_attributes({}, e).ok());
  EXPECT_FALSE(rsa_key_from_attributes(n, {}).ok());
  EXPECT_FALSE(rsa_key_from_attributes(n, Bytes{0, 0}).ok());
  Bytes even = pub.rsa_n;
  even.back() &= 0xfe;
  EXPECT_FALSE(rsa_key_from_attributes(even, e).ok());
  EXPECT_FALSE(rsa_key_from_attributes(Bytes(64, 0xff), e).ok());    // 512 bits: too small
  EXPECT_FALSE(rsa_key_from_attributes(Bytes(2049, 0xff), e).ok());  // over 16384 bits
}

TEST(Pkcs11Keys, EcdsaFromAttributesRawOrDer) {
  for (KeyType t : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
    PrivateKey k = gen(t);
    const Bytes& q = k.public_key().point;
    auto raw = ec_key_from_attributes(params_for(t), q);
    ASSERT_TRUE(raw.ok()) << raw.error().message;
    EXPECT_EQ(raw->blob(), k.public_key().blob());
    auto der = ec_key_from_attributes(params_for(t), der_wrap(0x04, q));
    ASSERT_TRUE(der.ok()) << der.error().message;
    EXPECT_EQ(der->blob(), k.public_key().blob());
    // Off the curve.
    Bytes off = q;
    off[q.size() / 2] ^= 1;
    EXPECT_FALSE(ec_key_from_attributes(params_for(t), off).ok());
    // Compressed, truncated, the wrong curve, a bad wrapper.
    Bytes compressed(q.begin(), q.begin() + long(1 + (q.size() - 1) / 2));
    compressed[0] = 0x02 | (q.back() & 1);
    EXPECT_FALSE(ec_key_from_attributes(params_for(t), compressed).ok());
    EXPECT_FALSE(ec_key_from_attributes(params_for(t), ByteView(q).first(q.size() - 1)).ok());
    KeyType other = t == KeyType::ecdsa_p256 ? KeyType::ecdsa_p384 : KeyType::ecdsa_p256;
    EXPECT_FALSE(ec_key_from_attributes(params_for(other), q).ok());
    Bytes wrapped = der_wrap(0x04, q);
    wrapped.push_back(0);
    EXPECT_FALSE(ec_key_from_attributes(params_for(t), wrapped).ok());
    EXPECT_FALSE(ec_key_from_attributes(params_for(t), {}).ok());
  }
  // The point at infinity.
  EXPECT_FALSE(ec_key_from_attributes(params_for(KeyType::ecdsa_p256), Bytes{0x00}).ok());
}

TEST(Pkcs11Keys, Ed25519FromAttributes) {
  PrivateKey k = gen(KeyType::ed25519);
  const Bytes& pk = k.public_key().point;
  for (const Bytes& params : {params_for(KeyType::ed25519), der_wrap(0x13, view("edwards25519"))}) {
    auto raw = ec_key_from_attributes(params, pk);
    ASSERT_TRUE(raw.ok()) << raw.error().message;
    EXPECT_EQ(raw->blob(), k.public_key().blob());
    auto der = ec_key_from_attributes(params, der_wrap(0x04, pk));
    ASSERT_TRUE(der.ok());
    EXPECT_EQ(der->blob(), k.public_key().blob());
    EXPECT_FALSE(ec_key_from_attributes(params, ByteView(pk).first(31)).ok());
    EXPECT_FALSE(ec_key_from_attributes(params, der_wrap(0x04, ByteView(pk).first(31))).ok());
  }
}

// A DER X.509 certificate for `subject`, signed by a throwaway P-256 CA.
Bytes certificate_for(const PublicKey& subject) {
  auto pub = evp::public_pkey(subject);
  EXPECT_TRUE(pub.ok());
  EVP_PKEY* ca = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x), 7);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), 3600);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("token key"), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_set_pubkey(x, pub->get());
  EXPECT_GT(X509_sign(x, ca, EVP_sha256()), 0);
  unsigned char* der = nullptr;
  int len = i2d_X509(x, &der);
  Bytes out(der, der + (len > 0 ? len : 0));
  OPENSSL_free(der);
  X509_free(x);
  EVP_PKEY_free(ca);
  return out;
}

TEST(Pkcs11Keys, PublicKeysFromCertificates) {
  std::vector<PrivateKey> keys;
  keys.push_back(gen(KeyType::rsa, 2048));
  keys.push_back(gen(KeyType::ecdsa_p256));
  keys.push_back(gen(KeyType::ecdsa_p384));
  keys.push_back(gen(KeyType::ecdsa_p521));
  keys.push_back(gen(KeyType::ed25519));
  for (const auto& k : keys) {
    Bytes der = certificate_for(k.public_key());
    std::string subject;
    auto got = key_from_x509(der, &subject);
    ASSERT_TRUE(got.ok()) << got.error().message;
    EXPECT_EQ(got->blob(), k.public_key().blob());
    EXPECT_EQ(subject, "/CN=token key");
    Bytes trailing = der;
    trailing.push_back(0);
    EXPECT_FALSE(key_from_x509(trailing, nullptr).ok());
    for (size_t n = 0; n < der.size(); n += 7)
      EXPECT_FALSE(key_from_x509(ByteView(der).first(n), nullptr).ok());
  }
  EXPECT_FALSE(key_from_x509({}, nullptr).ok());
  Bytes garbage(500, 0x30);
  EXPECT_FALSE(key_from_x509(garbage, nullptr).ok());
  std::mt19937 rng(7);
  Bytes der = certificate_for(keys[1].public_key());
  for (int i = 0; i < 2000; i++) {
    // Must not crash; may or may not parse.
    (void)key_from_x509(skagent::testing::with_random_byte(der, rng), nullptr);
  }
}

// The raw form a token returns for a software signature.
Bytes raw_of(const PublicKey& key, ByteView sig, bool der_ecdsa = false) {
  Reader r(sig);
  std::string alg;
  ByteView inner;
  EXPECT_TRUE(r.cstring(alg) && r.string(inner));
  if (key.type == KeyType::rsa || key.type == KeyType::ed25519) return to_bytes(inner);
  Reader ir(inner);
  ByteView rv, sv;
  EXPECT_TRUE(ir.mpint(rv) && ir.mpint(sv));
  if (der_ecdsa) return *evp::der_from_rs(rv, sv);
  size_t fs = key.type == KeyType::ecdsa_p256 ? 32 : key.type == KeyType::ecdsa_p384 ? 48 : 66;
  Bytes out(fs - rv.size(), 0);
  out.insert(out.end(), rv.begin(), rv.end());
  out.insert(out.end(), fs - sv.size(), 0);
  out.insert(out.end(), sv.begin(), sv.end());
  return out;
}

TEST(Pkcs11Signatures, RawSignaturesBecomeSshBlobs) {
  Bytes data = to_bytes(view("data to sign"));
  struct Case {
    KeyType type;
    unsigned bits;
    uint32_t flags;
    RsaHash hash;
  };
  for (const Case& c :
       {Case{KeyType::rsa, 2048, 0, RsaHash::sha1}, Case{KeyType::rsa, 2048, 2, RsaHash::sha256},
        Case{KeyType::rsa, 2048, 4, RsaHash::sha512},
        Case{KeyType::ecdsa_p256, 0, 0, RsaHash::sha512},
        Case{KeyType::ecdsa_p384, 0, 0, RsaHash::sha512},
        Case{KeyType::ecdsa_p521, 0, 0, RsaHash::sha512},
        Case{KeyType::ed25519, 0, 0, RsaHash::sha512}}) {
    PrivateKey k = gen(c.type, c.bits);
    const PublicKey& pub = k.public_key();
    std::string alg = signature_algorithm_for(pub, c.flags);
    for (int i = 0; i < 8; i++) {  // several, so short r, s and RSA blocks turn up
      Bytes d = data;
      d.push_back(uint8_t(i));
      auto sig = k.sign(d, c.hash);
      ASSERT_TRUE(sig.ok());
      auto blob = ssh_signature_blob(pub, alg, raw_of(pub, *sig));
      ASSERT_TRUE(blob.ok()) << blob.error().message;
      EXPECT_EQ(*blob, *sig) << alg;
      EXPECT_TRUE(verify_signature(pub, *blob, d, pub.type == KeyType::rsa ? alg : "").ok()) << alg;
      if (is_ecdsa(pub.type)) {
        auto from_der = ssh_signature_blob(pub, alg, raw_of(pub, *sig, true));
        ASSERT_TRUE(from_der.ok()) << from_der.error().message;
        EXPECT_EQ(*from_der, *sig);
      }
    }
  }
}

TEST(Pkcs11Signatures, WrongSizesAreRefused) {
  PrivateKey rsa = gen(KeyType::rsa, 2048);
  EXPECT_FALSE(ssh_signature_blob(rsa.public_key(), "rsa-sha2-256", {}).ok());
  EXPECT_FALSE(ssh_signature_blob(rsa.public_key(), "rsa-sha2-256", Bytes(257, 1)).ok());
  // A short RSA block is left-padded to the modulus size, as OpenSSH does.
  auto padded = ssh_signature_blob(rsa.public_key(), "rsa-sha2-256", Bytes(255, 1));
  ASSERT_TRUE(padded.ok());
  Reader r(*padded);
  std::string alg;
  ByteView inner;
  ASSERT_TRUE(r.cstring(alg) && r.string(inner));
  EXPECT_EQ(inner.size(), 256u);
  EXPECT_EQ(inner[0], 0);

  PrivateKey ec = gen(KeyType::ecdsa_p256);
  EXPECT_FALSE(ssh_signature_blob(ec.public_key(), "ecdsa-sha2-nistp256", Bytes(63, 1)).ok());
  EXPECT_FALSE(
      ssh_signature_blob(ec.public_key(), "ecdsa-sha2-nistp256", Bytes(64, 0)).ok());  // r = s = 0
  EXPECT_FALSE(ssh_signature_blob(ec.public_key(), "ecdsa-sha2-nistp256", {}).ok());
  Bytes big(33, 0x7f);
  auto der = evp::der_from_rs(big, big);  // integers wider than the curve
  ASSERT_TRUE(der.ok());
  EXPECT_FALSE(ssh_signature_blob(ec.public_key(), "ecdsa-sha2-nistp256", *der).ok());

  PrivateKey ed = gen(KeyType::ed25519);
  EXPECT_FALSE(ssh_signature_blob(ed.public_key(), "ssh-ed25519", Bytes(63, 1)).ok());
  EXPECT_FALSE(ssh_signature_blob(ed.public_key(), "ssh-ed25519", Bytes(65, 1)).ok());
}

TEST(Pkcs11Signatures, AlgorithmsDigestsAndDigestInfo) {
  PrivateKey rsa = gen(KeyType::rsa, 2048);
  EXPECT_EQ(signature_algorithm_for(rsa.public_key(), 0), "ssh-rsa");
  EXPECT_EQ(signature_algorithm_for(rsa.public_key(), 2), "rsa-sha2-256");
  EXPECT_EQ(signature_algorithm_for(rsa.public_key(), 4), "rsa-sha2-512");
  EXPECT_EQ(signature_algorithm_for(rsa.public_key(), 6), "rsa-sha2-256");
  EXPECT_EQ(digest_name_for(rsa.public_key(), "ssh-rsa"), "sha1");
  EXPECT_EQ(digest_name_for(rsa.public_key(), "rsa-sha2-512"), "sha512");
  PrivateKey p384 = gen(KeyType::ecdsa_p384);
  EXPECT_EQ(signature_algorithm_for(p384.public_key(), 4), "ecdsa-sha2-nistp384");
  EXPECT_EQ(digest_name_for(p384.public_key(), "ecdsa-sha2-nistp384"), "sha384");
  EXPECT_EQ(digest_name_for(gen(KeyType::ed25519).public_key(), "ssh-ed25519"), "");

  for (auto [name, size, total] : {std::tuple{"sha1", 20u, 35u}, std::tuple{"sha256", 32u, 51u},
                                   std::tuple{"sha512", 64u, 83u}}) {
    auto d = digest(name, view("abc"));
    ASSERT_TRUE(d.ok());
    EXPECT_EQ(d->size(), size);
    auto di = rsa_digest_info(name, *d);
    ASSERT_TRUE(di.ok());
    EXPECT_EQ(di->size(), total);
    EXPECT_TRUE(std::equal(d->begin(), d->end(), di->end() - long(size)));
    EXPECT_FALSE(rsa_digest_info(name, ByteView(*d).first(size - 1)).ok());
  }
  EXPECT_EQ(digest("sha384", view("abc"))->size(), 48u);
  EXPECT_FALSE(digest("md5", view("abc")).ok());
  EXPECT_FALSE(rsa_digest_info("sha384", Bytes(48, 0)).ok());
}

}  // namespace
}  // namespace skagent::pkcs11
