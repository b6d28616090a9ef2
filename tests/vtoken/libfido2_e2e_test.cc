// SPDX-License-Identifier: BSD-2-Clause
// End to end through the real libfido2 (1.12) against skagent-vtoken over its
// CTAPHID socket: libfido2's own framing, CBOR, PIN protocols and credential
// management run unchanged.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "tests/vtoken/fido_test_util.h"
#include "tests/vtoken/vtoken_process.h"

namespace skagent::vtoken::testing {
namespace {

using Clock = std::chrono::steady_clock;

[[maybe_unused]] long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t).count());
}

class VtokenE2E : public ::testing::Test {
 protected:
  void start(std::vector<std::string> args = {}) {
    VtokenProcess::Options o;
    o.args = std::move(args);
    token_ = std::make_unique<VtokenProcess>(o);
    ASSERT_TRUE(token_->ready()) << "skagent-vtoken did not start: " << vtoken_binary();
    int rc = 0;
    dev_ = open_vtoken(token_->hid_socket(), &rc);
    ASSERT_TRUE(dev_) << "fido_dev_open: " << fido_strerr(rc);
  }
  std::unique_ptr<VtokenProcess> token_;
  Dev dev_;
};

TEST_F(VtokenE2E, OpensAsFido2AndReportsInfo) {
  ASSERT_NO_FATAL_FAILURE(start({"--aaguid", "00112233445566778899aabbccddeeff"}));
  EXPECT_TRUE(fido_dev_is_fido2(dev_.get()));
  EXPECT_FALSE(fido_dev_has_pin(dev_.get()));
  EXPECT_TRUE(fido_dev_supports_cred_prot(dev_.get()));
  EXPECT_TRUE(fido_dev_supports_credman(dev_.get()));
  EXPECT_TRUE(fido_dev_supports_pin(dev_.get()));
  std::unique_ptr<fido_cbor_info_t, FidoFree> info(fido_cbor_info_new());
  ASSERT_EQ(fido_dev_get_cbor_info(dev_.get(), info.get()), FIDO_OK);
  ASSERT_EQ(fido_cbor_info_aaguid_len(info.get()), 16u);
  EXPECT_EQ(fido_cbor_info_aaguid_ptr(info.get())[15], 0xff);
  bool fido21 = false;
  for (size_t i = 0; i < fido_cbor_info_versions_len(info.get()); i++) {
    fido21 |= std::string(fido_cbor_info_versions_ptr(info.get())[i]) == "FIDO_2_1";
  }
  EXPECT_TRUE(fido21);
  ASSERT_EQ(fido_cbor_info_protocols_len(info.get()), 2u);
  EXPECT_EQ(fido_cbor_info_protocols_ptr(info.get())[0], 2);
}

TEST_F(VtokenE2E, Es256CredentialSelfAttestedAndAssertionVerifies) {
  ASSERT_NO_FATAL_FAILURE(start());
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {}, &cred), FIDO_OK);
  EXPECT_STREQ(fido_cred_fmt(cred.get()), "packed");
  EXPECT_EQ(fido_cred_verify_self(cred.get()), FIDO_OK);
  EXPECT_EQ(fido_cred_type(cred.get()), COSE_ES256);
  Assert a;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}}, &a), FIDO_OK);
  ASSERT_EQ(fido_assert_count(a.get()), 1u);
  EXPECT_EQ(verify_assert(a.get(), 0, cred.get()), FIDO_OK);
  EXPECT_TRUE(fido_assert_flags(a.get(), 0) & 0x01);  // user present
  EXPECT_EQ(token_->control("touches"), "2");
}

TEST_F(VtokenE2E, EdDsaCredentialSelfAttestedAndAssertionVerifies) {
  ASSERT_NO_FATAL_FAILURE(start());
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {.type = COSE_EDDSA}, &cred), FIDO_OK);
  EXPECT_EQ(fido_cred_verify_self(cred.get()), FIDO_OK);
  EXPECT_EQ(fido_cred_type(cred.get()), COSE_EDDSA);
  Assert a;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}}, &a), FIDO_OK);
  EXPECT_EQ(verify_assert(a.get(), 0, cred.get()), FIDO_OK);
}

