// SPDX-License-Identifier: BSD-2-Clause
#include "tests/bench/confirm_load.h"

#include <atomic>
#include <filesystem>
#include <string_view>
#include <thread>
#include <vector>

#include "tests/common/agent_client.h"
#include "tests/bench/signature_check.h"

namespace skagent::bench {

using testing::AgentClient;
using testing::decode_sign_response;
using testing::encode_sign_request;
namespace {

constexpr std::string_view kData = "skagent-bench: sign while a confirm prompt is open";

struct ConfirmSide {
  std::atomic<bool> done{false};
  bool granted = false;
  double wait_s = 0;
};

void sign_confirmed(AgentClient& client, ByteView key, ConfirmSide& out) {
  auto t0 = Clock::now();
  auto reply = client.request(encode_sign_request(key, view(kData), 0));
  out.wait_s = double(elapsed_ns(t0, Clock::now())) / 1e9;
  out.granted = reply && decode_sign_response(*reply).ok();
  out.done = true;
}

// Polls for the marker; fails if A's request ends before any prompt opened.
Status wait_for_prompt(const ConfirmLoad& load, const ConfirmSide& side) {
  auto deadline = Clock::now() + std::chrono::duration_cast<Clock::duration>(
                                     std::chrono::duration<double>(load.prompt_timeout_s));
  while (!std::filesystem::exists(load.prompt_marker)) {
    if (side.done) return make_error(Errc::denied, "confirm sign ended before a prompt opened");
    if (Clock::now() > deadline) return make_error(Errc::timeout, "no confirm prompt appeared");
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return {};
}

}  // namespace

Result<ConfirmResult> run_confirm_load(const ConfirmLoad& load) {
  std::filesystem::remove(load.prompt_marker);
  auto a = AgentClient::connect(load.socket);
  auto b = AgentClient::connect(load.socket);
  if (!a) return a.error();
  if (!b) return b.error();
  Bytes request = encode_sign_request(load.fast_key, view(kData), 0);

  ConfirmSide side;
  std::thread confirmer(sign_confirmed, std::ref(*a), ByteView(load.confirm_key), std::ref(side));
  Status prompt = wait_for_prompt(load, side);
  std::vector<int64_t> samples;
  Bytes last_sig;
  std::string error;
  // A's reply is not a prompt-closed signal we can trust (A's thread may be
  // scheduled late), so each sample starts only while the marker is there.
  while (prompt && samples.size() < load.max_samples && !side.done &&
         std::filesystem::exists(load.prompt_marker)) {
    auto t0 = Clock::now();
    auto reply = b->request(request);
    auto t1 = Clock::now();
    auto sig = reply ? decode_sign_response(*reply) : Result<Bytes>(reply.error());
    if (!sig) {
      error = sig.error().message;
      break;
    }
    samples.push_back(elapsed_ns(t0, t1));
    last_sig = std::move(*sig);
  }
  confirmer.join();

  if (!prompt) return prompt.error();
  if (!error.empty()) return make_error(Errc::io, "other client's sign failed: " + error);
  if (samples.empty())
    return make_error(Errc::internal, "no sign started while the prompt was open");
  if (Status s = check_signature(load.fast_key, view(kData), last_sig, 0); !s) return s.error();
  ConfirmResult result;
  result.granted = side.granted;
  result.confirm_wait_s = side.wait_s;
  result.other = summarize(samples);
  return result;
}

}  // namespace skagent::bench
