// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/sign_load.h"

#include <openssl/rand.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "tests/common/agent_client.h"
#include "tests/bench/signature_check.h"

namespace skagent::bench {

using testing::AgentClient;
using testing::decode_sign_response;
using testing::encode_sign_request;
namespace {

constexpr size_t kDataSize = 64;

// What one client thread brings back.
struct Worker {
  std::vector<int64_t> samples_ns;
  Clock::time_point end;
  Bytes first_signature;
  std::string error;
};

void sign_until_stopped(AgentClient& client, ByteView request, std::latch& start,
                        const std::atomic<bool>& stop, Worker& out) {
  out.samples_ns.reserve(1 << 16);
  start.arrive_and_wait();
  while (!stop.load(std::memory_order_relaxed)) {
    auto t0 = Clock::now();
    auto reply = client.request(request);
    auto t1 = Clock::now();
    auto sig = reply ? decode_sign_response(*reply) : Result<Bytes>(reply.error());
    if (!sig) {
      out.error = sig.error().message;
      break;
    }
    if (out.samples_ns.empty()) out.first_signature = std::move(*sig);
    out.samples_ns.push_back(elapsed_ns(t0, t1));
  }
  out.end = Clock::now();
}

Result<std::vector<AgentClient>> connect_all(const std::string& socket, unsigned n) {
  std::vector<AgentClient> clients;
  for (unsigned i = 0; i < n; i++) {
    auto c = AgentClient::connect(socket);
    if (!c) return c.error();
    clients.push_back(std::move(*c));
  }
  return clients;
}

}  // namespace

Result<SignResult> run_sign_load(const SignLoad& load) {
  Bytes data(kDataSize);
  if (RAND_bytes(data.data(), int(data.size())) != 1) return make_error(Errc::crypto, "RAND_bytes");
  Bytes request = encode_sign_request(load.key_blob, data, load.flags);
  auto clients = connect_all(load.socket, load.clients);
  if (!clients) return clients.error();

  std::vector<Worker> workers(load.clients);
  std::latch start(load.clients + 1);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < load.clients; i++)
    threads.emplace_back(sign_until_stopped, std::ref((*clients)[i]), ByteView(request),
                         std::ref(start), std::cref(stop), std::ref(workers[i]));
  start.arrive_and_wait();
  auto t0 = Clock::now();
  std::this_thread::sleep_for(std::chrono::duration<double>(load.seconds));
  stop = true;
  for (auto& t : threads) t.join();

  // In-flight requests at the stop are counted, and so is the time they took.
  SignResult result;
  std::vector<int64_t> all;
  Clock::time_point end = t0;
  for (auto& w : workers) {
    if (!w.error.empty()) return make_error(Errc::io, "sign failed: " + w.error);
    if (Status s = check_signature(load.key_blob, data, w.first_signature, load.flags); !s)
      return make_error(s.error().code, "bad signature from agent: " + s.error().message);
    all.insert(all.end(), w.samples_ns.begin(), w.samples_ns.end());
    end = std::max(end, w.end);
  }
  result.ops = all.size();
  result.elapsed_s = double(elapsed_ns(t0, end)) / 1e9;
  result.latency = summarize(all);
  return result;
}

}  // namespace skagent::bench