TEST_F(VtokenE2E, ExcludeListRefusesAKnownCredential) {
  ASSERT_NO_FATAL_FAILURE(start());
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {}, &cred), FIDO_OK);
  CredSpec again;
  again.exclude = {{9, 9, 9}, cred_id(cred.get())};
  EXPECT_EQ(make_cred(dev_.get(), again), FIDO_ERR_CREDENTIAL_EXCLUDED);
  // The same credential ID means nothing to another RP.
  again.rp = "ssh:other";
  EXPECT_EQ(make_cred(dev_.get(), again), FIDO_OK);
}

TEST_F(VtokenE2E, UnknownCredentialAndProbeWithoutTouch) {
  ASSERT_NO_FATAL_FAILURE(start());
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {}, &cred), FIDO_OK);
  std::string before = token_->control("touches");
  // OpenSSH finds the token holding a key handle with up=false: no touch.
  Assert a;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}, .up = FIDO_OPT_FALSE}, &a),
            FIDO_OK);
  EXPECT_EQ(fido_assert_flags(a.get(), 0) & 0x01, 0);
  EXPECT_EQ(token_->control("touches"), before);
  std::vector<uint8_t> other = cred_id(cred.get());
  other[20] ^= 1;
  EXPECT_EQ(get_assert(dev_.get(), {.allow = {other}}), FIDO_ERR_NO_CREDENTIALS);
  EXPECT_EQ(get_assert(dev_.get(), {.rp = "ssh:elsewhere", .allow = {cred_id(cred.get())}}),
            FIDO_ERR_NO_CREDENTIALS);
}

TEST_F(VtokenE2E, SignatureCounterGrows) {
  ASSERT_NO_FATAL_FAILURE(start());
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {}, &cred), FIDO_OK);
  Assert a1, a2;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}}, &a1), FIDO_OK);
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}}, &a2), FIDO_OK);
  EXPECT_GT(fido_assert_sigcount(a2.get(), 0), fido_assert_sigcount(a1.get(), 0));
  EXPECT_EQ(token_->status()["sign_counter"], std::to_string(fido_assert_sigcount(a2.get(), 0)));
}

