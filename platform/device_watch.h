// SPDX-License-Identifier: BSD-2-Clause
// Tells when a device node goes away, such as a security key being pulled out
// (/dev/hidraw* removed by udev): an inotify watch on the directory, served by
// the event loop. Set up before any sandbox; afterwards it only reads its fd.
#pragma once

#include <functional>
#include <string>

#include "platform/event_loop.h"

namespace skagent {

class DeviceRemovalWatch {
 public:
  using Removed = std::function<void(const std::string& node)>;
  // Calls `removed` with the name of each entry of `dir` starting with
  // `prefix` that is deleted or moved away. Inactive (no calls) when the
  // directory cannot be watched.
  DeviceRemovalWatch(EventLoop& loop, Removed removed, const std::string& dir = "/dev",
                     std::string prefix = "hidraw");
  ~DeviceRemovalWatch();
  DeviceRemovalWatch(const DeviceRemovalWatch&) = delete;
  DeviceRemovalWatch& operator=(const DeviceRemovalWatch&) = delete;
  bool active() const { return fd_ >= 0; }

 private:
  void on_readable();

  EventLoop& loop_;
  Removed removed_;
  std::string prefix_;
  int fd_ = -1;
};

}  // namespace skagent
