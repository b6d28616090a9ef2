// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/latency.h"

#include <algorithm>
#include <cmath>

namespace skagent::bench {
namespace {

// Nearest-rank: the smallest sample with at least p% of samples at or below
// it, so p99 of 100 samples is the 99th, never an interpolated value.
double percentile_us(const std::vector<int64_t>& sorted, double p) {
  size_t rank = size_t(std::ceil(p / 100.0 * double(sorted.size())));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return double(sorted[rank - 1]) / 1e3;
}

}  // namespace

LatencySummary summarize(std::vector<int64_t>& samples_ns) {
  LatencySummary s;
  s.count = samples_ns.size();
  if (samples_ns.empty()) return s;
  std::sort(samples_ns.begin(), samples_ns.end());
  double total = 0;
  for (int64_t v : samples_ns) total += double(v);
  s.mean_us = total / double(s.count) / 1e3;
  s.p50_us = percentile_us(samples_ns, 50);
  s.p99_us = percentile_us(samples_ns, 99);
  s.max_us = double(samples_ns.back()) / 1e3;
  return s;
}

}  // namespace skagent::bench
