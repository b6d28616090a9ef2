// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/generate_sk.h"

#include <gtest/gtest.h>

#include "keygen/key_files.h"
#include "base/wire.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using testing::FakeToken;
using testing::TempDir;

SkEnrollResult ed25519_result(uint8_t flags) {
  SkEnrollResult r;
  r.public_key = Bytes(32, 0x11);
  r.key_handle = Bytes{1, 2, 3, 4};
  r.flags = flags;
  r.attestation_cert = Bytes{0xc0};
  r.signature = Bytes{0x51};
  r.authdata = Bytes{0xad, 0xad};
  return r;
}

auto succeed() {
  return [](const SkEnrollRequest& req) -> Result<SkEnrollResult> {
    return ed25519_result(req.flags);
  };
}
auto fail_with(Errc code, std::string message) {
  return [code, message](const SkEnrollRequest&) -> Result<SkEnrollResult> {
    return make_error(code, message);
  };
}

TEST(KeygenSkOptions, ParsesEveryOption) {
  auto o = parse_sk_enroll_options({"RESIDENT", "verify-required", "no-touch-required",
                                    "application=ssh:work", "user=alice", "device=/dev/hidraw9",
                                    "challenge=/tmp/c", "write-attestation=/tmp/a"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->flags, fido::kResidentKey | fido::kUserVerificationRequired);
  EXPECT_EQ(o->application, "ssh:work");
  EXPECT_EQ(o->user, "alice");
  EXPECT_EQ(o->device, "/dev/hidraw9");
  EXPECT_EQ(*o->challenge_file, "/tmp/c");
  EXPECT_EQ(*o->attestation_file, "/tmp/a");
  auto d = parse_sk_enroll_options({});
  ASSERT_TRUE(d);
  EXPECT_EQ(d->application, "ssh:");
  EXPECT_EQ(d->flags, fido::kUserPresenceRequired);
}

TEST(KeygenSkOptions, Refusals) {
  auto o = parse_sk_enroll_options({"application=https://example.com"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message, "FIDO application string must begin with \"ssh:\"");
  o = parse_sk_enroll_options({"application=SSH:x"});  // the prefix is case-sensitive
  EXPECT_FALSE(o);
  o = parse_sk_enroll_options({"frobnicate"});
  ASSERT_FALSE(o);
  EXPECT_EQ(o.error().message,
            "Option \"frobnicate\" is unsupported for FIDO authenticator enrollment");
  EXPECT_FALSE(parse_sk_enroll_options({"user=" + std::string(32, 'u')}));
  EXPECT_TRUE(parse_sk_enroll_options({"user=" + std::string(31, 'u')}));
}

TEST(KeygenSkEnroll, NoPinNeeded) {
  FakeConsole c;
  FakeToken t;
  t.enrolls = {succeed()};
  auto opts = parse_sk_enroll_options({"application=ssh:x", "user=bob"});
  auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, false);
  ASSERT_TRUE(made) << made.error().message;
  const PublicKey& pub = made->key.public_key();
  EXPECT_EQ(pub.type, KeyType::sk_ed25519);
  EXPECT_EQ(pub.application, "ssh:x");
  EXPECT_EQ(made->key.sk_flags(), fido::kUserPresenceRequired);
  EXPECT_EQ(made->key.sk_key_handle(), (Bytes{1, 2, 3, 4}));
  EXPECT_TRUE(made->key.sk_reserved().empty());
  ASSERT_EQ(t.enroll_requests.size(), 1u);
  EXPECT_EQ(t.enroll_requests[0].user, "bob");
  EXPECT_EQ(t.enroll_requests[0].challenge.size(), 32u);  // random
  EXPECT_TRUE(t.enroll_requests[0].pin.empty());
  EXPECT_EQ(c.out_text, "Touch your security key...\n");
  EXPECT_TRUE(c.secret_prompts.empty());

  // The attestation blob, as ssh-keygen writes it.
  Reader r(made->attestation);
  std::string magic;
  ByteView cert, sig, authdata, reserved;
  uint32_t flags = 1;
  ASSERT_TRUE(r.cstring(magic) && r.string(cert) && r.string(sig) && r.string(authdata) &&
              r.u32(flags) && r.string(reserved) && r.empty());
  EXPECT_EQ(magic, "ssh-sk-attest-v01");
  EXPECT_EQ(to_bytes(authdata), (Bytes{0xad, 0xad}));
  EXPECT_EQ(flags, 0u);
}

TEST(KeygenSkEnroll, QuietPrintsNothing) {
  FakeConsole c;
  FakeToken t;
  t.enrolls = {succeed()};
  ASSERT_TRUE(enroll_sk_key(c, t, KeyType::sk_ed25519, *parse_sk_enroll_options({}), true));
  EXPECT_EQ(c.out_text, "");
}

TEST(KeygenSkEnroll, AsksForPinWhenRequiredAndReportsWrongPin) {
  FakeConsole c;
  FakeToken t;
  t.enrolls = {fail_with(Errc::pin_required, "needs the PIN"),
               fail_with(Errc::pin_invalid, "wrong PIN: 6 tries left before the PIN is blocked"),
               succeed()};
  c.secrets = {"1111", "2222"};
  auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *parse_sk_enroll_options({}), false);
  ASSERT_TRUE(made) << made.error().message;
  ASSERT_EQ(t.enroll_requests.size(), 3u);
  EXPECT_EQ(t.enroll_requests[0].pin, "");
  EXPECT_EQ(t.enroll_requests[1].pin, "1111");
  EXPECT_EQ(t.enroll_requests[2].pin, "2222");
  EXPECT_EQ(c.secret_prompts, (std::vector<std::string>{"Enter PIN for authenticator: ",
                                                        "Enter PIN for authenticator: "}));
  EXPECT_EQ(c.err_text, "wrong PIN: 6 tries left before the PIN is blocked\n");
}

