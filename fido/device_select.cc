// SPDX-License-Identifier: BSD-2-Clause
#include "fido/device_select.h"

#include <fido.h>

#include <memory>
#include <string>
#include <thread>

#include "fido/device_list.h"
#include "fido/fido_error.h"
#include "fido/fido_ptr.h"

namespace skagent::fido {

namespace {

constexpr int kTouchPollMs = 50;
constexpr auto kTouchPause = std::chrono::milliseconds(100);

// Sends the touch request to each device; the ones that take it.
std::vector<Device> begin_touch(std::vector<Device> devs) {
  std::vector<Device> waiting;
  for (auto& d : devs) {
    if (fido_dev_get_touch_begin(d.get()) == FIDO_OK) waiting.push_back(std::move(d));
  }
  return waiting;
}

void cancel_all(const std::vector<Device>& devs) {
  for (const auto& d : devs) d.cancel();
}

}  // namespace

Result<std::vector<Device>> open_candidates(const Options& o, std::string_view what) {
  std::vector<Device> out;
  if (!o.device.empty()) {
    auto d = Device::open(o.device, o.timeout);
    if (!d) return d.error();
    out.push_back(std::move(*d));
    return out;
  }
  auto list = list_devices(o.sources);
  if (!list) return list.error();
  for (const auto& info : *list) {
    if (auto d = Device::open(info.path, o.timeout)) out.push_back(std::move(*d));
  }
  if (out.empty()) return no_device_error(what);
  return out;
}

bool holds_credential(const Device& dev, std::string_view application, ByteView key_handle) {
  static constexpr uint8_t kProbeHash[32] = {};  // the signature that comes back is never used
  AssertPtr a(fido_assert_new());
  std::string app(application);
  if (!a || fido_assert_set_clientdata_hash(a.get(), kProbeHash, sizeof(kProbeHash)) != FIDO_OK ||
      fido_assert_set_rp(a.get(), app.c_str()) != FIDO_OK ||
      fido_assert_allow_cred(a.get(), key_handle.data(), key_handle.size()) != FIDO_OK ||
      fido_assert_set_up(a.get(), FIDO_OPT_FALSE) != FIDO_OK) {
    return false;
  }
  int r = fido_dev_get_assert(dev.get(), a.get(), nullptr);
  // A U2F token answers "touch needed" for a key it holds.
  return r == FIDO_OK || r == FIDO_ERR_USER_PRESENCE_REQUIRED;
}

Result<Device> select_by_credential(std::vector<Device> devs, std::string_view application,
                                    ByteView key_handle, const Interrupts& in, const Options& o,
                                    std::string_view what) {
  if (devs.size() == 1) return std::move(devs.front());
  for (auto& d : devs) {
    if (auto stop = in.check(what)) return *stop;
    if (holds_credential(d, application, key_handle)) return std::move(d);
  }
  return select_by_touch(std::move(devs), in, o, what);
}

Result<Device> select_by_touch(std::vector<Device> devs, const Interrupts& in, const Options& o,
                               std::string_view what) {
  if (devs.empty()) return no_device_error(what);
  if (devs.size() == 1) return std::move(devs.front());
  if (o.on_touch) o.on_touch();
  std::vector<Device> waiting = begin_touch(std::move(devs));
  while (!waiting.empty()) {
    if (auto stop = in.check(what)) {
      cancel_all(waiting);
      return *stop;
    }
    for (size_t i = 0; i < waiting.size();) {
      int touched = 0;
      if (fido_dev_get_touch_status(waiting[i].get(), &touched, kTouchPollMs) != FIDO_OK) {
        waiting[i].cancel();
        waiting.erase(waiting.begin() + long(i));  // gone or refusing: out of the race
        continue;
      }
      if (touched) {
        Device chosen = std::move(waiting[i]);
        waiting.erase(waiting.begin() + long(i));
        cancel_all(waiting);
        return chosen;
      }
      i++;
    }
    std::this_thread::sleep_for(kTouchPause);
  }
  return make_error(
      Errc::not_found,
      std::string(what) + ": no security key took the touch request (unplugged, or busy?)");
}

Result<Device> choose_device(const Options& o, const Interrupts& in, std::string_view what,
                             std::string_view application, ByteView key_handle) {
  auto devs = open_candidates(o, what);
  if (!devs) return devs.error();
  if (!key_handle.empty())
    return select_by_credential(std::move(*devs), application, key_handle, in, o, what);
  return select_by_touch(std::move(*devs), in, o, what);
}

}  // namespace skagent::fido
