// SPDX-License-Identifier: BSD-2-Clause
// fido/ end to end through the real libfido2 against skagent-vtoken over its
// CTAPHID socket: enroll, sign and verify both key types; PINs set, changed,
// wrong and blocked; resident keys written and read back; touch-to-select
// between two tokens; cancel at a deadline and when the requester goes away.
#include <gtest/gtest.h>
#include <sys/socket.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "fido/device_list.h"
#include "fido/pin.h"
#include "fido/resident_keys.h"
#include "tests/fido/middleware_test_util.h"
#include "tests/vtoken/fido_test_util.h"
#include "tests/vtoken/vtoken_process.h"

namespace skagent::fido::testing {
namespace {

using vtoken::testing::VtokenProcess;
using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<milliseconds>(Clock::now() - t).count());
}

int touches(const VtokenProcess& t) { return std::stoi(t.control("touches")); }

class FidoMiddleware : public ::testing::TestWithParam<uint32_t> {
 protected:
  void start(std::vector<std::string> args = {}) {
    token_ = std::make_unique<VtokenProcess>(VtokenProcess::Options{.args = std::move(args)});
    ASSERT_TRUE(token_->ready()) << "skagent-vtoken did not start";
  }
  Options opts(milliseconds timeout = milliseconds(15000)) const {
    return vtoken_options({token_->hid_socket()}, timeout);
  }

  Result<EnrolledKey> enroll_key(uint32_t alg, uint8_t flags = kUserPresenceRequired,
                                 const char* pin = nullptr,
                                 std::string app = "ssh:", Options* o = nullptr) {
    EnrollRequest r;
    r.alg = alg;
    r.challenge = challenge_;
    r.application = app;
    r.flags = flags;
    r.pin = pin;
    return enroll(o != nullptr ? *o : opts(), r);
  }
  Result<Signature> sign_key(uint32_t alg, const EnrolledKey& k, ByteView data,
                             uint8_t flags = kUserPresenceRequired, const char* pin = nullptr,
                             std::string_view app = "ssh:", const Options* o = nullptr) {
    SignRequest r;
    r.alg = alg;
    r.data = data;
    r.application = app;
    r.key_handle = k.key_handle;
    r.flags = flags;
    r.pin = pin;
    return sign(o != nullptr ? *o : opts(), r);
  }

  std::unique_ptr<VtokenProcess> token_;
  Bytes challenge_ = Bytes(32, 0xC4);
  Bytes data_ = to_bytes(view("SSH user-auth request, more or less"));
};

INSTANTIATE_TEST_SUITE_P(BothKeyTypes, FidoMiddleware,
                         ::testing::Values(kAlgEcdsaP256, kAlgEd25519), [](const auto& p) {
                           return p.param == kAlgEd25519 ? "Ed25519" : "EcdsaP256";
                         });

TEST_P(FidoMiddleware, EnrollSignAndVerify) {
  ASSERT_NO_FATAL_FAILURE(start());
  uint32_t alg = GetParam();
  auto k = enroll_key(alg);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->public_key.size(), alg == kAlgEd25519 ? 32u : 65u);
  EXPECT_FALSE(k->key_handle.empty());
  EXPECT_FALSE(k->signature.empty());  // packed self attestation
  EXPECT_TRUE(k->attestation_cert.empty());
  EXPECT_FALSE(k->authdata.empty());
  EXPECT_EQ(k->flags, kUserPresenceRequired);
  EXPECT_EQ(k->device, vtoken_device_path(token_->hid_socket()));
  auto s = sign_key(alg, *k, data_);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->flags & kUserPresenceRequired);
  EXPECT_TRUE(verify_sk(alg, *k, "ssh:", data_, *s).ok());
  // The signature is over this data and this application only.
  EXPECT_FALSE(verify_sk(alg, *k, "ssh:", to_bytes(view("other data")), *s).ok());
  EXPECT_FALSE(verify_sk(alg, *k, "ssh:other", data_, *s).ok());
  auto s2 = sign_key(alg, *k, data_);
  ASSERT_TRUE(s2.ok());
  EXPECT_GT(s2->counter, s->counter);
  EXPECT_EQ(touches(*token_), 3);  // enroll + two signatures
}

TEST_P(FidoMiddleware, NoTouchRequiredKeySignsWithoutATouch) {
  ASSERT_NO_FATAL_FAILURE(start());
  uint32_t alg = GetParam();
  auto k = enroll_key(alg, 0);
  ASSERT_TRUE(k.ok()) << k.error().message;
  int before = touches(*token_);
  auto s = sign_key(alg, *k, data_, 0);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->flags & kUserPresenceRequired, 0);
  EXPECT_EQ(touches(*token_), before);
  EXPECT_TRUE(verify_sk(alg, *k, "ssh:", data_, *s).ok());
}

