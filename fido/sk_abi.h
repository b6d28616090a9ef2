// SPDX-License-Identifier: BSD-2-Clause
// The layouts and codes of OpenSSH's SecurityKeyProvider ABI (sk-api.h, API
// 0x000a0000): what libskagent-sk.so exports (fido/sk_api.h) and what the
// loaders of a provider library use (fido/sk_provider.cc, keygen/).
#pragma once

#include <cstddef>
#include <cstdint>

extern "C" {

// The layouts of OpenSSH's sk-api.h, stable for API major 0x000a.
struct sk_enroll_response {
  uint8_t flags;
  uint8_t* public_key;
  size_t public_key_len;
  uint8_t* key_handle;
  size_t key_handle_len;
  uint8_t* signature;
  size_t signature_len;
  uint8_t* attestation_cert;
  size_t attestation_cert_len;
  uint8_t* authdata;
  size_t authdata_len;
};

struct sk_sign_response {
  uint8_t flags;
  uint32_t counter;
  uint8_t* sig_r;
  size_t sig_r_len;
  uint8_t* sig_s;
  size_t sig_s_len;
};

struct sk_resident_key {
  uint32_t alg;
  size_t slot;
  char* application;
  struct sk_enroll_response key;
  uint8_t flags;
  uint8_t* user_id;
  size_t user_id_len;
};

struct sk_option {
  char* name;
  char* value;
  uint8_t required;
};

}  // extern "C"

namespace skagent::fido {

inline constexpr uint32_t kSkApiVersion = 0x000a0000;

// sk-api error codes.
inline constexpr int kSkErrGeneral = -1;
inline constexpr int kSkErrUnsupported = -2;
inline constexpr int kSkErrPinRequired = -3;
inline constexpr int kSkErrDeviceNotFound = -4;
inline constexpr int kSkErrCredentialExists = -5;

// Whether a provider's sk_api_version() is one whose layouts these are.
inline bool sk_api_compatible(uint32_t version) { return (version & 0xffff0000) == kSkApiVersion; }

}  // namespace skagent::fido
