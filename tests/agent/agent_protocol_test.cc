// SPDX-License-Identifier: BSD-2-Clause
// The agent's protocol handlers, driven over a real socket.
#include <gtest/gtest.h>

#include <chrono>

#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

PrivateKey make(KeyType t) {
  auto k = PrivateKey::generate(t, t == KeyType::rsa ? 2048 : 0);
  if (!k) abort();
  return std::move(*k);
}

Bytes lock_body(std::string_view password) {
  Writer w;
  w.string(password);
  return w.take();
}

TEST(AgentProtocol, EmptyAgentListsNothing) {
  AgentHarness agent;
  auto c = agent.client();
  auto reply = c.call(msg::kRequestIdentities);
  ASSERT_TRUE(reply);
  EXPECT_EQ(*reply, (Bytes{msg::kIdentitiesAnswer, 0, 0, 0, 0}));
}

class SignEveryType : public ::testing::TestWithParam<KeyType> {};

TEST_P(SignEveryType, AddListSignVerifyRemove) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey key = make(GetParam());
  Bytes blob = key.public_key().blob();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "test key")));
  auto ids = identities_of(c.call(msg::kRequestIdentities));
  ASSERT_EQ(ids.size(), 1u);
  EXPECT_EQ(ids[0], blob);

  Bytes data = to_bytes(view("some data to sign"));
  auto sig = signature_of(c.call(msg::kSignRequest, sign_body(blob, data, msg::kSignRsaSha512)));
  ASSERT_TRUE(sig);
  EXPECT_TRUE(verify_signature(key.public_key(), *sig, data).ok());

  Writer rm;
  rm.string(blob);
  EXPECT_TRUE(c.call_ok(msg::kRemoveIdentity, rm.bytes()));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, data)));
}

INSTANTIATE_TEST_SUITE_P(All, SignEveryType,
                         ::testing::Values(KeyType::ed25519, KeyType::ecdsa_p256,
                                           KeyType::ecdsa_p384, KeyType::ecdsa_p521, KeyType::rsa));

TEST(AgentProtocol, RsaFlagsSelectTheSignatureAlgorithm) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey key = make(KeyType::rsa);
  Bytes blob = key.public_key().blob();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "rsa")));
  Bytes data = to_bytes(view("x"));
  const std::pair<uint32_t, const char*> cases[] = {
      {0, "ssh-rsa"}, {msg::kSignRsaSha256, "rsa-sha2-256"}, {msg::kSignRsaSha512, "rsa-sha2-512"}};
  for (auto [flags, alg] : cases) {
    auto sig = signature_of(c.call(msg::kSignRequest, sign_body(blob, data, flags)));
    ASSERT_TRUE(sig);
    EXPECT_EQ(*signature_algorithm(*sig), alg);
    EXPECT_TRUE(verify_signature(key.public_key(), *sig, data, alg).ok());
  }
}

TEST(AgentProtocol, ReAddingAKeyReplacesItInPlace) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey a = make(KeyType::ed25519), b = make(KeyType::ed25519);
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(a, "a")));
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(b, "b")));
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(a, "a again")));
  auto ids = identities_of(c.call(msg::kRequestIdentities));
  ASSERT_EQ(ids.size(), 2u);
  EXPECT_EQ(ids[0], a.public_key().blob());
}

TEST(AgentProtocol, RemoveAllAndTheLegacyNumber) {
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(make(KeyType::ed25519), "a")));
  EXPECT_TRUE(c.call_ok(msg::kRemoveAllIdentities));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(make(KeyType::ed25519), "b")));
  EXPECT_TRUE(c.call_ok(msg::kRemoveAllV1));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
}

TEST(AgentProtocol, LockHidesKeysAndRefusesUseUntilUnlocked) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey key = make(KeyType::ed25519);
  Bytes blob = key.public_key().blob();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "k")));
  EXPECT_TRUE(c.call_failed(msg::kLock, lock_body("")));  // empty password refused
  ASSERT_TRUE(c.call_ok(msg::kLock, lock_body("hunter2")));
  EXPECT_TRUE(c.call_failed(msg::kLock, lock_body("again")));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(blob, view("d"))));
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, add_body(make(KeyType::ed25519), "x")));
  EXPECT_TRUE(c.call_failed(msg::kUnlock, lock_body("wrong")));
  ASSERT_TRUE(c.call_ok(msg::kUnlock, lock_body("hunter2")));
  EXPECT_EQ(identities_of(c.call(msg::kRequestIdentities)).size(), 1u);
  EXPECT_TRUE(c.call_failed(msg::kUnlock, lock_body("hunter2")));  // not locked
}

TEST(AgentProtocol, FailedUnlocksAreDelayedWithoutStallingOthers) {
  AgentHarness agent;
  auto c = agent.client();
  auto other = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kLock, lock_body("secret")));
  for (int i = 0; i < 3; i++) EXPECT_TRUE(c.call_failed(msg::kUnlock, lock_body("guess")));
  // The 4th guess waits 0.3 s; meanwhile another client is answered at once.
  auto start = std::chrono::steady_clock::now();
  c.send(msg::kUnlock, lock_body("guess"));
  ASSERT_TRUE(other.call(msg::kRequestIdentities));
  auto other_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  auto reply = c.receive();
  auto guess_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::steady_clock::now() - start)
                      .count();
  ASSERT_TRUE(reply);
  EXPECT_EQ((*reply)[0], msg::kFailure);
  EXPECT_LT(other_ms, 200);
  EXPECT_GE(guess_ms, 250);
}