TEST_P(FidoMiddleware, ResidentKeysWrittenAndReadBack) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin", "1234"}));
  uint32_t alg = GetParam();
  auto no_pin = enroll_key(alg, kUserPresenceRequired | kResidentKey);
  ASSERT_FALSE(no_pin.ok());
  EXPECT_EQ(no_pin.error().code, Errc::pin_required) << no_pin.error().message;
  auto k = enroll_key(alg, kUserPresenceRequired | kResidentKey, "1234", "ssh:work");
  ASSERT_TRUE(k.ok()) << k.error().message;
  auto again = enroll_key(alg, kUserPresenceRequired | kResidentKey, "1234", "ssh:work");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code, Errc::exists) << again.error().message;
  auto forced =
      enroll_key(alg, kUserPresenceRequired | kResidentKey | kForceOperation, "1234", "ssh:work");
  ASSERT_TRUE(forced.ok()) << forced.error().message;
  // A credential for a web site is not an SSH key.
  auto web = vtoken::testing::open_vtoken(token_->hid_socket());
  ASSERT_TRUE(web);
  ASSERT_EQ(
      vtoken::testing::make_cred(web.get(), {.rp = "webauthn.example", .rk = true, .pin = "1234"}),
      FIDO_OK);

  auto keys = load_resident_keys(opts(), "1234");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);  // the forced enrollment replaced the first (same user)
  const ResidentKey& rk = keys->front();
  EXPECT_EQ(rk.alg, alg);
  EXPECT_EQ(rk.application, "ssh:work");
  EXPECT_EQ(rk.flags, kUserPresenceRequired | kResidentKey);
  EXPECT_EQ(rk.user_id, Bytes(32, 0));
  EXPECT_EQ(rk.key.key_handle, forced->key_handle);
  EXPECT_EQ(rk.key.public_key, forced->public_key);
  // The key read back signs, and verifies with the public key read back.
  auto s = sign_key(alg, rk.key, data_, rk.flags, nullptr, rk.application);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(verify_sk(alg, rk.key, rk.application, data_, *s).ok());
  // credProtect 2 (UV optional with credential id), as OpenSSH sets it: a
  // discoverable getAssertion without the PIN finds nothing, with it the key.
  vtoken::testing::AssertSpec discover{.rp = "ssh:work", .up = FIDO_OPT_FALSE};
  EXPECT_EQ(vtoken::testing::get_assert(web.get(), discover), FIDO_ERR_NO_CREDENTIALS);
  discover.pin = "1234";
  vtoken::testing::Assert found;
  ASSERT_EQ(vtoken::testing::get_assert(web.get(), discover, &found), FIDO_OK);
  EXPECT_EQ(fido_assert_count(found.get()), 1u);
}

TEST_P(FidoMiddleware, ResidentEnrollOnATokenWithoutRkIsUnsupported) {
  ASSERT_NO_FATAL_FAILURE(start({"--no-rk"}));
  auto k = enroll_key(GetParam(), kUserPresenceRequired | kResidentKey);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, Errc::unsupported) << k.error().message;
  EXPECT_NE(k.error().message.find("cannot store resident keys (no \"rk\" option)"),
            std::string::npos)
      << k.error().message;
  EXPECT_EQ(token_->status()["resident_credentials"], "0");
  EXPECT_TRUE(enroll_key(GetParam()).ok());  // a non-resident key is fine
}

TEST_P(FidoMiddleware, ResidentEnrollOnATokenWithoutCredProtectIsUnsupported) {
  ASSERT_NO_FATAL_FAILURE(start({"--no-cred-protect"}));
  for (uint8_t flag : {kResidentKey, kUserVerificationRequired}) {
    auto k = enroll_key(GetParam(), kUserPresenceRequired | flag);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.error().code, Errc::unsupported) << k.error().message;
    EXPECT_NE(k.error().message.find("no credProtect"), std::string::npos) << k.error().message;
  }
  EXPECT_EQ(token_->status()["resident_credentials"], "0");
  EXPECT_EQ(touches(*token_), 0);  // refused before asking for a touch
}

TEST(FidoMiddlewareTokens, EmptyTokenHasZeroResidentKeys) {
  VtokenProcess t({.args = {"--pin", "1234"}});
  ASSERT_TRUE(t.ready());
  auto keys = load_resident_keys(vtoken_options({t.hid_socket()}), "1234");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->empty());
  auto no_pin = load_resident_keys(vtoken_options({t.hid_socket()}), nullptr);
  ASSERT_FALSE(no_pin.ok());
  EXPECT_EQ(no_pin.error().code, Errc::pin_required);
}

