// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/commands.h"
#include "tests/bench/list_load.h"
#include "tests/bench/metrics.h"

namespace skagent::bench {

int cmd_list(const Args& args) {
  auto socket = args.socket();
  auto calls = args.number("calls", 500);
  auto seconds = args.number("seconds", 5);
  if (!socket) return fail("list", socket.error());
  if (!calls) return fail("list", calls.error());
  if (!seconds) return fail("list", seconds.error());
  auto r = run_list_load(*socket, uint64_t(*calls), *seconds);
  if (!r) return fail("list", r.error());
  print_metric(std::cout, "list.keys", double(r->keys));
  print_metric(std::cout, "list.calls", double(r->calls));
  print_metric(std::cout, "list.mean_us", r->latency.mean_us);
  print_metric(std::cout, "list.p99_us", r->latency.p99_us);
  print_metric(std::cout, "list.calls_per_s", double(r->calls) / r->elapsed_s);
  return 0;
}

}  // namespace skagent::bench
