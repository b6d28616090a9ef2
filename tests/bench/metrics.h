// SPDX-License-Identifier: BSD-2-Clause
// The measurement commands print one "name value" line per metric; the
// report reads two such files (one per agent) back.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>

#include "base/error.h"

namespace skagent::bench {

using Metrics = std::map<std::string, double, std::less<>>;

void print_metric(std::ostream& out, std::string_view name, double value);
Result<Metrics> read_metrics(const std::string& path);

}  // namespace skagent::bench
