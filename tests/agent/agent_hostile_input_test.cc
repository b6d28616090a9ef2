// SPDX-License-Identifier: BSD-2-Clause
// Hostile clients: malformed messages get FAILURE or a closed connection, and
// the agent keeps serving everyone else with its keys intact.
#include <gtest/gtest.h>
#include <openssl/rand.h>

#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

PrivateKey make(KeyType t = KeyType::ed25519) {
  auto k = PrivateKey::generate(t, t == KeyType::rsa ? 2048 : 0);
  if (!k) abort();
  return std::move(*k);
}

class Hostile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto c = agent.client();
    ASSERT_TRUE(c.call_ok(msg::kAddIdentity, add_body(key, "victim")));
  }
  void TearDown() override { expect_still_serving(agent, key); }
  AgentHarness agent;
  PrivateKey key = make();
};

TEST_F(Hostile, OversizedFrameClosesTheConnection) {
  auto c = agent.client();
  Writer w;
  w.u32(256 * 1024 + 1);
  w.u8(msg::kRequestIdentities);
  c.send_raw(w.bytes());
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Hostile, ZeroLengthFrameClosesTheConnection) {
  auto c = agent.client();
  c.send_raw(Bytes{0, 0, 0, 0});
  EXPECT_TRUE(c.closed_by_peer());
}

TEST_F(Hostile, UnknownMessageTypesFail) {
  auto c = agent.client();
  for (int t : {0, 1, 2, 3, 4, 7, 8, 10, 12, 14, 15, 16, 24, 28, 30, 100, 200, 255}) {
    EXPECT_TRUE(c.call_failed(uint8_t(t), view("junk"))) << "type " << t;
  }
}

TEST_F(Hostile, EveryTruncationOfAnAddFails) {
  auto c = agent.client();
  Bytes body = add_body(make(KeyType::ecdsa_p256), "comment");
  for (size_t n = 0; n + 1 < body.size(); n++) {
    EXPECT_TRUE(c.call_failed(msg::kAddIdentity, ByteView(body).first(n))) << n;
  }
}

TEST_F(Hostile, TrailingBytesAfterAnAddFail) {
  auto c = agent.client();
  Bytes body = add_body(make(), "c");
  body.push_back(0);
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, body));
}

TEST_F(Hostile, LengthsPastTheEndFail) {
  auto c = agent.client();
  Writer w;
  w.u32(0xffffffff);  // key type string claims 4 GiB
  w.raw(view("ssh-ed25519"));
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, w.bytes()));
  Writer s;
  s.u32(0x7fffffff);
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, s.bytes()));
  EXPECT_TRUE(c.call_failed(msg::kRemoveIdentity, s.bytes()));
}

TEST_F(Hostile, AMismatchedPrivateKeyIsRefused) {
  auto c = agent.client();
  PrivateKey a = make(), b = make();
  a.set_public_key(b.public_key());
  EXPECT_TRUE(c.call_failed(msg::kAddIdentity, add_body(a, "liar")));
}

TEST_F(Hostile, DuplicateAndUnknownConstraintsFailTheAdd) {
  auto c = agent.client();
  Writer dup;
  dup.u8(2), dup.u8(2);  // confirm twice
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(make(), "d", dup.bytes())));
  Writer life;
  life.u8(1), life.u32(10), life.u8(1), life.u32(20);
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(make(), "d", life.bytes())));
  Writer unknown;
  unknown.u8(3), unknown.u32(5);  // MAXSIGN (XMSS only) is not supported
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(make(), "d", unknown.bytes())));
  Writer ext;
  ext.u8(255), ext.string("nonsense@example.com");
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(make(), "d", ext.bytes())));
  Writer truncated;
  truncated.u8(1), truncated.u8(0);
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(make(), "d", truncated.bytes())));
  EXPECT_EQ(identities_of(c.call(msg::kRequestIdentities)).size(), 1u);
}

TEST_F(Hostile, SkProviderOnASoftwareKeyFails) {
  auto c = agent.client();
  Writer ext;
  ext.u8(255), ext.string("sk-provider@openssh.com"), ext.string("internal");
  EXPECT_TRUE(c.call_failed(msg::kAddIdConstrained, add_body(make(), "d", ext.bytes())));
}

TEST_F(Hostile, SignRequestsForUnknownKeysAndWithTrailingBytesFail) {
  auto c = agent.client();
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, sign_body(make().public_key().blob(), view("d"))));
  Bytes body = sign_body(key.public_key().blob(), view("d"));
  body.push_back(1);
  EXPECT_TRUE(c.call_failed(msg::kSignRequest, body));
}

TEST_F(Hostile, MalformedExtensionsFail) {
  auto c = agent.client();
  EXPECT_TRUE(c.call_failed(msg::kExtension, {}));
  // A known extension that fails: SSH_AGENT_EXTENSION_FAILURE (OpenSSH 10.3), not FAILURE.
  EXPECT_TRUE(c.call_ext_failed(
      msg::kExtension,
      test::extension("session-bind@openssh.com", as_ssh_string(view("not a key")))));
  EXPECT_TRUE(c.call_failed(msg::kExtension, test::extension("no-such-extension@example.com")));
}

TEST_F(Hostile, RandomMessagesNeverHurtTheAgent) {
  for (int round = 0; round < 200; round++) {
    auto c = agent.client();
    uint8_t body[64];
    RAND_bytes(body, sizeof(body));
    size_t len = body[0] % sizeof(body);
    uint8_t types[] = {11, 13, 17, 18, 19, 20, 21, 22, 23, 25, 26, 27};
    uint8_t type = types[body[1] % sizeof(types)];
    if (type == msg::kRemoveAllIdentities || type == msg::kLock) continue;  // valid by design
    auto reply = c.call(type, ByteView(body, len));
    if (reply) {
      EXPECT_NE((*reply)[0], msg::kSuccess) << "type " << int(type);
    }
  }
}

TEST_F(Hostile, AClientThatVanishesMidFrameLeavesNoStuckState) {
  {
    auto c = agent.client();
    Writer w;
    w.u32(1000);
    w.u8(msg::kSignRequest);
    c.send_raw(w.bytes());
  }  // closed with 995 bytes still owed
}

}  // namespace
}  // namespace skagent::testing
