// SPDX-License-Identifier: BSD-2-Clause
// The volatile half of PIN handling (lost at power-up, as on a real token):
// the key-agreement key, the current pinUvAuthToken with its permissions and
// RP binding, and the count of consecutive wrong PINs (3 = auth blocked until
// the next power cycle).
#pragma once

#include <cstdint>
#include <string>

#include "vtoken/crypto.h"
#include "vtoken/pin_protocol.h"

namespace skagent::vtoken {

namespace permission {
inline constexpr uint8_t kMakeCredential = 0x01;
inline constexpr uint8_t kGetAssertion = 0x02;
inline constexpr uint8_t kCredentialManagement = 0x04;
inline constexpr uint8_t kBioEnrollment = 0x08;
inline constexpr uint8_t kLargeBlobWrite = 0x10;
inline constexpr uint8_t kAuthenticatorConfig = 0x20;
}  // namespace permission

inline constexpr int kMaxConsecutivePinFailures = 3;

class PinSession {
 public:
  PinSession() { power_up(); }
  // A new key-agreement key, no valid token, failures forgotten.
  void power_up();
  void regenerate_key_agreement();
  EVP_PKEY* key_agreement() const { return key_agreement_.get(); }
  Result<CoseKey> key_agreement_public() const;

  // A fresh token with these permissions (CTAP 2.1 resetPinUvAuthToken +
  // beginUsingPinUvAuthToken). rp_id empty: not bound yet.
  const Bytes& issue_token(uint8_t permissions, std::string rp_id);
  void invalidate_token();

  // Checks pinUvAuthParam over `message` against the current token, the
  // permission bit, and the RP binding (binding it on first use). Returns a
  // CTAP status.
  uint8_t check(const PinProtocol& protocol, ByteView param, ByteView message, uint8_t permission,
                const std::string& rp_id);

  bool auth_blocked() const { return consecutive_failures_ >= kMaxConsecutivePinFailures; }
  void record_failure() { consecutive_failures_++; }
  void record_success() { consecutive_failures_ = 0; }

 private:
  Pkey key_agreement_;
  Bytes token_;
  bool token_valid_ = false;
  uint8_t permissions_ = 0;
  std::string rp_id_;
  int consecutive_failures_ = 0;
};

}  // namespace skagent::vtoken
