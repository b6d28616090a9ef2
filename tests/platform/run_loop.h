// SPDX-License-Identifier: BSD-2-Clause
// Running an EventLoop in a test.
#pragma once

#include <chrono>

#include "platform/event_loop.h"

namespace skagent {

// Runs the loop until a callback stops it, with a watchdog so a broken loop fails instead of
// hanging: false when the watchdog had to stop it.
inline bool run_with_watchdog(EventLoop& loop,
                              std::chrono::milliseconds limit = std::chrono::milliseconds(5000)) {
  bool fired = false;
  uint64_t id = loop.after(limit, [&] {
    fired = true;
    loop.stop();
  });
  loop.run();
  loop.cancel_timer(id);
  return !fired;
}

}  // namespace skagent
