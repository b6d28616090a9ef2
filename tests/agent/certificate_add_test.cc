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

TEST(CertificateAdd, ACertificateWhoseCaSignatureVerifiesIsAdded) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey user = test::generate();
  PrivateKey ca = test::generate();
  test::CertSpec spec;
  spec.type = Certificate::kUser;
  spec.principals = {"alice"};
  PublicKey cert = test::certify(user.public_key(), ca, spec);
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
  PrivateKey ca = test::generate();
  test::CertSpec spec;
  spec.type = Certificate::kUser;
  spec.principals = {"alice"};
  user.set_public_key(with_flipped_signature_byte(test::certify(user.public_key(), ca, spec)));
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, add_body(user, "forged")));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
}

}  // namespace
}  // namespace skagent::testing