TEST_F(VtokenE2E, PinSetChangeWrongAndBlocked) {
  ASSERT_NO_FATAL_FAILURE(start());
  ASSERT_EQ(fido_dev_set_pin(dev_.get(), "1234", nullptr), FIDO_OK);
  // libfido2 reads getInfo once at open: reopen to see clientPin=true.
  dev_ = open_vtoken(token_->hid_socket());
  ASSERT_TRUE(dev_);
  EXPECT_TRUE(fido_dev_has_pin(dev_.get()));
  EXPECT_EQ(fido_dev_set_pin(dev_.get(), "9999", nullptr),
            FIDO_ERR_PIN_AUTH_INVALID);  // already set
  int retries = -1;
  ASSERT_EQ(fido_dev_get_retry_count(dev_.get(), &retries), FIDO_OK);
  EXPECT_EQ(retries, 8);
  ASSERT_EQ(fido_dev_set_pin(dev_.get(), "5678", "1234"), FIDO_OK);  // change
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {.pin = "5678"}, &cred), FIDO_OK);
  EXPECT_TRUE(fido_cred_flags(cred.get()) & 0x04);  // user verified
  auto id = cred_id(cred.get());

  // Wrong PINs: 0x31 with retries counting down, the third in a row 0x34
  // (auth blocked until a power cycle), and at zero retries 0x32.
  auto wrong = [&](int expected_rc, int expected_retries) {
    EXPECT_EQ(get_assert(dev_.get(), {.allow = {id}, .pin = "0000"}), expected_rc);
    int r = -1;
    EXPECT_EQ(fido_dev_get_retry_count(dev_.get(), &r), FIDO_OK);
    EXPECT_EQ(r, expected_retries);
  };
  wrong(FIDO_ERR_PIN_INVALID, 7);
  EXPECT_EQ(fido_dev_set_pin(dev_.get(), "4321", "0000"), FIDO_ERR_PIN_INVALID);  // changePIN path
  wrong(FIDO_ERR_PIN_AUTH_BLOCKED, 5);
  wrong(FIDO_ERR_PIN_AUTH_BLOCKED, 5);  // blocked: not even counted
  EXPECT_EQ(get_assert(dev_.get(), {.allow = {id}, .pin = "5678"}), FIDO_ERR_PIN_AUTH_BLOCKED);
  ASSERT_EQ(token_->control("power-cycle"), "ok");
  Assert ok;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {id}, .pin = "5678"}, &ok),
            FIDO_OK);  // resets retries
  EXPECT_TRUE(fido_assert_flags(ok.get(), 0) & 0x04);
  EXPECT_EQ(verify_assert(ok.get(), 0, cred.get()), FIDO_OK);
  wrong(FIDO_ERR_PIN_INVALID, 7);
  wrong(FIDO_ERR_PIN_INVALID, 6);
  wrong(FIDO_ERR_PIN_AUTH_BLOCKED, 5);
  ASSERT_EQ(token_->control("power-cycle"), "ok");
  wrong(FIDO_ERR_PIN_INVALID, 4);
  wrong(FIDO_ERR_PIN_INVALID, 3);
  wrong(FIDO_ERR_PIN_AUTH_BLOCKED, 2);
  ASSERT_EQ(token_->control("power-cycle"), "ok");
  wrong(FIDO_ERR_PIN_INVALID, 1);
  wrong(FIDO_ERR_PIN_BLOCKED, 0);
  EXPECT_EQ(get_assert(dev_.get(), {.allow = {id}, .pin = "5678"}), FIDO_ERR_PIN_BLOCKED);
  EXPECT_EQ(token_->status()["pin_retries"], "0");
}

TEST_F(VtokenE2E, PinProtocolOne) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin-protocols", "1"}));
  ASSERT_EQ(fido_dev_set_pin(dev_.get(), "123456", nullptr), FIDO_OK);
  dev_ = open_vtoken(token_->hid_socket());
  ASSERT_TRUE(dev_);
  ASSERT_EQ(fido_dev_set_pin(dev_.get(), "654321", "123456"), FIDO_OK);
  Cred cred;
  ASSERT_EQ(make_cred(dev_.get(), {.rk = true, .pin = "654321"}, &cred), FIDO_OK);
  Assert a;
  ASSERT_EQ(get_assert(dev_.get(), {.pin = "654321"}, &a), FIDO_OK);  // discoverable
  EXPECT_EQ(verify_assert(a.get(), 0, cred.get()), FIDO_OK);
  EXPECT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}, .pin = "000000"}),
            FIDO_ERR_PIN_INVALID);
  std::unique_ptr<fido_credman_metadata_t, FidoFree> meta(fido_credman_metadata_new());
  ASSERT_EQ(fido_credman_get_dev_metadata(dev_.get(), meta.get(), "654321"), FIDO_OK);
  EXPECT_EQ(fido_credman_rk_existing(meta.get()), 1u);
}

