// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/commands.h"
#include "tests/bench/metrics.h"
#include "tests/bench/proc_rss.h"

namespace skagent::bench {

int cmd_rss(const Args& args) {
  auto pid = args.number("pid", 0);
  if (!pid) return fail("rss", pid.error());
  if (*pid <= 0) return fail("rss", make_error(Errc::malformed, "--pid is required"));
  auto rss = tree_rss_kb(pid_t(*pid));
  if (!rss) return fail("rss", rss.error());
  std::string name = args.text("name", "rss");
  print_metric(std::cout, name + ".kb", double(rss->root_kb));
  print_metric(std::cout, name + ".tree_kb", double(rss->total_kb));
  if (rss->pss_kb) print_metric(std::cout, name + ".tree_pss_kb", double(*rss->pss_kb));
  print_metric(std::cout, name + ".processes", double(rss->processes));
  return 0;
}

}  // namespace skagent::bench
