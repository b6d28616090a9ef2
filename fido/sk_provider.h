// SPDX-License-Identifier: BSD-2-Clause
// The one loader of an OpenSSH SecurityKeyProvider library (sk-api.h, version 0x000a0000):
// skagent-sk-helper signs through it, skagent-keygen -w enrolls and reads resident keys through
// it. Every buffer the provider returns is wiped before it is freed.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"
#include "fido/sk_helper_protocol.h"

namespace skagent {

// sk_enroll's answer, copied out of the provider's buffers (skagent-keygen's SkEnrollResult).
struct SkProviderEnrollment {
  Bytes public_key;  // Ed25519: 32 bytes; ECDSA: the 65-byte uncompressed point
  Bytes key_handle;
  uint8_t flags = 0;  // the key's flags
  Bytes attestation_cert, signature, authdata;
};

// One of sk_load_resident_keys' keys, copied out of the provider's buffers.
struct SkProviderResidentKey {
  uint32_t alg = 0;  // fido::kAlgEcdsaP256 or fido::kAlgEd25519
  std::string application;
  uint8_t flags = 0;
  Bytes user_id, public_key, key_handle;
};

// The sk_option list a call passes (name, value): "device", "user".
using SkProviderOptions = std::vector<std::pair<std::string, std::string>>;

class SkProvider {
 public:
  // As OpenSSH does since 9.3p2 (CVE-2023-38408): a library that does not export sk_api_version,
  // sk_enroll, sk_sign and sk_load_resident_keys is refused before any of its code runs, and one
  // of another sk-api major version is refused too.
  static Result<SkProvider> load(const std::string& path);

  Result<SkSignResult> sign(const SkSignRequest& req) const;
  Result<SkProviderEnrollment> enroll(uint32_t alg, ByteView challenge,
                                      const std::string& application, uint8_t flags,
                                      const std::string& pin,
                                      const SkProviderOptions& options) const;
  Result<std::vector<SkProviderResidentKey>> load_resident_keys(
      const std::string& pin, const SkProviderOptions& options) const;

  const std::string& path() const { return path_; }

 private:
  using SignFn = int (*)(uint32_t, const uint8_t*, size_t, const char*, const uint8_t*, size_t,
                         uint8_t, const char*, void**, void**);
  using EnrollFn = int (*)(uint32_t, const uint8_t*, size_t, const char*, uint8_t, const char*,
                           void**, void**);
  using LoadResidentFn = int (*)(const char*, void**, void**, size_t*);

  std::string path_;
  std::shared_ptr<void> dl_;  // dlclose()d with the last copy
  SignFn sign_ = nullptr;
  EnrollFn enroll_ = nullptr;
  LoadResidentFn load_resident_ = nullptr;
};

// A provider's return code as the project's error: `what` failed, and why.
Error sk_provider_error(int rc, const std::string& what);

}  // namespace skagent
