// fido/ against lying and broken tokens (tests/fido/hostile_token.h): every
// one ends in an error within the operation's time, never a crash or a hang.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <chrono>

#include "fido/enroll.h"
#include "fido/resident_keys.h"
#include "fido/sign.h"
#include "tests/fido/hostile_token.h"

namespace skagent::fido::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<milliseconds>(Clock::now() - t).count());
}

const Bytes kKeyHandle(64, 0x5A);

Bytes rp_hash(std::string_view rp) {
  Bytes h(32);
  SHA256(reinterpret_cast<const uint8_t*>(rp.data()), rp.size(), h.data());
  return h;
}

Options options_for(const HostileToken& t, milliseconds timeout = milliseconds(3000)) {
  Options o;
  o.device = t.device();
  o.timeout = timeout;
  return o;
}

Result<Signature> sign_with(const HostileToken& t, uint32_t alg = kAlgEd25519, milliseconds timeout = milliseconds(3000)) {
  Bytes data = to_bytes(view("data to sign"));
  SignRequest r;
  r.alg = alg;
  r.data = data;
  r.application = "ssh:";
  r.key_handle = kKeyHandle;
  r.flags = kUserPresenceRequired;
  return sign(options_for(t, timeout), r);
}

HostileToken::Script answering(std::function<Bytes()> assertion) {
  HostileToken::Script s;
  s.answer = [assertion](uint8_t cmd, ByteView) -> std::optional<Bytes> {
    if (cmd == 0x02) return assertion();
    return std::nullopt;
  };
  return s;
}

TEST(FidoHostileToken, AnHonestAnswerSigns) {
  // The scripted token itself works: a well-formed assertion is accepted.
  HostileToken t(answering([] { return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 0x01, 7, Bytes(64, 9)); }));
  auto s = sign_with(t);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->counter, 7u);
  EXPECT_EQ(s->sig_r, Bytes(64, 9));
}

TEST(FidoHostileToken, WrongLengthEd25519SignatureIsRefused) {
  HostileToken t(answering([] { return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 0x01, 1, Bytes(70, 9)); }));
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::malformed);
}

TEST(FidoHostileToken, GarbageEcdsaSignatureIsRefused) {
  HostileToken t(answering([] { return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 0x01, 1, Bytes(70, 0x30)); }));
  auto s = sign_with(t, kAlgEcdsaP256);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::malformed);
}

TEST(FidoHostileToken, MissingUserPresenceIsRefused) {
  HostileToken t(answering([] { return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 0x00, 1, Bytes(64, 9)); }));
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::denied);
  EXPECT_NE(s.error().message.find("touch"), std::string::npos);
}

TEST(FidoHostileToken, GarbageCborIsAnError) {
  HostileToken t(answering([] { return Bytes{0x00, 0xff, 0xff, 0x13, 0x37}; }));
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
}

TEST(FidoHostileToken, TruncatedCborIsAnError) {
  HostileToken t(answering([] {
    Bytes b = HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 0x01, 1, Bytes(64, 9));
    b.resize(b.size() - 20);
    return b;
  }));
  EXPECT_FALSE(sign_with(t).ok());
}

TEST(FidoHostileToken, EmptyAnswerIsAnError) {
  HostileToken t(answering([] { return Bytes{}; }));
  EXPECT_FALSE(sign_with(t).ok());
}

TEST(FidoHostileToken, CtapErrorStatusIsMapped) {
  HostileToken t(answering([] { return Bytes{0x2E}; }));
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
}

TEST(FidoHostileToken, KeepalivesForeverEndWithCancelAtTheDeadline) {
  HostileToken::Script sc;
  sc.keepalive_forever = true;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(400));
  long took = ms_since(t0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_EQ(t.cancels(), 1);
  EXPECT_GE(took, 350);
  EXPECT_LT(took, 3000);
}

TEST(FidoHostileToken, TokenIgnoringCancelStillCannotHangUs) {
  HostileToken::Script sc;
  sc.keepalive_forever = true;
  sc.honour_cancel = false;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(200));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_GE(t.cancels(), 1);
  EXPECT_LT(ms_since(t0), 15000);  // libfido2's own limit (timeout + 5 s) ends the read
}

TEST(FidoHostileToken, SilentTokenEndsAtTheDeadline) {
  HostileToken::Script sc;
  sc.silent = true;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(200));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_LT(ms_since(t0), 15000);
}

TEST(FidoHostileToken, HangingUpMidAnswerIsAnError) {
  HostileToken::Script sc = answering([] { return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 1, 1, Bytes(64, 9)); });
  sc.close_mid_reply = true;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(ms_since(t0), 10000);
}

TEST(FidoHostileToken, ClaimedLengthThatNeverComesEndsAtTheDeadline) {
  HostileToken::Script sc = answering([] { return Bytes{0x00, 0xA0}; });
  sc.claimed_length = 1500;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(300));
  ASSERT_FALSE(s.ok());
  EXPECT_LT(ms_since(t0), 15000);
  HostileToken::Script huge = answering([] { return Bytes{0x00, 0xA0}; });
  huge.claimed_length = 0xffff;  // more than any CTAP message
  HostileToken t2(huge);
  EXPECT_FALSE(sign_with(t2, kAlgEd25519, milliseconds(300)).ok());
}

TEST(FidoHostileToken, WrongNonceMeansNoDevice) {
  HostileToken::Script sc;
  sc.bad_nonce = true;
  HostileToken t(sc);
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_EQ(t.requests(), 0);
}

TEST(FidoHostileToken, EnrollAgainstGarbageFails) {
  HostileToken::Script sc;
  sc.answer = [](uint8_t cmd, ByteView) -> std::optional<Bytes> {
    if (cmd == 0x01) return Bytes{0x00, 0xA3, 0x01, 0x64, 'n', 'o', 'n', 'e', 0x02, 0x41, 0x00, 0x03, 0xA0};
    return std::nullopt;
  };
  HostileToken t(sc);
  Bytes chal(32, 1);
  EnrollRequest r;
  r.challenge = chal;
  auto k = enroll(options_for(t), r);
  ASSERT_FALSE(k.ok());
}

TEST(FidoHostileToken, EnrollErrorsKeepTheirMeaning) {
  for (auto [status, code] : {std::pair{uint8_t(0x19), Errc::exists}, std::pair{uint8_t(0x2B), Errc::unsupported},
                              std::pair{uint8_t(0x36), Errc::pin_required}, std::pair{uint8_t(0x2F), Errc::timeout}}) {
    HostileToken::Script sc;
    sc.answer = [s = status](uint8_t cmd, ByteView) -> std::optional<Bytes> {
      if (cmd == 0x01) return Bytes{s};
      return std::nullopt;
    };
    HostileToken t(sc);
    Bytes chal(32, 1);
    EnrollRequest r;
    r.challenge = chal;
    auto k = enroll(options_for(t), r);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.error().code, code) << int(status) << ": " << k.error().message;
  }
}

TEST(FidoHostileToken, ResidentKeysFromATokenWithoutCredentialManagement) {
  HostileToken t(HostileToken::Script{});  // getInfo names no credMgmt
  auto keys = load_resident_keys(options_for(t), "1234");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, Errc::unsupported);
}

}  // namespace
}  // namespace skagent::fido::testing
