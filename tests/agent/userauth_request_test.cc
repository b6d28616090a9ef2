// SPDX-License-Identifier: BSD-2-Clause
#include "agent/protocol/userauth_request.h"

#include <gtest/gtest.h>

#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

using test::Userauth;

class UserauthRequestTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test::generate_keys({&user_, &other_, &host_, &ca_}); }
  static void TearDownTestSuite() { test::delete_keys({&user_, &other_, &host_, &ca_}); }
  const PublicKey& key() const { return user_->public_key(); }
  Userauth request() const {
    Userauth u;
    u.key = &key();
    return u;
  }
  static inline PrivateKey *user_, *other_, *host_, *ca_;
};

TEST_F(UserauthRequestTest, ParsesPublickeyRequest) {
  auto r = parse_userauth_request(request().build(), key());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user, "alice");
  EXPECT_EQ(r->method, "publickey");
  EXPECT_TRUE(equal(r->session_id, view("session-id-0123456789")));
  EXPECT_FALSE(r->host_key.has_value());
}

TEST_F(UserauthRequestTest, ParsesHostboundRequest) {
  Userauth u = request();
  u.method = "publickey-hostbound-v00@openssh.com";
  u.host_key = &host_->public_key();
  auto r = parse_userauth_request(u.build(), key());
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_TRUE(r->host_key.has_value());
  EXPECT_TRUE(same_public_key(*r->host_key, host_->public_key()));
}

TEST_F(UserauthRequestTest, HostboundNeedsHostKey) {
  Userauth u = request();
  u.method = "publickey-hostbound-v00@openssh.com";
  EXPECT_FALSE(parse_userauth_request(u.build(), key()).ok());
}

TEST_F(UserauthRequestTest, PlainPublickeyRefusesHostKey) {
  Userauth u = request();
  u.host_key = &host_->public_key();  // trailing for "publickey"
  EXPECT_FALSE(parse_userauth_request(u.build(), key()).ok());
}

TEST_F(UserauthRequestTest, RefusesWrongFields) {
  auto refused = [&](auto mutate) {
    Userauth u = request();
    mutate(u);
    auto r = parse_userauth_request(u.build(), key());
    return !r.ok() && r.error().code == Errc::malformed;
  };
  EXPECT_TRUE(refused([](Userauth& u) { u.type = 51; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.sig_follows = 0; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.sig_follows = 2; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.service = "ssh-userauth"; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.method = "password"; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.method = "hostbased"; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.session_id.clear(); }));
  EXPECT_TRUE(refused([](Userauth& u) { u.alg = "ssh-rsa"; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.alg = "ssh-ed25519-cert-v01@openssh.com"; }));
  EXPECT_TRUE(refused([](Userauth& u) { u.alg = "unknown-alg"; }));
  EXPECT_TRUE(refused([&](Userauth& u) { u.key = &other_->public_key(); }));
  EXPECT_TRUE(refused([](Userauth& u) { u.user = std::string("al\0ce", 5); }));
}

TEST_F(UserauthRequestTest, AlgorithmShortNameAcceptedAsOpenSSH) {
  Userauth u = request();
  u.alg = "ed25519";  // sshkey_type_from_name accepts plain short names
  EXPECT_TRUE(parse_userauth_request(u.build(), key()).ok());
}

TEST_F(UserauthRequestTest, RefusesEveryTruncation) {
  Userauth u = request();
  u.method = "publickey-hostbound-v00@openssh.com";
  u.host_key = &host_->public_key();
  Bytes b = u.build();
  ASSERT_TRUE(parse_userauth_request(b, key()).ok());
  for (size_t n = 0; n < b.size(); ++n) {
    EXPECT_FALSE(parse_userauth_request(ByteView(b).first(n), key()).ok()) << "prefix " << n;
  }
}

TEST_F(UserauthRequestTest, RefusesTrailingBytes) {
  Bytes b = request().build();
  b.push_back(0);
  EXPECT_FALSE(parse_userauth_request(b, key()).ok());
}

TEST_F(UserauthRequestTest, RefusesLengthsPastEnd) {
  Bytes b = request().build();
  for (size_t at : {size_t(0), size_t(4 + 21 + 1)}) {  // session id, user
    Bytes c = b;
    c[at] = 0x7f;
    EXPECT_FALSE(parse_userauth_request(c, key()).ok()) << "length at " << at;
  }
  Bytes huge = b;
  huge[0] = huge[1] = huge[2] = huge[3] = 0xff;
  EXPECT_FALSE(parse_userauth_request(huge, key()).ok());
}

TEST_F(UserauthRequestTest, RsaSignatureAlgorithmsNameRsaKeys) {
  PrivateKey rsa = test::generate(KeyType::rsa, 2048);
  for (const char* alg : {"rsa-sha2-256", "rsa-sha2-512", "ssh-rsa"}) {
    Userauth u;
    u.key = &rsa.public_key();
    u.alg = alg;
    EXPECT_TRUE(parse_userauth_request(u.build(), rsa.public_key()).ok()) << alg;
  }
  Userauth u;
  u.key = &rsa.public_key();
  u.alg = "rsa-sha2-512-cert-v01@openssh.com";  // a certificate algorithm for a plain key
  EXPECT_FALSE(parse_userauth_request(u.build(), rsa.public_key()).ok());
}

TEST_F(UserauthRequestTest, EcdsaCurveIsNotPartOfTheType) {
  // OpenSSH compares key types only (KEY_ECDSA); the key blob itself must match.
  PrivateKey ec = test::generate(KeyType::ecdsa_p256);
  Userauth u;
  u.key = &ec.public_key();
  EXPECT_TRUE(parse_userauth_request(u.build(), ec.public_key()).ok());
  u.alg = "ecdsa-sha2-nistp384";
  EXPECT_TRUE(parse_userauth_request(u.build(), ec.public_key()).ok());
  u.alg = "ssh-ed25519";
  EXPECT_FALSE(parse_userauth_request(u.build(), ec.public_key()).ok());
}

TEST_F(UserauthRequestTest, CertificateKeyNeedsTheSameCertificate) {
  test::CertSpec spec;
  spec.type = Certificate::kUser;
  spec.principals = {"alice"};
  PublicKey cert = test::certify(key(), *ca_, spec);
  spec.principals = {"bob"};
  PublicKey other_cert = test::certify(key(), *ca_, spec);

  Userauth u;
  u.key = &cert;
  EXPECT_TRUE(parse_userauth_request(u.build(), cert).ok());
  u.key = &other_cert;  // same key, other certificate
  u.alg = std::string(cert.type_name());
  EXPECT_FALSE(parse_userauth_request(u.build(), cert).ok());
  u.key = &key();  // the plain key under a certificate name
  EXPECT_FALSE(parse_userauth_request(u.build(), cert).ok());
  u.alg = "ssh-ed25519";  // plain key and plain name, but a certificate was asked to sign
  EXPECT_FALSE(parse_userauth_request(u.build(), cert).ok());
}

}  // namespace
}  // namespace skagent
