// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/constrained_sign.h"

#include <gtest/gtest.h>

#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

using test::Userauth;

class ConstrainedSignTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test::generate_keys({&user_, &host_a_, &host_b_}); }
  static void TearDownTestSuite() { test::delete_keys({&user_, &host_a_, &host_b_}); }

  void SetUp() override {
    auto hop = [](const PrivateKey& k, const char* name) {
      return DestinationHop{"", name, {{k.public_key(), false}}};
    };
    constraints_ = {{DestinationHop{}, hop(*host_a_, "host_a")},
                    {hop(*host_a_, "host_a"), hop(*host_b_, "host_b")}};
  }

  const PublicKey& key() const { return user_->public_key(); }
  Userauth request(std::string_view sid) const {
    Userauth u;
    u.key = &key();
    u.session_id = test::bytes_of(sid);
    return u;
  }
  Result<ConstrainedSignInfo> check(const std::vector<SessionBinding>& b, ByteView data) const {
    return check_constrained_sign(key(), constraints_, b, data);
  }

  static inline PrivateKey *user_, *host_a_, *host_b_;
  std::vector<DestinationConstraint> constraints_;
};

TEST_F(ConstrainedSignTest, UnconstrainedKeySignsAnything) {
  auto r = check_constrained_sign(key(), {}, {}, view("arbitrary data"));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->user.empty());
}

TEST_F(ConstrainedSignTest, FirstHopPublickeyRequest) {
  std::vector<SessionBinding> b{test::binding(host_a_->public_key(), "sid-a", false)};
  auto r = check(b, request("sid-a").build());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->user, "alice");
  EXPECT_EQ(r->last_hostname, "host_a");
}

TEST_F(ConstrainedSignTest, UnboundConnectionRefused) {
  auto r = check({}, request("sid-a").build());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::denied);
}

TEST_F(ConstrainedSignTest, OnlyUserauthRequestsAreSigned) {
  std::vector<SessionBinding> b{test::binding(host_a_->public_key(), "sid-a", false)};
  EXPECT_FALSE(check(b, view("not a userauth request")).ok());
  Writer sshsig;
  sshsig.raw(view("SSHSIG")), sshsig.string("git"), sshsig.string(Bytes{}), sshsig.string("sha512"),
      sshsig.string(Bytes(64, 1));
  EXPECT_FALSE(check(b, sshsig.bytes()).ok());
  Userauth other_key = request("sid-a");
  other_key.key = &host_b_->public_key();
  EXPECT_FALSE(check(b, other_key.build()).ok());
}

TEST_F(ConstrainedSignTest, SessionIdMustBeTheLatestBinding) {
  std::vector<SessionBinding> b{test::binding(host_a_->public_key(), "sid-a", false)};
  auto r = check(b, request("sid-other").build());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::denied);
  EXPECT_FALSE(check(b, request("sid-a-longer").build()).ok());
}

TEST_F(ConstrainedSignTest, DestinationNotPermitted) {
  std::vector<SessionBinding> b{test::binding(host_b_->public_key(), "sid-b", false)};
  EXPECT_FALSE(check(b, request("sid-b").build()).ok());
}

TEST_F(ConstrainedSignTest, ForwardedHopNeedsHostboundRequest) {
  std::vector<SessionBinding> b{test::binding(host_a_->public_key(), "sid-a", true),
                                test::binding(host_b_->public_key(), "sid-b", false)};
  EXPECT_FALSE(check(b, request("sid-b").build()).ok());  // plain "publickey"
  Userauth u = request("sid-b");
  u.method = "publickey-hostbound-v00@openssh.com";
  u.host_key = &host_b_->public_key();
  auto r = check(b, u.build());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->last_hostname, "host_b");
  u.host_key = &host_a_->public_key();  // not the most recently bound host
  EXPECT_FALSE(check(b, u.build()).ok());
}

TEST_F(ConstrainedSignTest, HostboundHostKeyCheckedOnFirstHopToo) {
  std::vector<SessionBinding> b{test::binding(host_a_->public_key(), "sid-a", false)};
  Userauth u = request("sid-a");
  u.method = "publickey-hostbound-v00@openssh.com";
  u.host_key = &host_a_->public_key();
  EXPECT_TRUE(check(b, u.build()).ok());
  u.host_key = &host_b_->public_key();
  EXPECT_FALSE(check(b, u.build()).ok());
}

TEST_F(ConstrainedSignTest, SigningOnForwardingBindRefused) {
  std::vector<SessionBinding> b{test::binding(host_a_->public_key(), "sid-a", true)};
  EXPECT_FALSE(check(b, request("sid-a").build()).ok());
}

}  // namespace
}  // namespace skagent
