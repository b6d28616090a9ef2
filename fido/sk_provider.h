// SPDX-License-Identifier: BSD-2-Clause
// Loads an OpenSSH SecurityKeyProvider library (sk-api.h, version 0x000a0000)
// and signs through it. Only ever used inside skagent-sk-helper (and, for the
// library itself, skagent-keygen -w).
#pragma once

#include <string>

#include "fido/sk_helper_protocol.h"
#include "base/error.h"

namespace skagent {

// dlopen()s the SecurityKeyProvider library `path` (RTLD_NOW | RTLD_LOCAL), as OpenSSH does
// since 9.3p2 (CVE-2023-38408): a library that does not export the sk-api functions is refused
// before any of its code (constructors included) runs, the file checked being the file loaded;
// then its sk_api_version must be compatible. The caller dlclose()s the handle.
Result<void*> open_sk_provider_library(const std::string& path);

class SkProvider {
 public:
  static Result<SkProvider> load(const std::string& path);
  Result<SkSignResult> sign(const SkSignRequest& req) const;

 private:
  using SignFn = int (*)(uint32_t, const uint8_t*, size_t, const char*, const uint8_t*, size_t,
                         uint8_t, const char*, void**, void**);
  SignFn sign_ = nullptr;
};

}  // namespace skagent
