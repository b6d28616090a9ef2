// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/commands.h"
#include "tests/bench/metrics.h"
#include "tests/bench/report.h"

namespace skagent::bench {

int cmd_report(const Args& args) {
  auto ref = read_metrics(args.text("ref"));
  auto neu = read_metrics(args.text("new"));
  if (!ref) return fail("report", ref.error());
  if (!neu) return fail("report", neu.error());
  ReportLabels labels;
  labels.ref = args.text("ref-label", labels.ref);
  labels.neu = args.text("new-label", labels.neu);
  // A missed target fails the command (after the whole table).
  return print_report(std::cout, *ref, *neu, labels) > 0 ? 1 : 0;
}

}  // namespace skagent::bench
