// SPDX-License-Identifier: BSD-2-Clause
// Request throughput and latency: N client threads, one agent connection each, sending the
// same request back to back for a fixed time. Signing: the same 64 random bytes each time.
// The round trip: a request the agent answers with no work (the floor under a signature).
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

// The same clients and framing, but each request is an EXTENSION no agent knows, which both
// OpenSSH's agent and skagent answer with SSH_AGENT_FAILURE and log nothing for: the agent's
// cost of one request/reply round trip on its socket and event loop. `load.key_blob` and
// `load.flags` are not used. Fails if any reply is not SSH_AGENT_FAILURE.
Result<SignResult> run_roundtrip_load(const SignLoad& load);

}  // namespace skagent::bench
