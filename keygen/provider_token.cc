// SPDX-License-Identifier: BSD-2-Clause
// SkToken over an OpenSSH SecurityKeyProvider library (sk-api.h, API 0x000a0000),
// the way ssh-keygen -w uses one: sk_enroll and sk_load_resident_keys, through the one
// provider loader (fido/sk_provider.h).
#include <string>
#include <vector>

#include "fido/sk_abi.h"
#include "fido/sk_provider.h"
#include "keygen/sk_token.h"

namespace skagent::keygen {

namespace {

class ProviderToken : public SkToken {
 public:
  explicit ProviderToken(SkProvider provider) : provider_(std::move(provider)) {}

  std::string name() const override { return "provider " + provider_.path(); }

  Result<SkEnrollResult> enroll(const SkEnrollRequest& req) override {
    uint32_t alg = req.type == KeyType::sk_ecdsa_p256 ? fido::kAlgEcdsaP256 : fido::kAlgEd25519;
    SkProviderOptions opts;
    if (!req.device.empty()) opts.emplace_back("device", req.device);
    if (!req.user.empty()) opts.emplace_back("user", req.user);
    if (req.on_touch) req.on_touch();
    return provider_.enroll(alg, req.challenge, req.application, req.flags, req.pin, opts);
  }

  Result<std::vector<SkResidentCredential>> load_resident(const std::string& device,
                                                          const std::string& pin) override {
    SkProviderOptions opts;
    if (!device.empty()) opts.emplace_back("device", device);
    auto keys = provider_.load_resident_keys(pin, opts);
    if (!keys) return keys.error();
    std::vector<SkResidentCredential> out;
    for (auto& k : *keys) {
      if (k.alg != fido::kAlgEcdsaP256 && k.alg != fido::kAlgEd25519) continue;
      SkResidentCredential c;
      c.type = k.alg == fido::kAlgEcdsaP256 ? KeyType::sk_ecdsa_p256 : KeyType::sk_ed25519;
      c.application = std::move(k.application);
      c.user_id = std::move(k.user_id);
      c.public_key = std::move(k.public_key);
      c.key_handle = std::move(k.key_handle);
      c.verify_required = (k.flags & fido::kUserVerificationRequired) != 0;
      c.device = device;
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<std::vector<SkDeviceInfo>> list_devices() override {
    return make_error(Errc::unsupported,
                      "a SecurityKeyProvider library cannot list devices; use the built-in "
                      "middleware (no -w / SSH_SK_PROVIDER)");
  }

 private:
  SkProvider provider_;
};

}  // namespace

Result<std::unique_ptr<SkToken>> open_provider_token(const std::string& path) {
  auto provider = SkProvider::load(path);
  if (!provider) return provider.error();
  return std::unique_ptr<SkToken>(new ProviderToken(std::move(*provider)));
}

}  // namespace skagent::keygen
