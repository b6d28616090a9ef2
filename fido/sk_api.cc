// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sk_api.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>

#include "fido/device.h"
#include "fido/enroll.h"
#include "fido/options.h"
#include "fido/resident_keys.h"
#include "fido/sign.h"

namespace skagent::fido {

namespace {

constexpr size_t kUserIdSize = 32;  // OpenSSH: the "user" option fills a 32-byte id

// What the environment says to this library. libskagent-sk.so is loaded by ssh, ssh-add,
// ssh-keygen and ssh-agent (SSH_SK_PROVIDER): it has no main of its own, so each sk_* entry
// point below reads its environment once, here, and passes the values down. This is the one
// documented exception to "getenv only in a program's main" (tests/integration/no_getenv.sh).
struct LibrarySettings {
  DeviceSources sources;  // $SKAGENT_VTOKEN's virtual tokens, plus USB and PC/SC
  bool debug = false;     // $SKAGENT_SK_DEBUG: routine errors on stderr too
};

LibrarySettings library_settings() {
  LibrarySettings s;
  s.sources = device_sources(getenv("SKAGENT_VTOKEN"));
  s.debug = getenv("SKAGENT_SK_DEBUG") != nullptr;
  set_fido_debug(getenv("SKAGENT_FIDO_DEBUG") != nullptr);
  return s;
}

Options middleware_options(const LibrarySettings& ls, const ProviderOptions& po) {
  Options o;
  o.device = po.device;
  o.sources = ls.sources;
  return o;
}

// Errors a person should see (a wrong PIN's tries left, a blocked PIN, a
// timeout) go to stderr: the ABI itself carries only a code. Routine ones
// (a PIN is needed, this token lacks the key) stay quiet unless debugging.
int report(const LibrarySettings& ls, const Error& e) {
  if ((e.code != Errc::pin_required && e.code != Errc::not_found) || ls.debug) {
    fprintf(stderr, "libskagent-sk: %s\n", e.message.c_str());
  }
  return sk_error_code(e);
}

// malloc'd copies: OpenSSH frees what it is given with free().
uint8_t* dup_bytes(ByteView b, size_t* len) {
  *len = 0;
  if (b.empty()) return nullptr;
  auto* p = static_cast<uint8_t*>(malloc(b.size()));
  if (p == nullptr) throw std::bad_alloc();
  memcpy(p, b.data(), b.size());
  *len = b.size();
  return p;
}

void fill_enroll(sk_enroll_response* r, const EnrolledKey& k) {
  r->flags = k.flags;
  r->public_key = dup_bytes(k.public_key, &r->public_key_len);
  r->key_handle = dup_bytes(k.key_handle, &r->key_handle_len);
  r->signature = dup_bytes(k.signature, &r->signature_len);
  r->attestation_cert = dup_bytes(k.attestation_cert, &r->attestation_cert_len);
  r->authdata = dup_bytes(k.authdata, &r->authdata_len);
}

int do_enroll(const LibrarySettings& ls, uint32_t alg, const uint8_t* challenge,
              size_t challenge_len, const char* application, uint8_t flags, const char* pin,
              sk_option** options, sk_enroll_response** out) {
  if (out == nullptr || application == nullptr || (challenge == nullptr && challenge_len != 0))
    return kSkErrGeneral;
  *out = nullptr;
  auto po = parse_provider_options(options);
  if (!po) return report(ls, po.error());
  EnrollRequest req;
  req.alg = alg;
  req.challenge = ByteView(challenge, challenge_len);
  req.application = application;
  req.flags = flags;
  req.user_id = po->user_id;
  req.pin = pin;
  auto k = enroll(middleware_options(ls, *po), req);
  if (!k) return report(ls, k.error());
  auto* r = static_cast<sk_enroll_response*>(calloc(1, sizeof(sk_enroll_response)));
  if (r == nullptr) return kSkErrGeneral;
  try {
    fill_enroll(r, *k);
  } catch (...) {
    free_enroll_response(r);
    return kSkErrGeneral;
  }
  *out = r;
  return 0;
}

int do_sign(const LibrarySettings& ls, uint32_t alg, const uint8_t* data, size_t data_len,
            const char* application, const uint8_t* key_handle, size_t key_handle_len,
            uint8_t flags, const char* pin, sk_option** options, sk_sign_response** out) {
  if (out == nullptr || application == nullptr || key_handle == nullptr ||
      (data == nullptr && data_len != 0)) {
    return kSkErrGeneral;
  }
  *out = nullptr;
  auto po = parse_provider_options(options);
  if (!po) return report(ls, po.error());
  SignRequest req;
  req.alg = alg;
  req.data = ByteView(data, data_len);
  req.application = application;
  req.key_handle = ByteView(key_handle, key_handle_len);
  req.flags = flags;
  req.pin = pin;
  auto s = sign(middleware_options(ls, *po), req);
  if (!s) return report(ls, s.error());
  auto* r = static_cast<sk_sign_response*>(calloc(1, sizeof(sk_sign_response)));
  if (r == nullptr) return kSkErrGeneral;
  try {
    r->flags = s->flags;
    r->counter = s->counter;
    r->sig_r = dup_bytes(s->sig_r, &r->sig_r_len);
    r->sig_s = dup_bytes(s->sig_s, &r->sig_s_len);
  } catch (...) {
    free_sign_response(r);
    return kSkErrGeneral;
  }
  *out = r;
  return 0;
}

sk_resident_key* to_c(const ResidentKey& k) {
  auto* r = static_cast<sk_resident_key*>(calloc(1, sizeof(sk_resident_key)));
  if (r == nullptr) throw std::bad_alloc();
  try {
    r->alg = k.alg;
    r->slot = k.slot;
    r->flags = k.flags;
    r->application = strdup(k.application.c_str());
    if (r->application == nullptr) throw std::bad_alloc();
    fill_enroll(&r->key, k.key);
    r->user_id = dup_bytes(k.user_id, &r->user_id_len);
  } catch (...) {
    free_resident_key(r);
    throw;
  }
  return r;
}

int do_load_resident(const LibrarySettings& ls, const char* pin, sk_option** options,
                     sk_resident_key*** rks, size_t* nrks) {
  if (rks == nullptr || nrks == nullptr) return kSkErrGeneral;
  *rks = nullptr;
  *nrks = 0;
  auto po = parse_provider_options(options);
  if (!po) return report(ls, po.error());
  auto keys = load_resident_keys(middleware_options(ls, *po), pin);
  if (!keys) return report(ls, keys.error());
  auto** arr = static_cast<sk_resident_key**>(calloc(keys->size() + 1, sizeof(sk_resident_key*)));
  if (arr == nullptr) return kSkErrGeneral;
  size_t n = 0;
  try {
    for (const auto& k : *keys) arr[n++] = to_c(k);
  } catch (...) {
    for (size_t i = 0; i < n; i++) free_resident_key(arr[i]);
    free(arr);
    return kSkErrGeneral;
  }
  *rks = arr;
  *nrks = n;
  return 0;
}

}  // namespace

Result<ProviderOptions> parse_provider_options(sk_option** options) {
  ProviderOptions po;
  for (size_t i = 0; options != nullptr && options[i] != nullptr; i++) {
    const sk_option* opt = options[i];
    std::string name = opt->name != nullptr ? opt->name : "";
    const char* value = opt->value != nullptr ? opt->value : "";
    if (name == "device") {
      po.device = value;
    } else if (name == "user") {
      size_t n = strlen(value);
      if (n >= kUserIdSize) {
        return make_error(Errc::limit, "the \"user\" option is " + std::to_string(n) +
                                           " bytes: it must be under " +
                                           std::to_string(kUserIdSize));
      }
      po.user_id.assign(kUserIdSize, 0);
      memcpy(po.user_id.data(), value, n);
    } else if (opt->required) {
      return make_error(Errc::unsupported, "unsupported option \"" + name +
                                               "\" (this provider knows \"device\" and \"user\")");
    }
  }
  return po;
}

int sk_error_code(const Error& e) {
  switch (e.code) {
    case Errc::unsupported:
      return kSkErrUnsupported;
    case Errc::pin_required:
    case Errc::pin_invalid:
      return kSkErrPinRequired;
    case Errc::not_found:
      return kSkErrDeviceNotFound;
    case Errc::exists:
      return kSkErrCredentialExists;
    default:
      return kSkErrGeneral;
  }
}

}  // namespace skagent::fido

