// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/targets.h"

namespace skagent::bench {

std::vector<Target> targets() {
  // Issue 18: the agent's own cost on top of the signature, and the 266c39b figures
  // (doc/PERFORMANCE.md, 2026-11-22: list 193.7 us, RSS 9,616 kB) as the floor.
  auto cpu = [](const std::string& name, double at_most) {
    return Target{name + " agent CPU/sig, 8 clients <= " + format_ratio(at_most) + " raw",
                  "sign." + name + ".c8.cpu_us",
                  Better::lower,
                  Target::cpu_over_raw_at_most,
                  at_most,
                  Unit::count,
                  "raw." + name + ".us"};
  };
  return {
      cpu("ed25519", 1.3),
      cpu("ecdsa-p256", 2),
      cpu("rsa-3072", 1.1),
      {"ed25519 sign p50, 1 client <= 60 us", "sign.ed25519.c1.p50_us", Better::lower,
       Target::new_at_most, 60, Unit::micros},
      {"list 1,000 keys mean <= 194 us (266c39b)", "list.mean_us", Better::lower,
       Target::new_at_most, 194, Unit::micros},
      {"agent RSS, 1,000 keys <= 9,616 kB (266c39b)", "rss_1000.kb", Better::lower,
       Target::new_at_most, 9616, Unit::kilobytes},
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

std::optional<double> cpu_over_raw(const Metrics& m, const std::string& cpu_key,
                                   const std::string& raw_key) {
  auto cpu = lookup(m, cpu_key), raw = lookup(m, raw_key);
  if (!cpu || !raw || *raw <= 0) return std::nullopt;
  return *cpu / *raw;
}

Verdict judge(const Target& t, const Metrics& ref, const Metrics& neu) {
  if (t.kind == Target::new_below || t.kind == Target::new_at_most) {
    auto v = lookup(neu, t.key);
    bool pass = v && (t.kind == Target::new_below ? *v < t.threshold : *v <= t.threshold);
    return {format_value(t.unit, v), pass};
  }
  if (t.kind == Target::cpu_over_raw_at_most) {
    auto r = cpu_over_raw(neu, t.key, t.raw_key);
    if (!r) return {"n/a", false};
    return {format_ratio(*r), *r <= t.threshold};
  }
  auto r = oriented_ratio(t.better, lookup(ref, t.key), lookup(neu, t.key));
  if (!r) return {"n/a", false};
  return {format_ratio(*r), *r >= t.threshold};
}

}  // namespace skagent::bench
