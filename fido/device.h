// SPDX-License-Identifier: BSD-2-Clause
// One opened security key, by path:
//
//   /dev/hidraw3          USB HID, through libfido2's own I/O
//   vtoken:/path/hid.sock skagent-vtoken's CTAPHID socket (fido/vtoken_io.h)
//   pcsc:Reader Name      a card on a PC/SC reader (fido/pcsc_transport.h)
//
// Every libfido2 call on it is bounded by a timeout, so a token that stops
// answering (or ignores CANCEL) costs a failed request, never a hang.
#pragma once

#include <fido.h>

#include <chrono>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skagent::fido {

enum class Transport { usb, virtual_token, pcsc };

Transport transport_of(std::string_view path);

// libfido2's debug log on stderr, for the devices opened from now on: a program's main (or the
// provider library's entry point) sets it from $SKAGENT_FIDO_DEBUG. Off by default.
void set_fido_debug(bool on);
const char* transport_name(Transport t);  // "usb", "virtual", "pcsc"

class Device {
 public:
  // Opens `path`. Each libfido2 request on the device may take at most
  // `timeout` (-1 ms: no limit).
  static Result<Device> open(const std::string& path, std::chrono::milliseconds timeout);

  Device(Device&& o) noexcept;
  Device& operator=(Device&& o) noexcept;
  Device(const Device&) = delete;
  Device& operator=(const Device&) = delete;
  ~Device();

  fido_dev_t* get() const { return dev_; }
  const std::string& path() const { return path_; }
  Transport transport() const { return transport_of(path_); }

  bool is_fido2() const;            // CTAP2 (not a U2F-only token)
  bool has_pin() const;             // a PIN is set
  bool has_builtin_uv() const;      // fingerprint or similar, enrolled
  bool supports_cred_prot() const;  // the credProtect extension
  bool supports_credman() const;    // credential management (resident keys)
  // Discoverable credentials (getInfo option "rk"); asks the token, so it
  // fails like any request when the token does not answer.
  Result<bool> supports_resident_keys() const;

  // Each later libfido2 request may take at most `timeout` (-1 ms: no limit).
  void set_request_timeout(std::chrono::milliseconds timeout) const;

  // Ends the request in progress (CTAPHID CANCEL); callable from another thread.
  void cancel() const;

 private:
  Device(fido_dev_t* dev, std::string path) : dev_(dev), path_(std::move(path)) {}
  void release();

  fido_dev_t* dev_ = nullptr;
  std::string path_;
};

}  // namespace skagent::fido