extern "C" {

uint32_t sk_api_version(void) { return skagent::fido::kSkApiVersion; }

int sk_enroll(uint32_t alg, const uint8_t* challenge, size_t challenge_len, const char* application,
              uint8_t flags, const char* pin, struct sk_option** options,
              struct sk_enroll_response** enroll_response) {
  try {
    return skagent::fido::do_enroll(skagent::fido::library_settings(), alg, challenge,
                                    challenge_len, application, flags, pin, options,
                                    enroll_response);
  } catch (...) {
    return skagent::fido::kSkErrGeneral;
  }
}

int sk_sign(uint32_t alg, const uint8_t* data, size_t data_len, const char* application,
            const uint8_t* key_handle, size_t key_handle_len, uint8_t flags, const char* pin,
            struct sk_option** options, struct sk_sign_response** sign_response) {
  try {
    return skagent::fido::do_sign(skagent::fido::library_settings(), alg, data, data_len,
                                  application, key_handle, key_handle_len, flags, pin, options,
                                  sign_response);
  } catch (...) {
    return skagent::fido::kSkErrGeneral;
  }
}

int sk_load_resident_keys(const char* pin, struct sk_option** options,
                          struct sk_resident_key*** rks, size_t* nrks) {
  try {
    return skagent::fido::do_load_resident(skagent::fido::library_settings(), pin, options, rks,
                                           nrks);
  } catch (...) {
    return skagent::fido::kSkErrGeneral;
  }
}

}  // extern "C"
