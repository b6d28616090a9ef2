// SPDX-License-Identifier: BSD-2-Clause
#include "fido/token_admin.h"

#include <fido/credman.h>

#include "fido/cancel.h"
#include "fido/device_select.h"
#include "fido/fido_error.h"
#include "fido/fido_ptr.h"

namespace skagent::fido {

namespace {

// CTAP 2.1 §6.6: a token without a minPINLength takes 4 code points.
constexpr size_t kCtapDefaultMinPin = 4;

std::vector<std::string> strings(char** p, size_t n) {
  std::vector<std::string> out;
  for (size_t i = 0; p != nullptr && i < n; i++) {
    if (p[i] != nullptr) out.emplace_back(p[i]);
  }
  return out;
}

void fill_from_cbor(const fido_cbor_info_t* ci, TokenInfo& info) {
  info.versions = strings(fido_cbor_info_versions_ptr(ci), fido_cbor_info_versions_len(ci));
  info.extensions = strings(fido_cbor_info_extensions_ptr(ci), fido_cbor_info_extensions_len(ci));
  info.transports = strings(fido_cbor_info_transports_ptr(ci), fido_cbor_info_transports_len(ci));
  char** names = fido_cbor_info_options_name_ptr(ci);
  const bool* values = fido_cbor_info_options_value_ptr(ci);
  for (size_t i = 0; names != nullptr && values != nullptr && i < fido_cbor_info_options_len(ci);
       i++) {
    if (names[i] != nullptr) info.options.emplace_back(names[i], values[i]);
  }
  const unsigned char* aaguid = fido_cbor_info_aaguid_ptr(ci);
  if (aaguid != nullptr) info.aaguid.assign(aaguid, aaguid + fido_cbor_info_aaguid_len(ci));
  const uint8_t* protocols = fido_cbor_info_protocols_ptr(ci);
  if (protocols != nullptr)
    info.pin_protocols.assign(protocols, protocols + fido_cbor_info_protocols_len(ci));
  for (size_t i = 0; i < fido_cbor_info_algorithm_count(ci); i++) {
    info.algorithms.push_back(fido_cbor_info_algorithm_cose(ci, i));
  }
  info.firmware_version = fido_cbor_info_fwversion(ci);
  info.min_pin_length = fido_cbor_info_minpinlen(ci);
  info.resident_remaining = fido_cbor_info_rk_remaining(ci);
}

}  // namespace

Result<Options> single_device(const Options& o, std::string_view what) {
  if (!o.device.empty()) return o;
  // Only what opens as a FIDO token counts: a reader holding a bank card or
  // a PIV card is not a second security key.
  auto candidates = open_candidates(o, what);
  if (!candidates) return candidates.error();
  if (candidates->size() > 1) {
    std::string names;
    for (const auto& d : *candidates) names += (names.empty() ? "" : ", ") + d.path();
    return make_error(Errc::denied, std::string(what) + ": " + std::to_string(candidates->size()) +
                                        " security keys are connected (" + names +
                                        "): name the one to use with -O device=PATH");
  }
  Options one = o;
  one.device = candidates->front().path();
  return one;
}

std::optional<bool> TokenInfo::option(std::string_view name) const {
  for (const auto& [n, v] : options) {
    if (n == name) return v;
  }
  return std::nullopt;
}

size_t TokenInfo::effective_min_pin_length() const {
  return min_pin_length > kCtapDefaultMinPin ? size_t(min_pin_length) : kCtapDefaultMinPin;
}

Result<TokenInfo> read_token_info(const Options& opts) {
  constexpr std::string_view kWhat = "reading the security key's information";
  auto o = single_device(opts, kWhat);
  if (!o) return o.error();
  auto dev = Device::open(o->device, o->timeout);
  if (!dev) return dev.error();
  TokenInfo info;
  info.path = dev->path();
  info.transport = dev->transport();
  info.fido2 = dev->is_fido2();
  if (!info.fido2) {
    info.versions = {"U2F_V2"};
    return info;
  }
  CborInfoPtr ci(fido_cbor_info_new());
  if (!ci) return make_error(Errc::internal, "fido_cbor_info_new failed");
  if (int r = fido_dev_get_cbor_info(dev->get(), ci.get()); r != FIDO_OK)
    return fido_error(r, kWhat);
  fill_from_cbor(ci.get(), info);
  if (info.option("clientPin").value_or(false)) {
    int retries = -1;
    if (int r = fido_dev_get_retry_count(dev->get(), &retries); r != FIDO_OK)
      return fido_error(r, kWhat);
    if (retries >= 0) info.pin_retries = retries;
  }
  return info;
}

Status delete_resident_key(const Options& opts, ByteView credential_id, const char* pin) {
  constexpr std::string_view kWhat = "deleting the resident key from the security key";
  if (pin == nullptr)
    return make_error(Errc::pin_required, std::string(kWhat) + ": it needs the security key's PIN");
  if (credential_id.empty())
    return make_error(Errc::malformed, std::string(kWhat) + ": no credential named");
  auto o = single_device(opts, kWhat);
  if (!o) return o.error();
  auto dev = Device::open(o->device, o->timeout);
  if (!dev) return dev.error();
  if (!dev->supports_credman()) {
    return make_error(Errc::unsupported,
                      std::string(kWhat) + ": " + dev->path() +
                          " cannot delete resident keys (no credential management)");
  }
  int r = fido_credman_del_dev_rk(dev->get(), credential_id.data(), credential_id.size(), pin);
  if (r != FIDO_OK) return fido_error(r, kWhat, dev->get());
  return {};
}

Status reset_token(const Options& opts) {
  constexpr std::string_view kWhat = "resetting the security key";
  auto o = single_device(opts, kWhat);
  if (!o) return o.error();
  Interrupts in(*o);
  auto dev = Device::open(o->device, o->timeout);
  if (!dev) return dev.error();
  if (o->on_touch) o->on_touch();
  CancelWatch watch(in, *dev);
  int r = fido_dev_reset(dev->get());
  if (r == FIDO_ERR_NOT_ALLOWED) {
    return make_error(
        Errc::denied,
        std::string(kWhat) + ": " + dev->path() +
            " refused: a security key accepts a reset only in the first seconds after it is "
            "powered up (10 s on most keys) and only with a touch. Unplug it (or take it off "
            "the reader), put it back, run the command again at once and touch it when it blinks");
  }
  if (r != FIDO_OK) return watch.error(r, kWhat, dev->get());
  return {};
}

}  // namespace skagent::fido
