// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/processing.h"

#include <algorithm>
#include <chrono>

namespace skagent::vtoken {

bool process_for(PresenceWait& wait, uint32_t ms) {
  using Clock = std::chrono::steady_clock;
  const auto end = Clock::now() + std::chrono::milliseconds(ms);
  for (auto now = Clock::now(); now < end; now = Clock::now()) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(end - now).count();
    if (wait.processing(int(std::clamp<int64_t>(left, 1, 100)))) return false;
  }
  return true;
}

}  // namespace skagent::vtoken
