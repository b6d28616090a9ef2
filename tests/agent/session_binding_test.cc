// SPDX-License-Identifier: BSD-2-Clause
#include "agent/protocol/session_binding.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

using test::bind_body;
using test::bytes_of;

class SessionBindingTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    host_a_ = new PrivateKey(test::generate());
    host_b_ = new PrivateKey(test::generate(KeyType::ecdsa_p256));
    ca_ = new PrivateKey(test::generate());
  }
  static void TearDownTestSuite() { delete host_a_, delete host_b_, delete ca_; }
  // Applies a session-bind of `host` over `sid` to this test's bindings.
  Status bind(const PrivateKey& host, std::string_view sid, bool forwarding) {
    return apply_session_bind(bind_body(host, view(sid), forwarding), bindings_);
  }
  static PrivateKey *host_a_, *host_b_, *ca_;
  std::vector<SessionBinding> bindings_;
};
PrivateKey *SessionBindingTest::host_a_, *SessionBindingTest::host_b_, *SessionBindingTest::ca_;

TEST_F(SessionBindingTest, RecordsVerifiedBinding) {
  ASSERT_TRUE(bind(*host_a_, "sid-1", false).ok());
  ASSERT_EQ(bindings_.size(), 1u);
  EXPECT_TRUE(same_public_key(bindings_[0].host_key, host_a_->public_key()));
  EXPECT_TRUE(equal(bindings_[0].session_id, view("sid-1")));
  EXPECT_FALSE(bindings_[0].forwarding);
}

TEST_F(SessionBindingTest, ParsesForwardingFlag) {
  auto r = parse_session_bind(bind_body(*host_b_, view("sid"), true));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_TRUE(r->forwarding);
  Bytes b = bind_body(*host_b_, view("sid"), true);
  b.back() = 7;  // any non-zero byte is true, as OpenSSH
  EXPECT_TRUE(parse_session_bind(b)->forwarding);
}

TEST_F(SessionBindingTest, RefusesSignatureByAnotherKey) {
  Bytes b = bind_body(host_a_->public_key(), *host_b_, view("sid"), false);
  auto s = apply_session_bind(b, bindings_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::crypto);
  EXPECT_TRUE(bindings_.empty());
}

TEST_F(SessionBindingTest, RefusesSignatureOverAnotherSessionId) {
  Writer w;
  w.string(host_a_->public_key().blob());
  w.string(view("sid-1"));
  w.string(test::sign(*host_a_, view("sid-2")));
  w.boolean(false);
  EXPECT_FALSE(apply_session_bind(w.bytes(), bindings_).ok());
  EXPECT_TRUE(bindings_.empty());
}

TEST_F(SessionBindingTest, RefusesEveryTruncation) {
  Bytes b = bind_body(*host_a_, view("sid-1"), true);
  for (size_t n = 0; n < b.size(); ++n) {
    auto r = parse_session_bind(ByteView(b).first(n));
    EXPECT_FALSE(r.ok()) << "prefix " << n;
  }
}

TEST_F(SessionBindingTest, RefusesTrailingBytes) {
  Bytes b = bind_body(*host_a_, view("sid-1"), false);
  b.push_back(0);
  auto s = apply_session_bind(b, bindings_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::malformed);
}

TEST_F(SessionBindingTest, RefusesLengthPastEnd) {
  Bytes b = bind_body(*host_a_, view("sid-1"), false);
  b[0] = 0xff;  // host key length
  EXPECT_FALSE(parse_session_bind(b).ok());
}

TEST_F(SessionBindingTest, RefusesGarbageHostKey) {
  Writer w;
  w.string(std::string_view("\x00\x00\x00\x07ssh-foo", 11));
  w.string(view("sid"));
  w.string(view("sig"));
  w.boolean(false);
  EXPECT_FALSE(parse_session_bind(w.bytes()).ok());
}

TEST_F(SessionBindingTest, RefusesEmptyAndOverlongSessionIds) {
  EXPECT_FALSE(parse_session_bind(bind_body(*host_a_, {}, false)).ok());
  Bytes long_sid(kMaxSessionIdLen + 1, 'x');
  auto r = parse_session_bind(bind_body(*host_a_, long_sid, false));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
  Bytes max_sid(kMaxSessionIdLen, 'x');
  EXPECT_TRUE(apply_session_bind(bind_body(*host_a_, max_sid, false), bindings_).ok());
}

TEST_F(SessionBindingTest, NoBindingAfterAuthenticationBind) {
  ASSERT_TRUE(bind(*host_a_, "sid-1", false).ok());
  for (bool fwd : {false, true}) {
    auto s = bind(*host_b_, "sid-2", fwd);
    ASSERT_FALSE(s.ok());
    EXPECT_EQ(s.error().code, Errc::denied);
  }
  // Even the identical binding is refused once bound for authentication.
  EXPECT_FALSE(bind(*host_a_, "sid-1", false).ok());
  EXPECT_EQ(bindings_.size(), 1u);
}

