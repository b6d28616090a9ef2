// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH's SecurityKeyProvider ABI (sk-api.h, API 0x000a0000), exported by
// libskagent-sk.so on top of fido/, so ssh, ssh-keygen, ssh-add and
// ssh-agent can use the middleware: SSH_SK_PROVIDER, ssh-keygen -w, ssh-add -S.
// Options: "device" (a path as fido/device.h names them) and "user" (the user
// id for a new key, under 32 bytes); an unknown option marked required fails
// the call. $SKAGENT_VTOKEN names virtual tokens (fido/options.h).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fido/sk_abi.h"
#include "base/bytes.h"
#include "base/error.h"

extern "C" {

uint32_t sk_api_version(void);
int sk_enroll(uint32_t alg, const uint8_t* challenge, size_t challenge_len, const char* application,
              uint8_t flags, const char* pin, struct sk_option** options,
              struct sk_enroll_response** enroll_response);
int sk_sign(uint32_t alg, const uint8_t* data, size_t data_len, const char* application,
            const uint8_t* key_handle, size_t key_handle_len, uint8_t flags, const char* pin,
            struct sk_option** options, struct sk_sign_response** sign_response);
int sk_load_resident_keys(const char* pin, struct sk_option** options,
                          struct sk_resident_key*** rks, size_t* nrks);

}  // extern "C"

namespace skagent::fido {

struct ProviderOptions {
  std::string device;  // empty: find one
  Bytes user_id;       // empty: the default (32 zero bytes)
};

// The options array (NULL-terminated; may itself be NULL).
Result<ProviderOptions> parse_provider_options(struct sk_option** options);

// The sk-api code for one of our errors. A wrong PIN is "PIN required" (the
// caller asks again), as OpenSSH's own middleware reports it.
int sk_error_code(const Error& e);

}  // namespace skagent::fido
