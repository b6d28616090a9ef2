// SPDX-License-Identifier: BSD-2-Clause
// "Touch your security key": a desktop notification through the freedesktop
// notification service (org.freedesktop.Notifications on the session bus),
// shown while a security key waits for a touch and withdrawn when the touch
// arrives or the request ends. The agent links no D-Bus library: each call is
// a `gdbus call` child process started through the same non-blocking spawning
// as the askpass prompts (Debian package libglib2.0-bin). Without a session
// bus or gdbus, nothing is shown.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/log.h"
#include "agent/options.h"
#include "base/liveness.h"
#include "platform/event_loop.h"

namespace skagent {

class TouchNotifier {
 public:
  static constexpr const char* kGdbus = "/usr/bin/gdbus";

  TouchNotifier(EventLoop& loop, const Logger& log, SessionBus bus);
  ~TouchNotifier();

  // Shows the notification until the returned handle is dropped. Returns
  // nullptr when no notification service can be reached.
  std::shared_ptr<void> show(const std::string& summary, const std::string& body);

  // Whether a session bus is configured (DBUS_SESSION_BUS_ADDRESS or
  // $XDG_RUNTIME_DIR/bus, as main read them) and gdbus is installed.
  bool available() const;

  // GVariant text for a string (for gdbus call arguments).
  static std::string gvariant_string(const std::string& s);
  // The id in gdbus's answer to Notify: "(uint32 7,)".
  static bool parse_notify_reply(const std::string& out, uint32_t& id);

 private:
  struct Notice;
  void withdraw(uint64_t key);
  void on_notify_done(uint64_t key, bool ok);
  void close_notification(uint32_t id);
  void reap(uint64_t key);
  pid_t run_gdbus(const std::vector<std::string>& args, int* out_fd);

  EventLoop& loop_;
  const SessionBus bus_;
  const Logger& log_;
  uint64_t next_ = 1;
  std::map<uint64_t, std::shared_ptr<Notice>> notices_;
  Liveness liveness_;  // the fd watches, child exits and handles outlive it
};

}  // namespace skagent
