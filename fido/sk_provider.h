// SPDX-License-Identifier: BSD-2-Clause
// Loads an OpenSSH SecurityKeyProvider library (sk-api.h, version 0x000a0000)
// and signs through it. Only ever used inside skagent-sk-helper.
#pragma once

#include <string>

#include "fido/sk_helper_protocol.h"
#include "base/error.h"

namespace skagent {

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