TEST_P(FidoMiddleware, VerifyRequiredNeedsThePin) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin", "1234"}));
  uint32_t alg = GetParam();
  uint8_t flags = kUserPresenceRequired | kUserVerificationRequired;
  auto k = enroll_key(alg, flags, "1234");
  ASSERT_TRUE(k.ok()) << k.error().message;
  auto no_pin = sign_key(alg, *k, data_, flags);
  ASSERT_FALSE(no_pin.ok());
  EXPECT_EQ(no_pin.error().code, Errc::pin_required);
  EXPECT_NE(no_pin.error().message.find("PIN"), std::string::npos);
  auto s = sign_key(alg, *k, data_, flags, "1234");
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(s->flags & kUserVerificationRequired);
  EXPECT_TRUE(verify_sk(alg, *k, "ssh:", data_, *s).ok());
  // credProtect 3: invisible to a signature without UV, even with its handle.
  auto hidden = sign_key(alg, *k, data_, kUserPresenceRequired);
  ASSERT_FALSE(hidden.ok());
  EXPECT_EQ(hidden.error().code, Errc::not_found);
  // And read back as verify-required.
  auto rk = enroll_key(alg, flags | kResidentKey, "1234");
  ASSERT_TRUE(rk.ok()) << rk.error().message;
  auto keys = load_resident_keys(opts(), "1234");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().flags, kUserPresenceRequired | kResidentKey | kUserVerificationRequired);
}

TEST(FidoMiddlewarePin, SetChangeWrongAndBlocked) {
  VtokenProcess t;
  ASSERT_TRUE(t.ready());
  Options o = vtoken_options({t.hid_socket()});
  ASSERT_NO_FATAL_FAILURE(set_change_and_miss_the_pin(o));

  EnrollRequest er;
  Bytes chal(32, 1);
  er.challenge = chal;
  er.flags = kUserPresenceRequired | kResidentKey;
  ASSERT_NO_FATAL_FAILURE(block_the_pin(o, er, [&] { return t.control("power-cycle"); }));
  EXPECT_EQ(t.status()["pin_retries"], "0");
}

TEST(FidoMiddlewareTokens, NoTokenAnywhereIsDeviceNotFound) {
  Options o = vtoken_options({});
  Bytes chal(32, 1);
  EnrollRequest er;
  er.challenge = chal;
  auto k = enroll(o, er);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, Errc::not_found);
  EXPECT_NE(k.error().message.find("no FIDO2 security key found"), std::string::npos);
  o.device = "vtoken:/nonexistent/hid.sock";
  EXPECT_EQ(enroll(o, er).error().code, Errc::not_found);
}

TEST(FidoMiddlewareTokens, VirtualTokensAppearOnlyWhenNamed) {
  VtokenProcess t;
  ASSERT_TRUE(t.ready());
  auto none = list_devices(vtoken_options({}).sources);
  ASSERT_TRUE(none.ok());
  for (const auto& d : *none) EXPECT_NE(d.transport, Transport::virtual_token);
  auto named = list_devices(vtoken_options({t.hid_socket()}).sources);
  ASSERT_TRUE(named.ok());
  ASSERT_EQ(named->size(), 1u);
  EXPECT_EQ(named->front().path, "vtoken:" + t.hid_socket());
  EXPECT_EQ(split_vtoken_list("/a,,/b,"), (std::vector<std::string>{"/a", "/b"}));
}

TEST(FidoMiddlewareTokens, KeyIsFoundOnTheRightTokenWithoutATouch) {
  VtokenProcess a, b;
  ASSERT_TRUE(a.ready() && b.ready());
  Options only_b = vtoken_options({b.hid_socket()});
  Bytes chal(32, 2);
  EnrollRequest er;
  er.challenge = chal;
  auto k = enroll(only_b, er);
  ASSERT_TRUE(k.ok()) << k.error().message;
  ASSERT_EQ(a.control("touch never"), "ok");  // a touch on A would hang the test
  Options both = vtoken_options({a.hid_socket(), b.hid_socket()}, milliseconds(5000));
  Bytes data(10, 7);
  SignRequest sr;
  sr.alg = er.alg;
  sr.data = data;
  sr.application = "ssh:";
  sr.key_handle = k->key_handle;
  auto s = sign(both, sr);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->device, "vtoken:" + b.hid_socket());
  EXPECT_EQ(touches(a), 0);
  EXPECT_EQ(touches(b), 2);
  EXPECT_TRUE(verify_sk(sr.alg, *k, "ssh:", data, *s).ok());
}