TEST_F(VtokenE2E, ResidentKeysNeedThePinAndAreManaged) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin", "1234"}));
  EXPECT_EQ(make_cred(dev_.get(), {.rk = true}), FIDO_ERR_PIN_REQUIRED);
  EXPECT_EQ(make_cred(dev_.get(), {}), FIDO_OK);  // makeCredUvNotRqd: non-resident needs no PIN
  Cred a, b, c;
  ASSERT_EQ(make_cred(dev_.get(),
                      {.user_name = "alice",
                       .user_id = {1},
                       .rk = true,
                       .cred_protect = FIDO_CRED_PROT_UV_OPTIONAL_WITH_ID,
                       .pin = "1234"},
                      &a),
            FIDO_OK);
  EXPECT_EQ(fido_cred_prot(a.get()), FIDO_CRED_PROT_UV_OPTIONAL_WITH_ID);
  ASSERT_EQ(
      make_cred(dev_.get(),
                {.type = COSE_EDDSA, .user_name = "bob", .user_id = {2}, .rk = true, .pin = "1234"},
                &b),
      FIDO_OK);
  ASSERT_EQ(
      make_cred(dev_.get(), {.rp = "ssh:work", .user_id = {3}, .rk = true, .pin = "1234"}, &c),
      FIDO_OK);

  std::unique_ptr<fido_credman_metadata_t, FidoFree> meta(fido_credman_metadata_new());
  ASSERT_EQ(fido_credman_get_dev_metadata(dev_.get(), meta.get(), "1234"), FIDO_OK);
  EXPECT_EQ(fido_credman_rk_existing(meta.get()), 3u);
  EXPECT_EQ(fido_credman_rk_remaining(meta.get()), 61u);

  std::unique_ptr<fido_credman_rp_t, FidoFree> rp(fido_credman_rp_new());
  ASSERT_EQ(fido_credman_get_dev_rp(dev_.get(), rp.get(), "1234"), FIDO_OK);
  ASSERT_EQ(fido_credman_rp_count(rp.get()), 2u);
  EXPECT_STREQ(fido_credman_rp_id(rp.get(), 0), "ssh:");
  EXPECT_STREQ(fido_credman_rp_id(rp.get(), 1), "ssh:work");

  std::unique_ptr<fido_credman_rk_t, FidoFree> rk(fido_credman_rk_new());
  ASSERT_EQ(fido_credman_get_dev_rk(dev_.get(), "ssh:", rk.get(), "1234"), FIDO_OK);
  ASSERT_EQ(fido_credman_rk_count(rk.get()), 2u);
  const fido_cred_t* first = fido_credman_rk(rk.get(), 0);
  EXPECT_STREQ(fido_cred_user_name(first), "alice");
  EXPECT_EQ(fido_cred_prot(first), FIDO_CRED_PROT_UV_OPTIONAL_WITH_ID);
  EXPECT_EQ(cred_id(first), cred_id(a.get()));
  EXPECT_EQ(fido_cred_type(fido_credman_rk(rk.get(), 1)), COSE_EDDSA);
  // The public key from credential management verifies an assertion.
  Assert as;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(b.get())}}, &as), FIDO_OK);
  EXPECT_EQ(verify_assert(as.get(), 0, fido_credman_rk(rk.get(), 1)), FIDO_OK);

  // Discoverable credentials without an allow list: credProtect 2 hides
  // "alice" without UV; with the PIN both come back (getNextAssertion).
  Assert noauth;
  ASSERT_EQ(get_assert(dev_.get(), {}, &noauth), FIDO_OK);
  EXPECT_EQ(fido_assert_count(noauth.get()), 1u);
  Assert all;
  ASSERT_EQ(get_assert(dev_.get(), {.pin = "1234"}, &all), FIDO_OK);
  ASSERT_EQ(fido_assert_count(all.get()), 2u);
  EXPECT_EQ(verify_assert(all.get(), 0, b.get()), FIDO_OK);  // most recent first
  EXPECT_EQ(verify_assert(all.get(), 1, a.get()), FIDO_OK);
  EXPECT_STREQ(fido_assert_user_name(all.get(), 1), "alice");

  ASSERT_EQ(fido_credman_del_dev_rk(dev_.get(), fido_cred_id_ptr(a.get()),
                                    fido_cred_id_len(a.get()), "1234"),
            FIDO_OK);
  EXPECT_EQ(fido_credman_del_dev_rk(dev_.get(), fido_cred_id_ptr(a.get()),
                                    fido_cred_id_len(a.get()), "1234"),
            FIDO_ERR_NO_CREDENTIALS);
  // Deleted means unusable, even by its ID.
  EXPECT_EQ(get_assert(dev_.get(), {.allow = {cred_id(a.get())}, .pin = "1234"}),
            FIDO_ERR_NO_CREDENTIALS);
  rk.reset(fido_credman_rk_new());
  ASSERT_EQ(fido_credman_get_dev_rk(dev_.get(), "ssh:", rk.get(), "1234"), FIDO_OK);
  EXPECT_EQ(fido_credman_rk_count(rk.get()), 1u);
  EXPECT_EQ(token_->status()["resident_credentials"], "2");
  // Wrong PIN for credential management.
  EXPECT_EQ(fido_credman_get_dev_metadata(dev_.get(), meta.get(), "9999"), FIDO_ERR_PIN_INVALID);
}

