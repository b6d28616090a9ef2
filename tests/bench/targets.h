// SPDX-License-Identifier: BSD-2-Clause
// The performance targets for the new agent, judged on one run.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/bench/metrics.h"
#include "tests/bench/report_rows.h"

namespace skagent::bench {

struct Target {
  enum Kind { ratio_at_least, new_below };
  std::string label;
  std::string key;
  Better better;  // orientation of the ratio (ratio targets)
  Kind kind;
  double threshold;  // a ratio, or a value in the metric's own unit
  Unit unit;         // how to show a new_below value
};

struct Verdict {
  std::string measured;  // "21.3x" or "1.20 ms", "n/a" when missing
  bool pass = false;
};

std::vector<Target> targets();
Verdict judge(const Target& t, const Metrics& ref, const Metrics& neu);

}  // namespace skagent::bench
