// SPDX-License-Identifier: BSD-2-Clause
// What skagent-keygen needs from a security key: enroll a credential, read the
// resident credentials, list the tokens. Two implementations: the built-in
// FIDO2 middleware (fido/, keygen/fido_token.cc) and an OpenSSH
// SecurityKeyProvider library loaded with dlopen (keygen/provider_token.cc),
// which is what `-w provider` and $SSH_SK_PROVIDER select, as in ssh-keygen.
//
// Errors use the project's codes: pin_required (a PIN is needed and none was
// given), pin_invalid (wrong PIN; the message says how many tries are left
// when the token tells), pin_blocked, exists (a resident credential for the
// same application and user), not_found (no token), unsupported (the token
// cannot: resident keys, the algorithm, ...), timeout (no touch), denied.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "fido/options.h"
#include "fido/sk_abi.h"
#include "fido/sk_provider.h"
#include "ssh/key.h"

namespace skagent::keygen {

struct SkEnrollRequest {
  KeyType type = KeyType::sk_ed25519;  // sk_ed25519 or sk_ecdsa_p256
  std::string application = "ssh:";
  std::string user;                             // -O user=; empty: the all-zero user id
  uint8_t flags = fido::kUserPresenceRequired;  // fido/sk_abi.h
  Bytes challenge;                              // never empty (the caller makes a random one)
  std::string device;                           // -O device=; empty: any token
  std::string pin;                              // empty: try without
  // Called when the token waits for a touch (or, when that cannot be known,
  // just before the request is sent).
  std::function<void()> on_touch;
};

// What an enrollment gives (the same for both backends): flags, the public key (Ed25519: 32
// bytes; ECDSA: the 65-byte uncompressed point), the key handle, the attestation.
using SkEnrollResult = SkProviderEnrollment;

struct SkResidentCredential {
  KeyType type = KeyType::sk_ed25519;
  std::string application;
  Bytes user_id;
  Bytes public_key;
  Bytes key_handle;
  bool verify_required = false;  // credProtect says UV is needed
  std::string device;            // the token it came from, when known
};

struct SkDeviceInfo {
  std::string path;
  std::string transport;  // "usb", "nfc", "pcsc", "virtual"
  std::string model;      // manufacturer and product, as the token names itself
  std::optional<bool> pin_set;
  std::optional<bool> resident_keys;      // supports resident credentials
  std::optional<uint64_t> resident_free;  // room left for resident credentials
};

class SkToken {
 public:
  virtual ~SkToken() = default;
  // A short name for messages ("the built-in FIDO2 middleware", a path).
  virtual std::string name() const = 0;
  virtual Result<SkEnrollResult> enroll(const SkEnrollRequest& req) = 0;
  // Every resident credential (any application) of `device`, or of every
  // token when `device` is empty.
  virtual Result<std::vector<SkResidentCredential>> load_resident(const std::string& device,
                                                                  const std::string& pin) = 0;
  virtual Result<std::vector<SkDeviceInfo>> list_devices() = 0;
};

// "internal" (or empty): the built-in middleware, finding tokens in `sources`
// (main's $SKAGENT_VTOKEN); otherwise a provider path.
Result<std::unique_ptr<SkToken>> open_sk_token(const std::string& provider,
                                               const fido::DeviceSources& sources);

// The OpenSSH SecurityKeyProvider backend, for a library path.
Result<std::unique_ptr<SkToken>> open_provider_token(const std::string& path);

// The built-in FIDO2 middleware backend.
Result<std::unique_ptr<SkToken>> open_fido_token(fido::DeviceSources sources);

}  // namespace skagent::keygen
