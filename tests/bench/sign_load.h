// SPDX-License-Identifier: BSD-2-Clause
// Sign throughput and latency: N client threads, one agent connection each,
// signing the same 64 random bytes back to back for a fixed time.
#pragma once

#include <cstdint>
#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "tests/bench/latency.h"

namespace skagent::bench {

struct SignLoad {
  std::string socket;
  Bytes key_blob;
  uint32_t flags = 0;
  unsigned clients = 1;
  double seconds = 3;
};

struct SignResult {
  uint64_t ops = 0;
  double elapsed_s = 0;
  LatencySummary latency;
  double ops_per_s() const { return elapsed_s > 0 ? double(ops) / elapsed_s : 0; }
};

// Fails if any request fails or if a sampled signature does not verify.
Result<SignResult> run_sign_load(const SignLoad& load);

}  // namespace skagent::bench
