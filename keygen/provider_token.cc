// SPDX-License-Identifier: BSD-2-Clause
// SkToken over an OpenSSH SecurityKeyProvider library (sk-api.h, API 0x000a0000),
// the way ssh-keygen -w uses one: sk_enroll and sk_load_resident_keys.
#include <dlfcn.h>

#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "fido/sk_abi.h"
#include "fido/sk_provider.h"
#include "keygen/sk_token.h"

namespace skagent::keygen {

namespace {

constexpr uint32_t kAlgEcdsa = 0;
constexpr uint32_t kAlgEd25519 = 1;

using EnrollFn = int (*)(uint32_t, const uint8_t*, size_t, const char*, uint8_t, const char*,
                         sk_option**, sk_enroll_response**);
using LoadResidentFn = int (*)(const char*, sk_option**, sk_resident_key***, size_t*);

Error provider_error(int rc, const std::string& what) {
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

Bytes copy(const uint8_t* p, size_t n) { return p == nullptr ? Bytes{} : Bytes(p, p + n); }

void free_wiped(uint8_t* p, size_t n) {
  if (p == nullptr) return;
  secure_wipe(p, n);
  free(p);
}

void free_enroll_fields(sk_enroll_response& r) {
  free_wiped(r.public_key, r.public_key_len);
  free_wiped(r.key_handle, r.key_handle_len);
  free_wiped(r.signature, r.signature_len);
  free_wiped(r.attestation_cert, r.attestation_cert_len);
  free_wiped(r.authdata, r.authdata_len);
}

// NULL-terminated option list owning its strings, as sk-api.h passes them.
class OptionList {
 public:
  void add(const char* name, const std::string& value) {
    names_.push_back(name);
    values_.push_back(value);
  }
  sk_option** get() {
    opts_.clear();
    ptrs_.clear();
    opts_.reserve(names_.size());
    for (size_t i = 0; i < names_.size(); i++) {
      opts_.push_back(sk_option{names_[i].data(), values_[i].data(), 0});
    }
    for (auto& o : opts_) ptrs_.push_back(&o);
    ptrs_.push_back(nullptr);
    return ptrs_.data();
  }

 private:
  std::vector<std::string> names_, values_;
  std::vector<sk_option> opts_;
  std::vector<sk_option*> ptrs_;
};

class ProviderToken : public SkToken {
 public:
  ProviderToken(std::string path, void* dl, EnrollFn enroll_fn, LoadResidentFn load_fn)
      : path_(std::move(path)), dl_(dl), enroll_(enroll_fn), load_(load_fn) {}
  ~ProviderToken() override { dlclose(dl_); }

  std::string name() const override { return "provider " + path_; }

  Result<SkEnrollResult> enroll(const SkEnrollRequest& req) override {
    if (enroll_ == nullptr) return make_error(Errc::unsupported, name() + " has no sk_enroll");
    uint32_t alg = req.type == KeyType::sk_ecdsa_p256 ? kAlgEcdsa : kAlgEd25519;
    OptionList opts;
    if (!req.device.empty()) opts.add("device", req.device);
    if (!req.user.empty()) opts.add("user", req.user);
    if (req.on_touch) req.on_touch();
    sk_enroll_response* resp = nullptr;
    int rc = enroll_(alg, req.challenge.data(), req.challenge.size(), req.application.c_str(),
                     req.flags, req.pin.empty() ? nullptr : req.pin.c_str(), opts.get(), &resp);
    if (rc != 0 || resp == nullptr) {
      if (resp != nullptr) {
        free_enroll_fields(*resp);
        free(resp);
      }
      return provider_error(rc == 0 ? -1 : rc, "enrollment");
    }
    SkEnrollResult out;
    out.public_key = copy(resp->public_key, resp->public_key_len);
    out.key_handle = copy(resp->key_handle, resp->key_handle_len);
    out.flags = resp->flags;
    out.attestation_cert = copy(resp->attestation_cert, resp->attestation_cert_len);
    out.signature = copy(resp->signature, resp->signature_len);
    out.authdata = copy(resp->authdata, resp->authdata_len);
    free_enroll_fields(*resp);
    free(resp);
    return out;
  }

  Result<std::vector<SkResidentCredential>> load_resident(const std::string& device,
                                                          const std::string& pin) override {
    if (load_ == nullptr) {
      return make_error(Errc::unsupported, name() + " has no sk_load_resident_keys");
    }
    OptionList opts;
    if (!device.empty()) opts.add("device", device);
    sk_resident_key** rks = nullptr;
    size_t n = 0;
    int rc = load_(pin.empty() ? nullptr : pin.c_str(), opts.get(), &rks, &n);
    if (rc != 0) return provider_error(rc, "loading resident keys");
    std::vector<SkResidentCredential> out;
    for (size_t i = 0; i < n && rks != nullptr; i++) {
      sk_resident_key* rk = rks[i];
      if (rk == nullptr) continue;
      if (rk->alg == kAlgEcdsa || rk->alg == kAlgEd25519) {
        SkResidentCredential c;
        c.type = rk->alg == kAlgEcdsa ? KeyType::sk_ecdsa_p256 : KeyType::sk_ed25519;
        c.application = rk->application != nullptr ? rk->application : "";
        c.user_id = copy(rk->user_id, rk->user_id_len);
        c.public_key = copy(rk->key.public_key, rk->key.public_key_len);
        c.key_handle = copy(rk->key.key_handle, rk->key.key_handle_len);
        c.verify_required = (rk->flags & kSkUserVerificationRequired) != 0;
        c.device = device;
        out.push_back(std::move(c));
      }
      free(rk->application);
      free_enroll_fields(rk->key);
      free_wiped(rk->user_id, rk->user_id_len);
      free(rk);
    }
    free(rks);
    return out;
  }

  Result<std::vector<SkDeviceInfo>> list_devices() override {
    return make_error(Errc::unsupported,
                      "a SecurityKeyProvider library cannot list devices; use the built-in "
                      "middleware (no -w / SSH_SK_PROVIDER)");
  }

 private:
  std::string path_;
  void* dl_;
  EnrollFn enroll_;
  LoadResidentFn load_;
};

}  // namespace

Result<std::unique_ptr<SkToken>> open_provider_token(const std::string& path) {
  // The same check as the sk helper's: a library that is not a provider never runs.
  auto loaded = open_sk_provider_library(path);
  if (!loaded)
    return make_error(loaded.error().code,
                      "cannot load security key provider " + path + ": " + loaded.error().message);
  void* dl = *loaded;
  auto enroll = reinterpret_cast<EnrollFn>(dlsym(dl, "sk_enroll"));
  auto load = reinterpret_cast<LoadResidentFn>(dlsym(dl, "sk_load_resident_keys"));
  return std::unique_ptr<SkToken>(new ProviderToken(path, dl, enroll, load));
}

}  // namespace skagent::keygen
