// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/commands.h"
#include "tests/bench/confirm_load.h"
#include "tests/bench/identity_lookup.h"
#include "tests/bench/metrics.h"

namespace skagent::bench {

int cmd_confirm(const Args& args) {
  auto socket = args.socket();
  auto samples = args.number("samples", 300);
  if (!socket) return fail("confirm", socket.error());
  if (!samples) return fail("confirm", samples.error());
  if (!args.has("marker"))
    return fail("confirm", make_error(Errc::malformed, "--marker is required"));
  auto confirm_key = find_key_by_comment(*socket, args.text("confirm-comment"));
  auto fast_key = find_key_by_comment(*socket, args.text("fast-comment"));
  if (!confirm_key) return fail("confirm", confirm_key.error());
  if (!fast_key) return fail("confirm", fast_key.error());

  ConfirmLoad load{*socket, *confirm_key, *fast_key, args.text("marker"), size_t(*samples)};
  auto r = run_confirm_load(load);
  if (!r) return fail("confirm", r.error());
  print_metric(std::cout, "confirm.granted", r->granted ? 1 : 0);
  print_metric(std::cout, "confirm.prompt_wait_ms", r->confirm_wait_s * 1e3);
  print_metric(std::cout, "confirm.other_samples", double(r->other.count));
  print_metric(std::cout, "confirm.other_p50_us", r->other.p50_us);
  print_metric(std::cout, "confirm.other_p99_us", r->other.p99_us);
  print_metric(std::cout, "confirm.other_max_us", r->other.max_us);
  return 0;
}

}  // namespace skagent::bench
