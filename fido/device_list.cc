// SPDX-License-Identifier: BSD-2-Clause
#include "fido/device_list.h"

#include <fido.h>

#include <memory>

#include "fido/fido_error.h"
#include "fido/pcsc_transport.h"
#include "fido/vtoken_io.h"

namespace skagent::fido {

namespace {

constexpr size_t kMaxHidDevices = 64;

struct InfoFree {
  void operator()(fido_dev_info_t* p) const { fido_dev_info_free(&p, kMaxHidDevices); }
};

std::string product_of(const fido_dev_info_t* di) {
  std::string m =
      fido_dev_info_manufacturer_string(di) ? fido_dev_info_manufacturer_string(di) : "";
  std::string p = fido_dev_info_product_string(di) ? fido_dev_info_product_string(di) : "";
  if (!m.empty() && !p.empty()) return m + " " + p;
  return m + p;
}

Status add_usb(std::vector<DeviceInfo>& out) {
  std::unique_ptr<fido_dev_info_t, InfoFree> list(fido_dev_info_new(kMaxHidDevices));
  if (!list) return make_error(Errc::internal, "fido_dev_info_new failed");
  size_t n = 0;
  if (int r = fido_dev_info_manifest(list.get(), kMaxHidDevices, &n); r != FIDO_OK) {
    return fido_error(r, "listing USB security keys");
  }
  for (size_t i = 0; i < n && i < kMaxHidDevices; i++) {
    const fido_dev_info_t* di = fido_dev_info_ptr(list.get(), i);
    if (di == nullptr || fido_dev_info_path(di) == nullptr) continue;
    out.push_back({fido_dev_info_path(di), Transport::usb, product_of(di)});
  }
  return {};
}

Status add_pcsc(std::vector<DeviceInfo>& out) {
  auto readers = pcsc_readers();
  if (!readers) return readers.error();
  for (const auto& r : *readers)
    out.push_back({std::string(kPcscPathPrefix) + r, Transport::pcsc, r});
  return {};
}

}  // namespace

std::vector<std::string> split_vtoken_list(const std::string& list) {
  std::vector<std::string> out;
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t comma = list.find(',', pos);
    if (comma == std::string::npos) comma = list.size();
    if (comma > pos) out.push_back(list.substr(pos, comma - pos));
    pos = comma + 1;
  }
  return out;
}

DeviceSources device_sources(const char* vtokens) {
  DeviceSources s;
  if (vtokens != nullptr) s.vtokens = split_vtoken_list(vtokens);
  return s;
}

Result<std::vector<DeviceInfo>> list_devices(const DeviceSources& sources) {
  std::vector<DeviceInfo> out;
  for (const auto& sock : sources.vtokens) {
    out.push_back({vtoken_device_path(sock), Transport::virtual_token, "skagent-vtoken"});
  }
  // A failing source (no udev, no pcscd) hides only its own tokens.
  if (sources.usb) (void)add_usb(out);
  if (sources.pcsc) (void)add_pcsc(out);
  return out;
}

}  // namespace skagent::fido
