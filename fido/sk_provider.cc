// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sk_provider.h"

#include <dlfcn.h>

#include <cstdlib>

#include "fido/sk_abi.h"
#include "platform/elf_exports.h"

namespace skagent {

namespace {

Bytes copy(const uint8_t* p, size_t n) { return p == nullptr ? Bytes{} : Bytes(p, p + n); }

// NULL-terminated option list pointing into `options`, as sk-api.h passes them.
class OptionList {
 public:
  explicit OptionList(const SkProviderOptions& options) {
    opts_.reserve(options.size());
    for (const auto& [name, value] : options) {
      opts_.push_back(
          sk_option{const_cast<char*>(name.c_str()), const_cast<char*>(value.c_str()), 0});
    }
    for (auto& o : opts_) ptrs_.push_back(&o);
    ptrs_.push_back(nullptr);
  }
  void** get() { return reinterpret_cast<void**>(ptrs_.data()); }

 private:
  std::vector<sk_option> opts_;
  std::vector<sk_option*> ptrs_;
};

// A std::string or a Secret: the provider takes no PIN as NULL.
template <class Pin>
const char* pin_or_null(const Pin& pin) {
  return pin.empty() ? nullptr : pin.c_str();
}

}  // namespace

Error sk_provider_error(int rc, const std::string& what) {
  switch (rc) {
    case fido::kSkErrUnsupported:
      return make_error(Errc::unsupported, what + ": not supported by the security key");
    // The provider ABI cannot tell a missing PIN from a wrong one.
    case fido::kSkErrPinRequired:
      return make_error(Errc::pin_required, what + ": PIN required or incorrect");
    case fido::kSkErrDeviceNotFound:
      return make_error(Errc::not_found, what + ": no security key found");
    case fido::kSkErrCredentialExists:
      return make_error(Errc::exists, what + ": a resident credential already exists");
    default:
      return make_error(Errc::internal,
                        what + " failed (provider error " + std::to_string(rc) + ")");
  }
}

Result<SkProvider> SkProvider::load(const std::string& path) {
  // The file checked is the file loaded (dlopen_exporting opens it once).
  auto loaded =
      dlopen_exporting(path, {"sk_api_version", "sk_enroll", "sk_sign", "sk_load_resident_keys"},
                       RTLD_NOW | RTLD_LOCAL);
  if (!loaded) return make_error(loaded.error().code, "provider: " + loaded.error().message);
  SkProvider p;
  p.path_ = path;
  p.dl_ = std::shared_ptr<void>(*loaded, [](void* dl) { dlclose(dl); });
  auto version = reinterpret_cast<uint32_t (*)()>(dlsym(*loaded, "sk_api_version"));
  p.sign_ = reinterpret_cast<SignFn>(dlsym(*loaded, "sk_sign"));
  p.enroll_ = reinterpret_cast<EnrollFn>(dlsym(*loaded, "sk_enroll"));
  p.load_resident_ = reinterpret_cast<LoadResidentFn>(dlsym(*loaded, "sk_load_resident_keys"));
  if (version == nullptr || p.sign_ == nullptr || p.enroll_ == nullptr ||
      p.load_resident_ == nullptr) {
    return make_error(Errc::unsupported, "provider " + path + " is not a SecurityKeyProvider");
  }
  if (!fido::sk_api_compatible(version())) {
    return make_error(Errc::unsupported,
                      "provider " + path + " has an incompatible sk-api version");
  }
  return p;
}

Result<SkSignResult> SkProvider::sign(const SkSignRequest& req) const {
  OptionList no_options({});
  sk_sign_response* resp = nullptr;
  int rc = sign_(req.alg, req.data.data(), req.data.size(), req.application.c_str(),
                 req.key_handle.data(), req.key_handle.size(), req.flags, pin_or_null(req.pin),
                 no_options.get(), reinterpret_cast<void**>(&resp));
  if (rc != 0 || resp == nullptr) {
    fido::free_sign_response(resp);
    return sk_provider_error(rc == 0 ? fido::kSkErrGeneral : rc, "provider: signature");
  }
  SkSignResult out;
  out.flags = resp->flags;
  out.counter = resp->counter;
  out.sig_r = copy(resp->sig_r, resp->sig_r_len);
  out.sig_s = copy(resp->sig_s, resp->sig_s_len);
  fido::free_sign_response(resp);
  return out;
}

Result<SkProviderEnrollment> SkProvider::enroll(uint32_t alg, ByteView challenge,
                                                const std::string& application, uint8_t flags,
                                                const std::string& pin,
                                                const SkProviderOptions& options) const {
  OptionList opts(options);
  sk_enroll_response* resp = nullptr;
  int rc = enroll_(alg, challenge.data(), challenge.size(), application.c_str(), flags,
                   pin_or_null(pin), opts.get(), reinterpret_cast<void**>(&resp));
  if (rc != 0 || resp == nullptr) {
    fido::free_enroll_response(resp);
    return sk_provider_error(rc == 0 ? fido::kSkErrGeneral : rc, "enrollment");
  }
  SkProviderEnrollment out;
  out.flags = resp->flags;
  out.public_key = copy(resp->public_key, resp->public_key_len);
  out.key_handle = copy(resp->key_handle, resp->key_handle_len);
  out.signature = copy(resp->signature, resp->signature_len);
  out.attestation_cert = copy(resp->attestation_cert, resp->attestation_cert_len);
  out.authdata = copy(resp->authdata, resp->authdata_len);
  fido::free_enroll_response(resp);
  return out;
}

Result<std::vector<SkProviderResidentKey>> SkProvider::load_resident_keys(
    const std::string& pin, const SkProviderOptions& options) const {
  OptionList opts(options);
  sk_resident_key** rks = nullptr;
  size_t n = 0;
  int rc = load_resident_(pin_or_null(pin), opts.get(), reinterpret_cast<void**>(&rks), &n);
  if (rc != 0) return sk_provider_error(rc, "loading resident keys");
  std::vector<SkProviderResidentKey> out;
  for (size_t i = 0; i < n && rks != nullptr; i++) {
    sk_resident_key* rk = rks[i];
    if (rk == nullptr) continue;
    SkProviderResidentKey k;
    k.alg = rk->alg;
    k.application = rk->application != nullptr ? rk->application : "";
    k.flags = rk->flags;
    k.user_id = copy(rk->user_id, rk->user_id_len);
    k.public_key = copy(rk->key.public_key, rk->key.public_key_len);
    k.key_handle = copy(rk->key.key_handle, rk->key.key_handle_len);
    out.push_back(std::move(k));
    fido::free_resident_key(rk);
  }
  free(rks);
  return out;
}

}  // namespace skagent
