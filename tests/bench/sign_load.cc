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
  Bytes first_reply;  // what the check kept of it
  std::string error;
};

// What a worker keeps of a good reply (the signature), or why the reply is wrong.
using ReplyCheck = Result<Bytes> (*)(ByteView reply);

void request_until_stopped(AgentClient& client, ByteView request, ReplyCheck check,
                           std::latch& start, const std::atomic<bool>& stop, Worker& out) {
  out.samples_ns.reserve(1 << 16);
  start.arrive_and_wait();
  while (!stop.load(std::memory_order_relaxed)) {
    auto t0 = Clock::now();
    auto reply = client.request(request);
    auto t1 = Clock::now();
    auto kept = reply ? check(*reply) : Result<Bytes>(reply.error());
    if (!kept) {
      out.error = kept.error().message;
      break;
    }
    if (out.samples_ns.empty()) out.first_reply = std::move(*kept);
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

// Runs the clients; `workers` holds what each brought back (errors already turned into one).
Result<SignResult> run_load(const SignLoad& load, ByteView request, ReplyCheck check,
                            std::vector<Worker>& workers) {
  auto clients = connect_all(load.socket, load.clients);
  if (!clients) return clients.error();
  workers.assign(load.clients, Worker{});
  std::latch start(load.clients + 1);
  std::atomic<bool> stop{false};
  std::vector<std::thread> threads;
  for (unsigned i = 0; i < load.clients; i++)
    threads.emplace_back(request_until_stopped, std::ref((*clients)[i]), request, check,
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
    if (!w.error.empty()) return make_error(Errc::io, "request failed: " + w.error);
    all.insert(all.end(), w.samples_ns.begin(), w.samples_ns.end());
    end = std::max(end, w.end);
  }
  result.ops = all.size();
  result.elapsed_s = double(elapsed_ns(t0, end)) / 1e9;
  result.latency = summarize(all);
  return result;
}

Result<Bytes> failure_reply(ByteView reply) {
  if (reply.size() != 1 || reply[0] != msg::kFailure)
    return make_error(Errc::malformed, "the agent did not answer SSH_AGENT_FAILURE");
  return Bytes{};
}

}  // namespace

Result<SignResult> run_sign_load(const SignLoad& load) {
  Bytes data(kDataSize);
  if (RAND_bytes(data.data(), int(data.size())) != 1) return make_error(Errc::crypto, "RAND_bytes");
  Bytes request = encode_sign_request(load.key_blob, data, load.flags);
  std::vector<Worker> workers;
  auto result = run_load(load, request, decode_sign_response, workers);
  if (!result) return result;
  for (auto& w : workers) {
    if (Status s = check_signature(load.key_blob, data, w.first_reply, load.flags); !s)
      return make_error(s.error().code, "bad signature from agent: " + s.error().message);
  }
  return result;
}

Result<SignResult> run_roundtrip_load(const SignLoad& load) {
  Writer w;
  w.u8(msg::kExtension);
  w.string("skagent-bench-roundtrip@example.invalid");
  std::vector<Worker> workers;
  return run_load(load, w.bytes(), failure_reply, workers);
}

}  // namespace skagent::bench
