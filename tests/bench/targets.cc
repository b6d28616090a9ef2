// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/targets.h"

namespace skagent::bench {

std::vector<Target> targets() {
  return {
      {"ed25519 sign throughput, 8 clients >= 20x", "sign.ed25519.c8.ops_per_s", Better::higher,
       Target::ratio_at_least, 20, Unit::count},
      {"list with 1,000 keys >= 10x faster (mean)", "list.mean_us", Better::lower,
       Target::ratio_at_least, 10, Unit::count},
      {"agent RSS with 1,000 keys no larger", "rss_1000.kb", Better::lower, Target::ratio_at_least,
       1, Unit::count},
      {"sk-dummy sign throughput, 8 clients >= 20x", "sign.sk-ed25519.c8.ops_per_s", Better::higher,
       Target::ratio_at_least, 20, Unit::count},
      {"other client's p99 < 5 ms while a prompt is open", "confirm.other_p99_us", Better::lower,
       Target::new_below, 5000, Unit::micros},
  };
}

Verdict judge(const Target& t, const Metrics& ref, const Metrics& neu) {
  if (t.kind == Target::new_below) {
    auto v = lookup(neu, t.key);
    return {format_value(t.unit, v), v && *v < t.threshold};
  }
  auto r = oriented_ratio(t.better, lookup(ref, t.key), lookup(neu, t.key));
  if (!r) return {"n/a", false};
  return {format_ratio(*r), *r >= t.threshold};
}

}  // namespace skagent::bench
