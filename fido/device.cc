// SPDX-License-Identifier: BSD-2-Clause
#include "fido/device.h"

#include <algorithm>
#include <atomic>
#include <cstdint>

#include "fido/fido_error.h"
#include "fido/fido_ptr.h"
#include "fido/pcsc_transport.h"
#include "fido/vtoken_io.h"

namespace skagent::fido {

namespace {

// Our own CANCEL comes at the operation's deadline; libfido2's timeout is the
// backstop for a token that ignores it.
constexpr std::chrono::milliseconds kBackstop{5000};

std::atomic<bool> g_debug{false};  // set_fido_debug: libfido2's own setting is process-wide too

void init_library() {
  // U2F fallback stays on, as in OpenSSH, so U2F-only tokens keep working.
  fido_init(g_debug.load() ? FIDO_DEBUG : 0);
}

int open_raw(fido_dev_t* dev, const std::string& path) {
  switch (transport_of(path)) {
    case Transport::virtual_token:
      return vtoken_open(dev, path.substr(kVtokenPathPrefix.size()));
    case Transport::pcsc:
      return pcsc_open(dev, path.substr(kPcscPathPrefix.size()));
    case Transport::usb:
      break;
  }
  return fido_dev_open(dev, path.c_str());
}

int timeout_ms(std::chrono::milliseconds t) {
  return t.count() < 0 ? -1 : int(std::min<int64_t>(t.count(), INT32_MAX));
}

}  // namespace

void set_fido_debug(bool on) { g_debug = on; }

Transport transport_of(std::string_view path) {
  if (path.substr(0, kVtokenPathPrefix.size()) == kVtokenPathPrefix)
    return Transport::virtual_token;
  if (is_pcsc_path(path)) return Transport::pcsc;
  return Transport::usb;
}

const char* transport_name(Transport t) {
  switch (t) {
    case Transport::usb:
      return "usb";
    case Transport::virtual_token:
      return "virtual";
    case Transport::pcsc:
      return "pcsc";
  }
  return "?";
}

Result<Device> Device::open(const std::string& path, std::chrono::milliseconds timeout) {
  init_library();
  fido_dev_t* dev = fido_dev_new();
  if (dev == nullptr) return make_error(Errc::internal, "fido_dev_new failed");
  fido_dev_set_timeout(dev, timeout_ms(timeout.count() < 0 ? timeout : timeout + kBackstop));
  int r = open_raw(dev, path);
  if (r != FIDO_OK) {
    fido_dev_free(&dev);  // never opened: nothing to close
    Error e = fido_error(r, "opening the security key " + path);
    if (e.code == Errc::internal || e.code == Errc::io) e.code = Errc::not_found;
    return e;
  }
  return Device(dev, path);
}

Device::Device(Device&& o) noexcept : dev_(o.dev_), path_(std::move(o.path_)) { o.dev_ = nullptr; }

Device& Device::operator=(Device&& o) noexcept {
  if (this != &o) {
    release();
    dev_ = o.dev_;
    path_ = std::move(o.path_);
    o.dev_ = nullptr;
  }
  return *this;
}

Device::~Device() { release(); }

void Device::release() {
  if (dev_ == nullptr) return;
  fido_dev_close(dev_);
  fido_dev_free(&dev_);
  dev_ = nullptr;
}

bool Device::is_fido2() const { return fido_dev_is_fido2(dev_); }
bool Device::has_pin() const { return fido_dev_has_pin(dev_); }
bool Device::has_builtin_uv() const { return fido_dev_has_uv(dev_); }
bool Device::supports_cred_prot() const { return fido_dev_supports_cred_prot(dev_); }
bool Device::supports_credman() const { return fido_dev_supports_credman(dev_); }

Result<bool> Device::supports_resident_keys() const {
  CborInfoPtr info(fido_cbor_info_new());
  if (!info) return make_error(Errc::internal, "fido_cbor_info_new failed");
  if (int r = fido_dev_get_cbor_info(dev_, info.get()); r != FIDO_OK) {
    return fido_error(r, "reading the security key's capabilities", dev_);
  }
  char** names = fido_cbor_info_options_name_ptr(info.get());
  const bool* values = fido_cbor_info_options_value_ptr(info.get());
  for (size_t i = 0; i < fido_cbor_info_options_len(info.get()); i++) {
    if (std::string_view(names[i]) == "rk") return values[i];
  }
  return false;  // absent means unsupported (CTAP 2.1 §6.4)
}

void Device::set_request_timeout(std::chrono::milliseconds timeout) const {
  if (dev_ != nullptr) fido_dev_set_timeout(dev_, timeout_ms(timeout));
}

void Device::cancel() const {
  if (dev_ != nullptr && fido_dev_is_fido2(dev_)) fido_dev_cancel(dev_);
}

}  // namespace skagent::fido