TEST_F(SessionBindingTest, ForwardingChainThenAuthentication) {
  ASSERT_TRUE(bind(*host_a_, "sid-1", true).ok());
  ASSERT_TRUE(bind(*host_b_, "sid-2", true).ok());
  ASSERT_TRUE(bind(*host_a_, "sid-3", false).ok());
  ASSERT_EQ(bindings_.size(), 3u);
  EXPECT_TRUE(bindings_[1].forwarding);
  EXPECT_FALSE(bindings_[2].forwarding);
}

TEST_F(SessionBindingTest, SameSessionIdSameKeyIsNoOp) {
  ASSERT_TRUE(bind(*host_a_, "sid-1", true).ok());
  ASSERT_TRUE(bind(*host_a_, "sid-1", true).ok());
  // OpenSSH ignores the flag of a repeated binding: still one forwarding bind.
  ASSERT_TRUE(bind(*host_a_, "sid-1", false).ok());
  ASSERT_EQ(bindings_.size(), 1u);
  EXPECT_TRUE(bindings_[0].forwarding);
}

TEST_F(SessionBindingTest, SameSessionIdOtherKeyFails) {
  ASSERT_TRUE(bind(*host_a_, "sid-1", true).ok());
  auto s = bind(*host_b_, "sid-1", true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::denied);
  EXPECT_EQ(bindings_.size(), 1u);
}

TEST_F(SessionBindingTest, NewSessionIdForKnownKeyIsRecorded) {
  ASSERT_TRUE(bind(*host_a_, "sid-1", true).ok());
  ASSERT_TRUE(bind(*host_a_, "sid-2", true).ok());
  EXPECT_EQ(bindings_.size(), 2u);
}

TEST_F(SessionBindingTest, AtMostSixteenBindings) {
  // Build the chain directly (signatures are covered above) to keep this fast.
  for (size_t i = 0; i < kMaxSessionBindings; ++i) {
    SessionBindRequest req{host_a_->public_key(), bytes_of("sid-" + std::to_string(i)), {}, true};
    ASSERT_TRUE(record_session_binding(bindings_, std::move(req)).ok()) << i;
  }
  SessionBindRequest extra{host_a_->public_key(), bytes_of("sid-extra"), {}, false};
  auto s = record_session_binding(bindings_, std::move(extra));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::limit);
  EXPECT_EQ(bindings_.size(), kMaxSessionBindings);
  // A repeat of a recorded binding is still a no-op success at the limit.
  SessionBindRequest repeat{host_a_->public_key(), bytes_of("sid-3"), {}, true};
  EXPECT_TRUE(record_session_binding(bindings_, std::move(repeat)).ok());
  // And the seventeenth through the full path fails too.
  EXPECT_FALSE(bind(*host_b_, "sid-new", false).ok());
}

TEST_F(SessionBindingTest, HostCertificateBinding) {
  test::CertSpec spec;
  spec.principals = {"host_a"};
  PublicKey cert = test::certify(host_a_->public_key(), *ca_, spec);
  ASSERT_TRUE(apply_session_bind(bind_body(cert, *host_a_, view("sid-1"), true), bindings_).ok());
  ASSERT_EQ(bindings_.size(), 1u);
  EXPECT_TRUE(bindings_[0].host_key.is_cert());
  // OpenSSH's sshkey_equal is asymmetric: the plain key "equals" the recorded
  // certificate, so this is a no-op...
  EXPECT_TRUE(bind(*host_a_, "sid-1", true).ok());
  EXPECT_EQ(bindings_.size(), 1u);
  // ...while a certificate is not the recorded plain key.
  std::vector<SessionBinding> plain;
  ASSERT_TRUE(apply_session_bind(bind_body(*host_a_, view("sid-2"), true), plain).ok());
  auto s = apply_session_bind(bind_body(cert, *host_a_, view("sid-2"), true), plain);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::denied);
}

TEST_F(SessionBindingTest, RefusesHostCertificateWithBadCaSignature) {
  test::CertSpec spec;
  PublicKey cert = test::certify(host_a_->public_key(), *ca_, spec);
  Bytes blob = cert.blob();
  blob[blob.size() - 1] ^= 1;  // corrupt the CA signature
  auto forged = parse_public_key(blob);
  ASSERT_TRUE(forged.ok());
  auto s = apply_session_bind(bind_body(*forged, *host_a_, view("sid-1"), true), bindings_);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::crypto);
}

}  // namespace
}  // namespace skagent
