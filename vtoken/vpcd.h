// SPDX-License-Identifier: BSD-2-Clause
// The card side of vsmartcard's vpcd protocol. With `DEVICENAME 127.0.0.1:PORT`
// in reader.conf, the vpcd driver inside pcscd connects to the card at
// 127.0.0.1:PORT (a DEVICENAME of /dev/null:PORT would make the driver listen
// on every address instead; we never use that). Frames are a 2-byte
// big-endian length and a body; a 1-byte body is a control code (0 power off,
// 1 power on, 2 reset: no reply; 4 get ATR: the ATR comes back as a frame),
// a longer one is a C-APDU answered by an R-APDU frame.
//
// The driver opens two slots, PORT and PORT+1, and (vsmartcard 0.8 as in
// Debian 12) crashes pcscd when it polls a slot with no card connected
// (FD_SET(-1) under _FORTIFY_SOURCE), so a token also serves PORT+1 with an
// InertCard unless told there is another card there.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "vtoken/fido_applet.h"

namespace skagent::vtoken {

namespace vpcd {
inline constexpr uint8_t kPowerOff = 0x00;
inline constexpr uint8_t kPowerOn = 0x01;
inline constexpr uint8_t kReset = 0x02;
inline constexpr uint8_t kGetAtr = 0x04;

// Splits whole frames off the front of `buffer` (what is left stays).
std::vector<Bytes> take_frames(Bytes& buffer);
// Frames a body; bodies over 65535 bytes cannot be framed.
Result<Bytes> frame(ByteView body);
}  // namespace vpcd

class VirtualCard {
 public:
  virtual ~VirtualCard() = default;
  virtual Bytes atr() const = 0;
  virtual void power(bool on) = 0;
  // `wait` serves touch waits of requests answered in one piece (the link
  // itself has no keepalive; a polling platform gets SW 9100 instead).
  virtual Bytes transmit(ByteView capdu, PresenceWait& wait) = 0;
};

// The FIDO token as a contactless card: T=1 ATR, the FIDO applet.
class FidoCard : public VirtualCard {
 public:
  explicit FidoCard(Authenticator& auth) : applet_(auth) {}
  Bytes atr() const override;
  void power(bool) override { applet_.reset(); }
  Bytes transmit(ByteView capdu, PresenceWait& wait) override {
    return applet_.process(capdu, wait);
  }

 private:
  FidoApplet applet_;
};

// A card with no applets: every command answers 6A 82 (file not found).
class InertCard : public VirtualCard {
 public:
  Bytes atr() const override;
  void power(bool) override {}
  Bytes transmit(ByteView, PresenceWait&) override;
};

class VpcdServer {
 public:
  // Listens on host:port (IPv4 literal or "localhost") for the vpcd driver.
  static Result<std::unique_ptr<VpcdServer>> listen(const std::string& host, uint16_t port,
                                                    VirtualCard& card);
  ~VpcdServer();
  VpcdServer(const VpcdServer&) = delete;
  VpcdServer& operator=(const VpcdServer&) = delete;
  uint16_t port() const { return port_; }
  // Serves one driver connection after another until `stop_fd` is readable.
  void run(int stop_fd);

 private:
  VpcdServer(int fd, uint16_t port, VirtualCard& card) : fd_(fd), port_(port), card_(card) {}
  void serve(int conn, int stop_fd);
  int fd_;
  uint16_t port_;
  VirtualCard& card_;
};

}  // namespace skagent::vtoken
