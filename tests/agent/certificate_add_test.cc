// SPDX-License-Identifier: BSD-2-Clause
// Adding a key with its certificate: OpenSSH verifies the CA signature whenever it parses a
// certificate, so a certificate whose signature does not verify is refused at add, as there
// (found by the differential tests against OpenSSH 10.5's agent, finding C).
#include <gtest/gtest.h>

#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

PublicKey with_flipped_signature_byte(const PublicKey& cert) {
  Bytes blob = cert.blob();
  blob[blob.size() - 1] ^= 0x01;  // the last byte of the CA's Ed25519 signature
  auto k = parse_public_key(blob);
  EXPECT_TRUE(k.ok()) << (k.ok() ? "" : k.error().message);
  return std::move(*k);
}

// A user certificate for alice on `user`'s key, signed by a fresh CA.
PublicKey user_certificate(const PrivateKey& user) {
  PrivateKey ca = test::generate();
  test::CertSpec spec;
  spec.type = Certificate::kUser;
  spec.principals = {"alice"};
  return test::certify(user.public_key(), ca, spec);
}

TEST(CertificateAdd, ACertificateWhoseCaSignatureVerifiesIsAdded) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey user = test::generate();
  PublicKey cert = user_certificate(user);
  user.set_public_key(cert);
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(user, "certified")));
  auto ids = identities_of(c.call(msg::kRequestIdentities));
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], cert.blob());
}

TEST(CertificateAdd, ACertificateWithABadCaSignatureIsRefused) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey user = test::generate();
  user.set_public_key(with_flipped_signature_byte(user_certificate(user)));
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, add_body(user, "forged")));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
}

}  // namespace
}  // namespace skagent::testing