TEST_F(VtokenE2E, CredProtectUvRequired) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin", "1234"}));
  Cred cred;
  ASSERT_EQ(
      make_cred(dev_.get(), {.cred_protect = FIDO_CRED_PROT_UV_REQUIRED, .pin = "1234"}, &cred),
      FIDO_OK);
  EXPECT_EQ(fido_cred_prot(cred.get()), FIDO_CRED_PROT_UV_REQUIRED);
  auto id = cred_id(cred.get());
  // Invisible without UV, even with its ID.
  EXPECT_EQ(get_assert(dev_.get(), {.allow = {id}}), FIDO_ERR_NO_CREDENTIALS);
  CredSpec excl;
  excl.exclude = {id};
  EXPECT_EQ(make_cred(dev_.get(), excl), FIDO_OK);
  Assert a;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {id}, .pin = "1234"}, &a), FIDO_OK);
  EXPECT_TRUE(fido_assert_flags(a.get(), 0) & 0x04);
  EXPECT_EQ(verify_assert(a.get(), 0, cred.get()), FIDO_OK);
}

TEST_F(VtokenE2E, EmptyTokenHasNoResidentKeys) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin", "1234"}));
  std::unique_ptr<fido_credman_metadata_t, FidoFree> meta(fido_credman_metadata_new());
  ASSERT_EQ(fido_credman_get_dev_metadata(dev_.get(), meta.get(), "1234"), FIDO_OK);
  EXPECT_EQ(fido_credman_rk_existing(meta.get()), 0u);
  std::unique_ptr<fido_credman_rp_t, FidoFree> rp(fido_credman_rp_new());
  int r = fido_credman_get_dev_rp(dev_.get(), rp.get(), "1234");
  // CTAP says NO_CREDENTIALS; libfido2 1.12 reports it as such or as zero RPs.
  EXPECT_TRUE(r == FIDO_OK || r == FIDO_ERR_NO_CREDENTIALS) << r;
  EXPECT_EQ(fido_credman_rp_count(rp.get()), 0u);
  EXPECT_EQ(get_assert(dev_.get(), {.pin = "1234"}), FIDO_ERR_NO_CREDENTIALS);
}

TEST_F(VtokenE2E, TouchPolicies) {
  ASSERT_NO_FATAL_FAILURE(start({"--touch", "refuse"}));
  EXPECT_EQ(make_cred(dev_.get(), {}), FIDO_ERR_OPERATION_DENIED);
  ASSERT_EQ(token_->control("touch never"), "ok");
  ASSERT_EQ(token_->control("touch-timeout 300"), "ok");
  auto t0 = Clock::now();
  EXPECT_EQ(make_cred(dev_.get(), {}), FIDO_ERR_USER_ACTION_TIMEOUT);
  EXPECT_GE(ms_since(t0), 280);
  ASSERT_EQ(token_->control("touch after=300"), "ok");
  t0 = Clock::now();
  EXPECT_EQ(make_cred(dev_.get(), {}), FIDO_OK);
  EXPECT_GE(ms_since(t0), 280);
  EXPECT_EQ(token_->control("touches"), "1");
  EXPECT_EQ(token_->status()["touch"], "after=300");
  EXPECT_EQ(token_->control("touch sometimes").rfind("error:", 0), 0u);
}

