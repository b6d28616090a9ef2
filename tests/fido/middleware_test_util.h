// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the fido/ end-to-end tests: options naming virtual tokens, and
// checking a signature the way sshd does (ssh/'s verify_signature on the sk
// signature blob).
#pragma once

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "fido/enroll.h"
#include "fido/options.h"
#include "fido/pin.h"
#include "fido/sign.h"
#include "ssh/key.h"
#include "base/wire.h"

namespace skagent::fido::testing {

// Options that see only the named virtual tokens (no USB, no PC/SC).
inline Options vtoken_options(
    const std::vector<std::string>& sockets,
    std::chrono::milliseconds timeout = std::chrono::milliseconds(15000)) {
  Options o;
  o.sources.usb = false;
  o.sources.pcsc = false;
  o.sources.vtokens = sockets;
  o.timeout = timeout;
  return o;
}

inline KeyType key_type_of(uint32_t alg) {
  return alg == kAlgEd25519 ? KeyType::sk_ed25519 : KeyType::sk_ecdsa_p256;
}

inline PublicKey public_key_of(uint32_t alg, const EnrolledKey& k, std::string_view application) {
  PublicKey pk;
  pk.type = key_type_of(alg);
  pk.point = k.public_key;
  pk.application = std::string(application);
  return pk;
}

// The SSH signature blob for an sk signature, as the agent builds it.
inline Bytes sk_signature_blob(uint32_t alg, const Signature& s) {
  Writer inner;
  if (alg == kAlgEd25519) {
    inner.raw(s.sig_r);
  } else {
    inner.mpint(s.sig_r);
    inner.mpint(s.sig_s);
  }
  Writer w;
  w.string(key_type_info(key_type_of(alg)).name);
  w.string(inner.bytes());
  w.u8(s.flags);
  w.u32(s.counter);
  return w.take();
}

inline Status verify_sk(uint32_t alg, const EnrolledKey& k, std::string_view application,
                        ByteView data, const Signature& s) {
  return verify_signature(public_key_of(alg, k, application), sk_signature_blob(alg, s), data);
}

// On a token without a PIN: the PIN set to 1234 (a second set refused), changed
// to 5678, 8 tries, then a change with a wrong PIN refused with 7 tries left.
// Callers wrap it in ASSERT_NO_FATAL_FAILURE.
inline void set_change_and_miss_the_pin(const Options& o) {
  ASSERT_TRUE(set_pin(o, "1234").ok());
  EXPECT_FALSE(set_pin(o, "9999").ok());  // already set: change it instead
  ASSERT_TRUE(change_pin(o, "1234", "5678").ok());
  auto r = pin_retries(o);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, 8);
  auto wrong_change = change_pin(o, "0000", "4321");
  ASSERT_FALSE(wrong_change.ok());
  EXPECT_EQ(wrong_change.error().code, Errc::pin_invalid);
  EXPECT_NE(wrong_change.error().message.find("7 tries left"), std::string::npos)
      << wrong_change.error().message;
}

// After set_change_and_miss_the_pin (PIN 5678, 7 tries left), enrolments `er` with the PIN
// 0000: the first is refused with 6 tries left, the second (the third wrong PIN in a row) blocks
// the PIN until the token is power-cycled; then the right PIN starts the count again, and nine
// more wrong ones (three between power cycles) block the PIN for good. Callers wrap it in
// ASSERT_NO_FATAL_FAILURE.
inline void block_the_pin(const Options& o, EnrollRequest er,
                          const std::function<std::string()>& power_cycle) {
  er.pin = "0000";
  auto e1 = enroll(o, er);
  ASSERT_FALSE(e1.ok());
  EXPECT_EQ(e1.error().code, Errc::pin_invalid);
  EXPECT_NE(e1.error().message.find("6 tries left"), std::string::npos) << e1.error().message;
  auto e2 = enroll(o, er);  // the third wrong PIN in a row
  ASSERT_FALSE(e2.ok());
  EXPECT_EQ(e2.error().code, Errc::pin_blocked);
  EXPECT_NE(e2.error().message.find("reinsert"), std::string::npos) << e2.error().message;
  ASSERT_EQ(power_cycle(), "ok");
  er.pin = "5678";
  auto right = enroll(o, er);
  ASSERT_TRUE(right.ok()) << right.error().message;  // and the count starts again
  er.pin = "0000";
  for (int round = 0; round < 3; round++) {
    for (int i = 0; i < 3; i++) (void)enroll(o, er);
    ASSERT_EQ(power_cycle(), "ok");
  }
  // 8 - 9 wrong tries: blocked for good.
  er.pin = "5678";
  auto blocked = enroll(o, er);
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.error().code, Errc::pin_blocked);
  EXPECT_NE(blocked.error().message.find("reset"), std::string::npos) << blocked.error().message;
}

}  // namespace skagent::fido::testing
