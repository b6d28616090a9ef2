// SPDX-License-Identifier: BSD-2-Clause
// Helpers for the fido/ end-to-end tests: options naming virtual tokens, and
// checking a signature the way sshd does (ssh/'s verify_signature on the sk
// signature blob).
#pragma once

#include <gtest/gtest.h>

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

}  // namespace skagent::fido::testing
