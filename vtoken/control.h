// SPDX-License-Identifier: BSD-2-Clause
// The test-control channel: a UNIX socket taking one text command per
// connection and answering text, so C++ tests and shell scripts (through
// `skagent-vtoken ctl SOCKET COMMAND`) steer touches and read counters.
//
//   touch immediate|after=MS|never|refuse   how the virtual user answers
//   touch-timeout MS                        how long "never" waits (then 0x2F)
//   press                                   one touch for the current or next wait
//   touches                                 touches given so far
//   status                                  key=value lines (see Controls::status)
//   power-cycle                             unplug/replug: PIN session and blocks reset
//                                           (refused while a request runs)
//   quit                                    the token exits
// Replies: "ok", a value, or "error: why".
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "vtoken/authenticator.h"
#include "vtoken/user_presence.h"

namespace skagent::vtoken {

class Controls {
 public:
  Controls(TouchControl& touch, Authenticator& auth, std::function<void()> quit)
      : touch_(touch), auth_(auth), quit_(std::move(quit)) {}
  // One command line (without the newline) to its reply (without a newline).
  std::string execute(std::string_view line);
  std::string status() const;

 private:
  TouchControl& touch_;
  Authenticator& auth_;
  std::function<void()> quit_;
};

class ControlServer {
 public:
  static Result<std::unique_ptr<ControlServer>> listen(const std::string& path, Controls& controls);
  ~ControlServer();
  ControlServer(const ControlServer&) = delete;
  ControlServer& operator=(const ControlServer&) = delete;
  // Serves until `stop_fd` becomes readable.
  void run(int stop_fd);

 private:
  ControlServer(int fd, std::string path, Controls& controls)
      : fd_(fd), path_(std::move(path)), controls_(controls) {}
  void serve_one(int client);
  int fd_;
  std::string path_;
  Controls& controls_;
};

// The client side: sends `command`, returns the reply (trailing newline cut).
// An "error: ..." reply is returned as an Error.
Result<std::string> control_request(const std::string& socket_path, std::string_view command,
                                    int timeout_ms = 5000);

}  // namespace skagent::vtoken
