// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sk_provider.h"

#include <dlfcn.h>

#include <cstdlib>

#include "fido/sk_abi.h"
#include "platform/elf_exports.h"

namespace skagent {

namespace {

Error provider_error(int rc) {
  switch (rc) {
    case fido::kSkErrUnsupported:
      return make_error(Errc::unsupported, "provider: unsupported option or algorithm");
    case fido::kSkErrPinRequired:
      return make_error(Errc::pin_required, "provider: PIN required");
    case fido::kSkErrDeviceNotFound:
      return make_error(Errc::not_found, "provider: security key not found");
    case fido::kSkErrCredentialExists:
      return make_error(Errc::exists, "provider: credential exists");
    default:
      return make_error(Errc::internal, "provider: signature failed (" + std::to_string(rc) + ")");
  }
}

void free_response(sk_sign_response* r) {
  if (r == nullptr) return;
  free(r->sig_r);
  free(r->sig_s);
  free(r);
}

}  // namespace

Result<void*> open_sk_provider_library(const std::string& path) {
  auto loaded =
      dlopen_exporting(path, {"sk_api_version", "sk_enroll", "sk_sign", "sk_load_resident_keys"},
                       RTLD_NOW | RTLD_LOCAL);
  if (!loaded) return make_error(loaded.error().code, "provider: " + loaded.error().message);
  void* dl = *loaded;
  auto version = reinterpret_cast<uint32_t (*)()>(dlsym(dl, "sk_api_version"));
  if (version == nullptr || !fido::sk_api_compatible(version())) {
    dlclose(dl);
    return make_error(Errc::unsupported,
                      "provider " + path + " has an incompatible sk-api version");
  }
  return dl;
}

Result<SkProvider> SkProvider::load(const std::string& path) {
  auto loaded = open_sk_provider_library(path);
  if (!loaded) return loaded.error();
  void* dl = *loaded;
  auto sign = reinterpret_cast<SignFn>(dlsym(dl, "sk_sign"));
  if (sign == nullptr) {
    dlclose(dl);
    return make_error(Errc::unsupported, "provider " + path + " lacks sk_sign");
  }
  SkProvider p;
  p.sign_ = sign;
  return p;
}

Result<SkSignResult> SkProvider::sign(const SkSignRequest& req) const {
  void* no_options[1] = {nullptr};
  sk_sign_response* resp = nullptr;
  int rc = sign_(req.alg, req.data.data(), req.data.size(), req.application.c_str(),
                 req.key_handle.data(), req.key_handle.size(), req.flags,
                 req.pin.empty() ? nullptr : req.pin.c_str(), no_options,
                 reinterpret_cast<void**>(&resp));
  if (rc != 0 || resp == nullptr) {
    free_response(resp);
    return provider_error(rc);
  }
  SkSignResult out;
  out.flags = resp->flags;
  out.counter = resp->counter;
  if (resp->sig_r != nullptr) out.sig_r.assign(resp->sig_r, resp->sig_r + resp->sig_r_len);
  if (resp->sig_s != nullptr) out.sig_s.assign(resp->sig_s, resp->sig_s + resp->sig_s_len);
  free_response(resp);
  return out;
}

}  // namespace skagent