TEST_F(VtokenE2E, PressEndsANeverWait) {
  ASSERT_NO_FATAL_FAILURE(start({"--touch", "never", "--touch-timeout", "20000"}));
  std::atomic<int> rc{-100};
  std::thread t([&] { rc = make_cred(dev_.get(), {}); });
  ASSERT_TRUE(token_->wait_until_waiting());
  EXPECT_EQ(token_->control("press"), "ok");
  t.join();
  EXPECT_EQ(rc.load(), FIDO_OK);
  EXPECT_EQ(token_->status()["waiting"], "0");
}

TEST_F(VtokenE2E, CancelEndsAPendingTouchPromptly) {
  ASSERT_NO_FATAL_FAILURE(start({"--touch", "never", "--touch-timeout", "20000"}));
  std::atomic<int> rc{-100};
  std::atomic<long> took{0};
  std::thread t([&] {
    auto t0 = Clock::now();
    rc = make_cred(dev_.get(), {});
    took = ms_since(t0);
  });
  ASSERT_TRUE(token_->wait_until_waiting());
  auto t1 = Clock::now();
  EXPECT_EQ(fido_dev_cancel(dev_.get()), FIDO_OK);
  t.join();
  EXPECT_EQ(rc.load(), FIDO_ERR_KEEPALIVE_CANCEL);
  EXPECT_LT(ms_since(t1), 2000);
  EXPECT_LT(took.load(), 5000);
  // The token serves the next request at once.
  ASSERT_EQ(token_->control("touch immediate"), "ok");
  EXPECT_EQ(make_cred(dev_.get(), {}), FIDO_OK);
}

// libfido2 reads past "processing" keepalives to the answer.
TEST_F(VtokenE2E, SlowTokenSendingProcessingKeepalivesStillEnrolls) {
  ASSERT_NO_FATAL_FAILURE(start({"--processing-delay", "400"}));
  Cred cred;
  auto t0 = Clock::now();
  ASSERT_EQ(make_cred(dev_.get(), {.type = COSE_EDDSA}, &cred), FIDO_OK);
  EXPECT_GE(ms_since(t0), 400);
  EXPECT_EQ(fido_cred_verify_self(cred.get()), FIDO_OK);
  Assert a;
  ASSERT_EQ(get_assert(dev_.get(), {.allow = {cred_id(cred.get())}}, &a), FIDO_OK);
  EXPECT_EQ(verify_assert(a.get(), 0, cred.get()), FIDO_OK);
}

TEST_F(VtokenE2E, TouchToSelectBetweenTwoTokens) {
  // Token A has no PIN, token B has one; both wait until pressed.
  VtokenProcess a({.args = {"--touch", "never", "--touch-timeout", "20000"}});
  VtokenProcess b({.args = {"--touch", "never", "--touch-timeout", "20000", "--pin", "1234"}});
  ASSERT_TRUE(a.ready() && b.ready());
  Dev da = open_vtoken(a.hid_socket());
  Dev db = open_vtoken(b.hid_socket());
  ASSERT_TRUE(da && db);
  ASSERT_EQ(fido_dev_get_touch_begin(da.get()), FIDO_OK);
  ASSERT_EQ(fido_dev_get_touch_begin(db.get()), FIDO_OK);
  ASSERT_TRUE(a.wait_until_waiting());
  ASSERT_TRUE(b.wait_until_waiting());
  int touched_a = 0, touched_b = 0;
  EXPECT_EQ(fido_dev_get_touch_status(da.get(), &touched_a, 50), FIDO_OK);
  EXPECT_EQ(touched_a, 0);
  ASSERT_EQ(b.control("press"), "ok");
  auto t0 = Clock::now();
  while (!touched_b && ms_since(t0) < 5000) {
    ASSERT_EQ(fido_dev_get_touch_status(db.get(), &touched_b, 100), FIDO_OK);
  }
  EXPECT_EQ(touched_b, 1);  // PIN_INVALID after the touch counts as touched
  EXPECT_EQ(fido_dev_get_touch_status(da.get(), &touched_a, 50), FIDO_OK);
  EXPECT_EQ(touched_a, 0);
  // The chosen one is B; A's request is cancelled and A is free again.
  EXPECT_EQ(fido_dev_cancel(da.get()), FIDO_OK);
  t0 = Clock::now();
  while (a.status()["waiting"] == "1" && ms_since(t0) < 2000)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(a.status()["waiting"], "0");
  EXPECT_EQ(b.control("touches"), "1");
  EXPECT_EQ(a.control("touches"), "0");
  // Token A without a PIN: PIN_NOT_SET after its touch also means "touched".
  Dev da2 = open_vtoken(a.hid_socket());
  ASSERT_TRUE(da2);
  ASSERT_EQ(a.control("touch immediate"), "ok");
  ASSERT_EQ(fido_dev_get_touch_begin(da2.get()), FIDO_OK);
  touched_a = 0;
  t0 = Clock::now();
  while (!touched_a && ms_since(t0) < 5000) {
    ASSERT_EQ(fido_dev_get_touch_status(da2.get(), &touched_a, 100), FIDO_OK);
  }
  EXPECT_EQ(touched_a, 1);
}

