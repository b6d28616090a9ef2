// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/list_devices.h"

#include <algorithm>

namespace skagent::keygen {

namespace {

std::string pin_column(const SkDeviceInfo& d) {
  if (!d.pin_set) return "?";
  return *d.pin_set ? "set" : "not set";
}

std::string resident_column(const SkDeviceInfo& d) {
  if (d.resident_keys && !*d.resident_keys) return "no";
  if (d.resident_free) return std::to_string(*d.resident_free) + " free";
  return "?";
}

std::string pad(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

std::string format_device_list(const std::vector<SkDeviceInfo>& devices) {
  if (devices.empty()) return "No security keys found.\n";
  std::vector<std::vector<std::string>> rows;
  rows.push_back({"PATH", "TRANSPORT", "PIN", "RESIDENT", "MODEL"});
  for (const auto& d : devices) {
    rows.push_back({d.path, d.transport.empty() ? "?" : d.transport, pin_column(d),
                    resident_column(d), d.model.empty() ? "?" : d.model});
  }
  std::vector<size_t> width(4, 0);
  for (const auto& r : rows) {
    for (size_t i = 0; i < width.size(); i++) width[i] = std::max(width[i], r[i].size());
  }
  std::string out;
  for (const auto& r : rows) {
    for (size_t i = 0; i < width.size(); i++) out += pad(r[i], width[i]) + "  ";
    out += r.back() + "\n";
  }
  return out;
}

}  // namespace skagent::keygen