// Adds a fresh Ed25519 key with a lifetime constraint of `secs`.
bool add_with_lifetime(AgentClient& c, uint32_t secs) {
  Writer cons;
  cons.u8(1);  // lifetime
  cons.u32(secs);
  return c.call_ok(msg::kAddIdConstrained, add_body(make(KeyType::ed25519), "t", cons.bytes()));
}

TEST(AgentProtocol, LifetimeConstraintExpiresTheKey) {
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(add_with_lifetime(c, 1));
  EXPECT_EQ(identities_of(c.call(msg::kRequestIdentities)).size(), 1u);
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
}

// Lifetime 0 (ssh-add never sends it; a hostile client may): OpenSSH 10.5's agent answers
// success and expires the key at once (death = now + 0). It must not mean "forever", not even
// over the agent's default lifetime (differential finding B).
TEST(AgentProtocol, LifetimeZeroExpiresTheKeyAtOnce) {
  AgentHarness agent(AgentOptions{.default_lifetime = 3600});
  auto c = agent.client();
  ASSERT_TRUE(add_with_lifetime(c, 0));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
}

TEST(AgentProtocol, DefaultLifetimeFromTheCommandLine) {
  AgentHarness agent(AgentOptions{.default_lifetime = 1});
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(make(KeyType::ed25519), "t")));
  std::this_thread::sleep_for(std::chrono::milliseconds(1300));
  EXPECT_TRUE(identities_of(c.call(msg::kRequestIdentities)).empty());
}

// The bytes OpenSSH 10.5's ssh-agent answers "query" with (29, "query", then the supported
// extensions: session-bind only; tests/integration/agent_cli.sh compares with the real one).
TEST(AgentProtocol, QueryExtensionAnswersAsOpenSsh105) {
  AgentHarness agent;
  auto c = agent.client();
  Writer w;
  w.string("query");
  auto reply = c.call(msg::kExtension, w.bytes());
  ASSERT_TRUE(reply);
  Writer want;
  want.u8(msg::kExtensionResponse);
  want.string("query");
  want.string("session-bind@openssh.com");
  EXPECT_EQ(*reply, want.bytes());
  w.u8(0);  // trailing bytes: the known extension fails
  auto bad = c.call(msg::kExtension, w.bytes());
  ASSERT_TRUE(bad);
  EXPECT_EQ(*bad, Bytes{msg::kExtensionFailure});
}

// While locked: session-bind still binds (OpenSSH 10.5), query and unknown extensions fail
// with SSH_AGENT_FAILURE; a failing session-bind still says EXTENSION_FAILURE.
TEST(AgentProtocol, LockedAgentTakesSessionBindOnly) {
  AgentHarness agent;
  auto c = agent.client();
  ASSERT_TRUE(c.call_ok(msg::kLock, lock_body("hunter2")));
  PrivateKey host = make(KeyType::ed25519);
  EXPECT_TRUE(
      c.call_ok(msg::kExtension,
                test::extension("session-bind@openssh.com",
                                test::bind_body(host, test::bytes_of("sid-locked"), false))));
  EXPECT_TRUE(c.call_ext_failed(
      msg::kExtension,
      test::extension("session-bind@openssh.com", as_ssh_string(test::bytes_of("not a key")))));
  Bytes query = test::extension("query");
  EXPECT_TRUE(c.call_failed(msg::kExtension, query));
  EXPECT_TRUE(c.call_failed(msg::kExtension, test::extension("no-such-extension@example.com")));
  ASSERT_TRUE(c.call_ok(msg::kUnlock, lock_body("hunter2")));
  auto answer = c.call(msg::kExtension, query);
  ASSERT_TRUE(answer);
  EXPECT_EQ((*answer)[0], msg::kExtensionResponse);
}

TEST(AgentProtocol, UnknownExtensionIsPlainFailure) {
  AgentHarness agent;
  auto c = agent.client();
  EXPECT_TRUE(c.call_failed(msg::kExtension, test::extension("no-such-extension@example.com")));
}

// PKCS#11 adds and removes themselves are tested in tests/pkcs11/agent_pkcs11_test.cc.
TEST(AgentProtocol, SmartcardRequestsForAMissingModuleFail) {
  AgentHarness agent;
  auto c = agent.client();
  Writer w;
  w.string("/usr/lib/nonexistent/libsofthsm2.so");
  w.string("1234");
  EXPECT_TRUE(c.call_failed(msg::kAddSmartcardKey, w.bytes()));
  EXPECT_TRUE(c.call_failed(msg::kRemoveSmartcardKey, w.bytes()));
}

TEST(AgentProtocol, PipelinedRequestsAreAnsweredInOrder) {
  AgentHarness agent;
  auto c = agent.client();
  PrivateKey key = make(KeyType::ed25519);
  Bytes blob = key.public_key().blob();
  c.send(msg::kAddIdentity, add_body(key, "k"));
  for (int i = 0; i < 20; i++)
    c.send(msg::kSignRequest, sign_body(blob, view("d" + std::to_string(i))));
  c.send(msg::kRemoveAllIdentities, {});
  c.send(msg::kRequestIdentities, {});
  auto r0 = c.receive();
  ASSERT_TRUE(r0);
  EXPECT_EQ((*r0)[0], msg::kSuccess);
  for (int i = 0; i < 20; i++) {
    auto sig = signature_of(c.receive());
    ASSERT_TRUE(sig);
    EXPECT_TRUE(verify_signature(key.public_key(), *sig, view("d" + std::to_string(i))).ok());
  }
  auto r1 = c.receive();
  ASSERT_TRUE(r1);
  EXPECT_EQ((*r1)[0], msg::kSuccess);
  EXPECT_TRUE(identities_of(c.receive()).empty());
}

}  // namespace
}  // namespace skagent::testing