TEST_F(VtokenE2E, ClientGoingAwayDuringATouchWaitDoesNotHangTheToken) {
  ASSERT_NO_FATAL_FAILURE(start({"--touch", "never", "--touch-timeout", "20000"}));
  std::thread t;
  {
    Dev other = open_vtoken(token_->hid_socket());
    ASSERT_TRUE(other);
    fido_dev_t* raw = other.get();
    // fido_dev_get_touch_begin sends the request and returns at once.
    ASSERT_EQ(fido_dev_get_touch_begin(raw), FIDO_OK);
    ASSERT_TRUE(token_->wait_until_waiting());
  }  // closed here: the socket goes away mid-wait
  auto t0 = Clock::now();
  while (token_->status()["waiting"] == "1" && ms_since(t0) < 2000)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_EQ(token_->status()["waiting"], "0");
  ASSERT_EQ(token_->control("touch immediate"), "ok");
  EXPECT_EQ(make_cred(dev_.get(), {}), FIDO_OK);
}

TEST_F(VtokenE2E, StatePersistsAcrossRestartsAndResetWipesIt) {
  ASSERT_NO_FATAL_FAILURE(start({"--pin", "1234"}));
  token_->keep_dir();
  std::string dir = token_->dir();
  Cred rk, plain;
  ASSERT_EQ(make_cred(dev_.get(), {.rk = true, .pin = "1234"}, &rk), FIDO_OK);
  ASSERT_EQ(make_cred(dev_.get(), {}, &plain), FIDO_OK);
  struct stat st {};
  ASSERT_EQ(stat(token_->state_file().c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  dev_.reset();
  token_.reset();

  VtokenProcess again({.dir = dir});
  ASSERT_TRUE(again.ready());
  Dev dev = open_vtoken(again.hid_socket());
  ASSERT_TRUE(dev);
  EXPECT_TRUE(fido_dev_has_pin(dev.get()));
  Assert a;
  ASSERT_EQ(get_assert(dev.get(), {.allow = {cred_id(plain.get())}}, &a), FIDO_OK);
  EXPECT_EQ(verify_assert(a.get(), 0, plain.get()), FIDO_OK);
  EXPECT_GE(fido_assert_sigcount(a.get(), 0), 3u);
  EXPECT_EQ(again.status()["resident_credentials"], "1");

  ASSERT_EQ(again.control("power-cycle"), "ok");  // a reset is taken only just after power-up
  ASSERT_EQ(fido_dev_reset(dev.get()), FIDO_OK);
  EXPECT_EQ(again.status()["resident_credentials"], "0");
  EXPECT_EQ(again.status()["pin_set"], "0");
  // Key handles from before the reset no longer open.
  EXPECT_EQ(get_assert(dev.get(), {.allow = {cred_id(plain.get())}}), FIDO_ERR_NO_CREDENTIALS);
  again.stop();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skagent::vtoken::testing
