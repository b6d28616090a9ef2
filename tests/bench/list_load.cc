// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/list_load.h"

#include <vector>

#include "tests/common/agent_client.h"

namespace skagent::bench {

using testing::AgentClient;
using testing::decode_identities;
using testing::encode_request_identities;

Result<ListResult> run_list_load(const std::string& socket, uint64_t max_calls,
                                 double max_seconds) {
  auto client = AgentClient::connect(socket);
  if (!client) return client.error();
  Bytes request = encode_request_identities();
  std::vector<int64_t> samples;
  ListResult result;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(max_seconds));
  while (samples.size() < max_calls && Clock::now() < deadline) {
    auto t0 = Clock::now();
    auto reply = client->request(request);
    auto t1 = Clock::now();
    if (!reply) return reply.error();
    // Decoding is our cost, not the agent's: it stays out of the sample.
    auto ids = decode_identities(*reply);
    if (!ids) return ids.error();
    result.keys = ids->size();
    samples.push_back(elapsed_ns(t0, t1));
  }
  result.calls = samples.size();
  result.elapsed_s = double(elapsed_ns(start, Clock::now())) / 1e9;
  result.latency = summarize(samples);
  return result;
}

}  // namespace skagent::bench
