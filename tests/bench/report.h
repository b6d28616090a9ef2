// SPDX-License-Identifier: BSD-2-Clause
// Prints the side-by-side table of two agents' metrics and the targets.
#pragma once

#include <ostream>
#include <string>

#include "tests/bench/metrics.h"

namespace skagent::bench {

struct ReportLabels {
  std::string ref = "OpenSSH";
  std::string neu = "skagent";
};

// Returns the number of targets missed.
int print_report(std::ostream& out, const Metrics& ref, const Metrics& neu,
                 const ReportLabels& labels);

}  // namespace skagent::bench
