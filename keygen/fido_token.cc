// SPDX-License-Identifier: BSD-2-Clause
// SkToken over the built-in FIDO2 middleware (fido/): USB tokens, cards on
// PC/SC readers, and the skagent-vtoken sockets main found in $SKAGENT_VTOKEN.
#include <fido.h>

#include <chrono>
#include <cstring>

#include "fido/device.h"
#include "fido/fido_ptr.h"
#include "fido/device_list.h"
#include "fido/enroll.h"
#include "fido/options.h"
#include "fido/resident_keys.h"
#include "keygen/sk_token.h"

namespace skagent::keygen {

namespace {

// How long --list-devices waits for one token to answer getInfo.
constexpr std::chrono::milliseconds kInfoTimeout{5000};
// OpenSSH's user id: the -O user= text in 32 zero-padded bytes.
constexpr size_t kUserIdSize = 32;

fido::Options options_for(const std::string& device, const fido::DeviceSources& sources) {
  fido::Options o;
  o.device = device;
  o.sources = sources;
  return o;
}

KeyType key_type_of(uint32_t alg) {
  return alg == fido::kAlgEcdsaP256 ? KeyType::sk_ecdsa_p256 : KeyType::sk_ed25519;
}

// Whether the token keeps resident keys, and how many more fit (getInfo).
void add_resident_info(const fido::Device& dev, SkDeviceInfo& info) {
  fido::CborInfoPtr ci(fido_cbor_info_new());
  if (!ci || fido_dev_get_cbor_info(dev.get(), ci.get()) != FIDO_OK) return;
  char** names = fido_cbor_info_options_name_ptr(ci.get());
  const bool* values = fido_cbor_info_options_value_ptr(ci.get());
  bool rk = false;
  for (size_t i = 0; i < fido_cbor_info_options_len(ci.get()); i++) {
    if (names[i] != nullptr && strcmp(names[i], "rk") == 0) rk = values[i];
  }
  info.resident_keys = rk;
  int64_t remaining = fido_cbor_info_rk_remaining(ci.get());
  if (rk && remaining >= 0) info.resident_free = uint64_t(remaining);
}

// A token named with -O device= that cannot be opened is simply not there:
// say that plainly rather than how libfido2 failed to open it.
Error named_device_error(Error e, const std::string& device) {
  if (device.empty() || e.code != Errc::not_found ||
      !e.message.starts_with("opening the security key"))
    return e;
  return make_error(Errc::not_found, "no security key found at " + device + " (" + e.message + ")");
}

class FidoToken : public SkToken {
 public:
  explicit FidoToken(fido::DeviceSources sources) : sources_(std::move(sources)) {}
  std::string name() const override { return "the built-in FIDO2 middleware"; }

  Result<SkEnrollResult> enroll(const SkEnrollRequest& req) override {
    fido::Options o = options_for(req.device, sources_);
    o.on_touch = req.on_touch;
    fido::EnrollRequest er;
    er.alg = req.type == KeyType::sk_ecdsa_p256 ? fido::kAlgEcdsaP256 : fido::kAlgEd25519;
    er.challenge = req.challenge;
    er.application = req.application;
    er.flags = req.flags;
    if (!req.user.empty()) {
      if (req.user.size() >= kUserIdSize) {
        return make_error(Errc::limit, "the user name must be shorter than 32 bytes");
      }
      er.user_id.assign(kUserIdSize, 0);
      memcpy(er.user_id.data(), req.user.data(), req.user.size());
    }
    er.pin = req.pin.empty() ? nullptr : req.pin.c_str();
    auto k = fido::enroll(o, er);
    if (!k) return named_device_error(k.error(), req.device);
    SkEnrollResult out;
    out.public_key = std::move(k->public_key);
    out.key_handle = std::move(k->key_handle);
    out.flags = k->flags;
    out.attestation_cert = std::move(k->attestation_cert);
    out.signature = std::move(k->signature);
    out.authdata = std::move(k->authdata);
    return out;
  }

  Result<std::vector<SkResidentCredential>> load_resident(const std::string& device,
                                                          const std::string& pin) override {
    auto keys = fido::load_resident_keys(options_for(device, sources_),
                                         pin.empty() ? nullptr : pin.c_str());
    if (!keys) return named_device_error(keys.error(), device);
    std::vector<SkResidentCredential> out;
    for (auto& k : *keys) {
      if (k.alg != fido::kAlgEcdsaP256 && k.alg != fido::kAlgEd25519) continue;
      SkResidentCredential c;
      c.type = key_type_of(k.alg);
      c.application = std::move(k.application);
      c.user_id = std::move(k.user_id);
      c.public_key = std::move(k.key.public_key);
      c.key_handle = std::move(k.key.key_handle);
      c.verify_required = (k.flags & fido::kUserVerificationRequired) != 0;
      c.device = std::move(k.key.device);
      out.push_back(std::move(c));
    }
    return out;
  }

  Result<std::vector<SkDeviceInfo>> list_devices() override {
    auto list = fido::list_devices(sources_);
    if (!list) return list.error();
    std::vector<SkDeviceInfo> out;
    for (const auto& d : *list) {
      SkDeviceInfo info;
      info.path = d.path;
      info.transport = fido::transport_name(d.transport);
      info.model = d.product;
      if (auto dev = fido::Device::open(d.path, kInfoTimeout)) {
        info.pin_set = dev->has_pin();
        add_resident_info(*dev, info);
      } else if (d.transport == fido::Transport::pcsc) {
        continue;  // a card without the FIDO applet (a bank or PIV card) is no security key
      }
      out.push_back(std::move(info));
    }
    return out;
  }

 private:
  fido::DeviceSources sources_;  // where a token is looked for when none is named
};

}  // namespace

Result<std::unique_ptr<SkToken>> open_fido_token(fido::DeviceSources sources) {
  return std::unique_ptr<SkToken>(new FidoToken(std::move(sources)));
}

}  // namespace skagent::keygen