TEST(KeygenSkEnroll, GivesUpAfterThreeWrongPins) {
  FakeConsole c;
  FakeToken t;
  t.enrolls = {fail_with(Errc::pin_required, "PIN"), fail_with(Errc::pin_invalid, "wrong PIN: 7"),
               fail_with(Errc::pin_invalid, "wrong PIN: 6"),
               fail_with(Errc::pin_invalid, "wrong PIN: 5")};
  c.secrets = {"1", "2", "3"};
  auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *parse_sk_enroll_options({}), false);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().message, "Too many incorrect PINs");
  EXPECT_EQ(t.enroll_requests.size(), 4u);
}

TEST(KeygenSkEnroll, BlockedPinNoTokenAndUnsupportedAreReported) {
  for (auto [code, msg] : std::vector<std::pair<Errc, std::string>>{
           {Errc::pin_blocked, "the PIN is blocked: reset the key"},
           {Errc::not_found, "no FIDO2 security key found"},
           {Errc::unsupported, "the security key does not support resident keys"},
           {Errc::timeout, "no touch within 60 s"}}) {
    FakeConsole c;
    FakeToken t;
    t.enrolls = {fail_with(code, msg)};
    auto made =
        enroll_sk_key(c, t, KeyType::sk_ecdsa_p256, *parse_sk_enroll_options({"resident"}), false);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().code, code);
    EXPECT_EQ(made.error().message, "Key enrollment failed: " + msg);
    EXPECT_TRUE(c.secret_prompts.empty());
  }
}

TEST(KeygenSkEnroll, ExistingResidentKeyReplacedOnlyAfterYes) {
  auto opts = parse_sk_enroll_options({"resident", "application=ssh:dup", "user=u"});
  {
    FakeConsole c;
    FakeToken t;
    t.enrolls = {fail_with(Errc::exists, "exists"), succeed()};
    c.confirmations = {true};
    auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, false);
    ASSERT_TRUE(made) << made.error().message;
    ASSERT_EQ(t.enroll_requests.size(), 2u);
    EXPECT_EQ(t.enroll_requests[0].flags & fido::kForceOperation, 0);
    EXPECT_EQ(t.enroll_requests[1].flags & fido::kForceOperation, fido::kForceOperation);
    EXPECT_NE(c.out_text.find("A resident key scoped to 'ssh:dup' with user id 'u' already "
                              "exists.\n"),
              std::string::npos);
    EXPECT_EQ(c.confirm_prompts, std::vector<std::string>{"Overwrite key in token (y/n)? "});
    // The force bit is a request flag, not a key flag.
    EXPECT_EQ(made->key.sk_flags(), fido::kUserPresenceRequired | fido::kResidentKey);
  }
  {
    FakeConsole c;
    FakeToken t;
    t.enrolls = {fail_with(Errc::exists, "exists")};
    c.confirmations = {false};
    auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, false);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().code, Errc::exists);
    EXPECT_EQ(t.enroll_requests.size(), 1u);
  }
  {
    FakeConsole c;
    FakeToken t;
    t.enrolls = {fail_with(Errc::exists, "exists")};
    c.terminal = false;
    auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, false);
    ASSERT_FALSE(made);
    EXPECT_EQ(made.error().code, Errc::exists);
    EXPECT_NE(made.error().message.find("no terminal"), std::string::npos);
  }
}

TEST(KeygenSkEnroll, ChallengeFromFile) {
  TempDir d;
  ASSERT_TRUE(write_file(d / "chal", view("fixed challenge"), 0600, false));
  FakeConsole c;
  FakeToken t;
  t.enrolls = {succeed()};
  auto opts = parse_sk_enroll_options({"challenge=" + d / "chal"});
  ASSERT_TRUE(enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, true));
  EXPECT_EQ(t.enroll_requests[0].challenge, to_bytes(view("fixed challenge")));

  ASSERT_TRUE(write_file(d / "empty", ByteView{}, 0600, false));
  opts = parse_sk_enroll_options({"challenge=" + d / "empty"});
  auto made = enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, true);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().message, "Missing enrollment challenge");
  opts = parse_sk_enroll_options({"challenge=" + d / "none"});
  EXPECT_FALSE(enroll_sk_key(c, t, KeyType::sk_ed25519, *opts, true));
}

TEST(KeygenSkEnroll, MalformedTokenAnswerRefused) {
  FakeConsole c;
  FakeToken t;
  t.enrolls = {[](const SkEnrollRequest&) -> Result<SkEnrollResult> {
    SkEnrollResult r = ed25519_result(1);
    r.public_key.resize(31);
    return r;
  }};
  EXPECT_FALSE(enroll_sk_key(c, t, KeyType::sk_ed25519, *parse_sk_enroll_options({}), true));
  t.enrolls = {succeed()};  // a 32-byte key is no P-256 point
  EXPECT_FALSE(enroll_sk_key(c, t, KeyType::sk_ecdsa_p256, *parse_sk_enroll_options({}), true));
}

}  // namespace
}  // namespace skagent::keygen
