// SPDX-License-Identifier: BSD-2-Clause
// What the comparison table shows: which metrics, in what unit, and which
// direction is better, so a ratio can be oriented as "> 1 = new is better".
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "tests/bench/metrics.h"

namespace skagent::bench {

enum class Unit { ops_per_s, micros, millis, kilobytes, count };
enum class Better { higher, lower, neither };

struct Row {
  std::string key;    // metric name as the commands print it
  std::string label;  // what the table shows
  Unit unit;
  Better better;
};

std::vector<Row> report_rows();
std::string format_value(Unit unit, std::optional<double> value);
// Three significant digits, so 0.999x is not shown as a passing 1.00x.
std::string format_ratio(double ratio);
std::optional<double> lookup(const Metrics& m, const std::string& key);
// new/ref for higher-is-better, ref/new for lower-is-better; none if either
// value is missing or a division by zero would be needed.
std::optional<double> oriented_ratio(Better better, std::optional<double> ref,
                                     std::optional<double> neu);

}  // namespace skagent::bench