// An enrolment (a challenge of 32 bytes `fill`) with `o` on a thread of its own, for a test that
// presses, cancels or hangs up meanwhile. join() gives its result.
class BackgroundEnroll {
 public:
  BackgroundEnroll(const Options& o, uint8_t fill)
      : thread_([this, o, fill] {
          Bytes chal(32, fill);
          EnrollRequest er;
          er.challenge = chal;
          result_ = enroll(o, er);
        }) {}
  ~BackgroundEnroll() {
    if (thread_.joinable()) thread_.join();
  }
  Result<EnrolledKey> join() {
    thread_.join();
    return std::move(result_);
  }

 private:
  Result<EnrolledKey> result_ = make_error(Errc::internal, "not run");
  std::thread thread_;
};

TEST(FidoMiddlewareTokens, TouchToSelectBetweenTwoTokensCancelsTheOther) {
  VtokenProcess a({.args = {"--touch", "never", "--touch-timeout", "20000"}});
  VtokenProcess b({.args = {"--touch", "never", "--touch-timeout", "20000"}});
  ASSERT_TRUE(a.ready() && b.ready());
  Options both = vtoken_options({a.hid_socket(), b.hid_socket()});
  std::atomic<int> touch_prompts{0};
  both.on_touch = [&] { touch_prompts++; };
  BackgroundEnroll enrolment(both, 3);
  ASSERT_TRUE(a.wait_until_waiting());
  ASSERT_TRUE(b.wait_until_waiting());
  ASSERT_EQ(b.control("press"), "ok");  // the person picks B ...
  auto t1 = Clock::now();
  while (touches(b) < 1 && ms_since(t1) < 5000) std::this_thread::sleep_for(milliseconds(20));
  ASSERT_TRUE(b.wait_until_waiting());  // ... whose makeCredential now waits for its touch
  ASSERT_EQ(b.control("press"), "ok");
  Result<EnrolledKey> k = enrolment.join();
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(k->device, "vtoken:" + b.hid_socket());
  EXPECT_EQ(touch_prompts.load(), 2);  // selection, then the enrollment
  auto t0 = Clock::now();
  while (a.status()["waiting"] == "1" && ms_since(t0) < 3000)
    std::this_thread::sleep_for(milliseconds(20));
  EXPECT_EQ(a.status()["waiting"], "0");  // A's request was cancelled
  EXPECT_EQ(touches(a), 0);
  EXPECT_EQ(touches(b), 2);
}

TEST(FidoMiddlewareTokens, NoTouchWithinTheTimeoutCancels) {
  VtokenProcess t({.args = {"--touch", "never", "--touch-timeout", "20000"}});
  ASSERT_TRUE(t.ready());
  Options o = vtoken_options({t.hid_socket()}, milliseconds(600));
  Bytes chal(32, 4);
  EnrollRequest er;
  er.challenge = chal;
  auto t0 = Clock::now();
  auto k = enroll(o, er);
  long took = ms_since(t0);
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, Errc::timeout);
  EXPECT_NE(k.error().message.find("1 second"), std::string::npos) << k.error().message;
  EXPECT_GE(took, 550);
  EXPECT_LT(took, 3000);
  EXPECT_EQ(t.status()["waiting"], "0");
  // The token's own timeout is reported as such.
  ASSERT_EQ(t.control("touch-timeout 200"), "ok");
  o.timeout = milliseconds(5000);
  auto own = enroll(o, er);
  ASSERT_FALSE(own.ok());
  EXPECT_EQ(own.error().code, Errc::timeout);
  EXPECT_NE(own.error().message.find("not touched in time"), std::string::npos)
      << own.error().message;
}

TEST(FidoMiddlewareTokens, RequesterGoingAwayCancels) {
  VtokenProcess t({.args = {"--touch", "never", "--touch-timeout", "20000"}});
  ASSERT_TRUE(t.ready());
  int sv[2];
  ASSERT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  Options o = vtoken_options({t.hid_socket()});
  o.requester_fd = sv[0];
  BackgroundEnroll enrolment(o, 5);
  ASSERT_TRUE(t.wait_until_waiting());
  auto t0 = Clock::now();
  close(sv[1]);
  Result<EnrolledKey> k = enrolment.join();
  close(sv[0]);
  ASSERT_FALSE(k.ok());
  EXPECT_NE(k.error().message.find("requester went away"), std::string::npos) << k.error().message;
  EXPECT_LT(ms_since(t0), 2000);
  EXPECT_EQ(t.status()["waiting"], "0");
}

}  // namespace
}  // namespace skagent::fido::testing
