// SPDX-License-Identifier: BSD-2-Clause
// REQUEST_IDENTITIES cost: one client listing the agent's keys repeatedly.
#pragma once

#include <cstdint>
#include <string>

#include "base/error.h"
#include "tests/bench/latency.h"

namespace skagent::bench {

struct ListResult {
  size_t keys = 0;  // keys in the last answer
  uint64_t calls = 0;
  double elapsed_s = 0;
  LatencySummary latency;
};

// Lists `max_calls` times, or fewer if `max_seconds` run out first.
Result<ListResult> run_list_load(const std::string& socket, uint64_t max_calls, double max_seconds);

}  // namespace skagent::bench
