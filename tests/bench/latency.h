// SPDX-License-Identifier: BSD-2-Clause
// Latency samples and their summary (nearest-rank percentiles).
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <vector>

namespace skagent::bench {

using Clock = std::chrono::steady_clock;

struct LatencySummary {
  size_t count = 0;
  double mean_us = 0, p50_us = 0, p99_us = 0, max_us = 0;
};

// Nanosecond samples; sorted in place.
LatencySummary summarize(std::vector<int64_t>& samples_ns);

inline int64_t elapsed_ns(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(to - from).count();
}

}  // namespace skagent::bench
