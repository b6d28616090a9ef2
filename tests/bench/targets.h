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
  // cpu_over_raw_at_most: the new agent's CPU per signature (key) divided by OpenSSL's raw
  // signature of that type in the same run (raw_key) is at most the threshold.
  enum Kind { ratio_at_least, new_below, new_at_most, cpu_over_raw_at_most };
  std::string label;
  std::string key;
  Better better;  // orientation of the ratio (ratio targets)
  Kind kind;
  double threshold;  // a ratio, or a value in the metric's own unit
  Unit unit;         // how to show a new_below value
  std::string raw_key = {};
};

struct Verdict {
  std::string measured;  // "21.3x" or "1.20 ms", "n/a" when missing
  bool pass = false;
};

std::vector<Target> targets();
Verdict judge(const Target& t, const Metrics& ref, const Metrics& neu);
// An agent's CPU per signature over OpenSSL's raw signature; none when either is missing.
std::optional<double> cpu_over_raw(const Metrics& m, const std::string& cpu_key,
                                   const std::string& raw_key);

}  // namespace skagent::bench
