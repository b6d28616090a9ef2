// SPDX-License-Identifier: BSD-2-Clause
// The layouts and codes of OpenSSH's SecurityKeyProvider ABI (sk-api.h, API
// 0x000a0000): the one place for them. What libskagent-sk.so exports (fido/sk_api.h), the
// provider loader (fido/sk_provider.cc), fido/ and keygen/ use them; the top part is C, so a
// provider written in C (tests/agent/sk_pin_provider.c) includes it too.
#ifndef SKAGENT_FIDO_SK_ABI_H
#define SKAGENT_FIDO_SK_ABI_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* sk-api.h's version, error codes, algorithms and key/request flags, by OpenSSH's names. */
enum {
  SSH_SK_VERSION_MAJOR = 0x000a0000,
  SSH_SK_ERR_GENERAL = -1,
  SSH_SK_ERR_UNSUPPORTED = -2,
  SSH_SK_ERR_PIN_REQUIRED = -3,
  SSH_SK_ERR_DEVICE_NOT_FOUND = -4,
  SSH_SK_ERR_CREDENTIAL_EXISTS = -5,
  SSH_SK_ECDSA = 0x00,
  SSH_SK_ED25519 = 0x01,
  SSH_SK_USER_PRESENCE_REQD = 0x01,
  SSH_SK_USER_VERIFICATION_REQD = 0x04,
  SSH_SK_FORCE_OPERATION = 0x10,
  SSH_SK_RESIDENT_KEY = 0x20,
};

/* The layouts of OpenSSH's sk-api.h, stable for API major 0x000a. */
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

#ifdef __cplusplus
}  // extern "C"

namespace skagent::fido {

inline constexpr uint32_t kSkApiVersion = SSH_SK_VERSION_MAJOR;

// sk-api error codes.
inline constexpr int kSkErrGeneral = SSH_SK_ERR_GENERAL;
inline constexpr int kSkErrUnsupported = SSH_SK_ERR_UNSUPPORTED;
inline constexpr int kSkErrPinRequired = SSH_SK_ERR_PIN_REQUIRED;
inline constexpr int kSkErrDeviceNotFound = SSH_SK_ERR_DEVICE_NOT_FOUND;
inline constexpr int kSkErrCredentialExists = SSH_SK_ERR_CREDENTIAL_EXISTS;

// Algorithms.
inline constexpr uint32_t kAlgEcdsaP256 = SSH_SK_ECDSA;
inline constexpr uint32_t kAlgEd25519 = SSH_SK_ED25519;

// Key and request flags.
inline constexpr uint8_t kUserPresenceRequired = SSH_SK_USER_PRESENCE_REQD;
inline constexpr uint8_t kUserVerificationRequired = SSH_SK_USER_VERIFICATION_REQD;
inline constexpr uint8_t kForceOperation = SSH_SK_FORCE_OPERATION;
inline constexpr uint8_t kResidentKey = SSH_SK_RESIDENT_KEY;

// Whether a provider's sk_api_version() is one whose layouts these are.
inline bool sk_api_compatible(uint32_t version) { return (version & 0xffff0000) == kSkApiVersion; }

// Free a response as sk-api.h hands it over: every buffer malloc'd, wiped here
// before free() (they may hold key handles, user ids and signatures), and the
// struct itself. Null, and fields still null or zero-length, are fine.
void free_enroll_response(sk_enroll_response* r);
void free_sign_response(sk_sign_response* r);
void free_resident_key(sk_resident_key* rk);

}  // namespace skagent::fido
#endif  // __cplusplus

#endif  // SKAGENT_FIDO_SK_ABI_H
