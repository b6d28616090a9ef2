// SPDX-License-Identifier: BSD-2-Clause
// The agent's message dispatcher, as a client drives it: the input is the byte stream a
// client writes (uint32 length + message, repeated), the seeds are real ssh-add / ssh /
// ssh-keygen sessions (tests/fuzz/capture_seeds.sh). Each input gets a fresh Agent (so runs
// are reproducible) that already holds a software key, a software key with the confirm
// constraint, and two security keys whose provider ("internal") is never reached. Requests
// are answered one at a time; the event loop runs until each reply (worker-pool signatures
// and refused prompts complete through it). A request that is never answered hangs the
// harness, which libFuzzer reports as a timeout.
#include <cstdlib>
#include <memory>

#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

namespace {

std::vector<Bytes> g_preload;  // ADD_IDENTITY(_CONSTRAINED) messages (type byte first)

class Session {
 public:
  Session() {
    opts_.allowed_providers = "/nonexistent-provider-dir/*";
    log_.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, "/nonexistent/skagent-sk-helper",
                           "/nonexistent/skagent-pkcs11-helper")
                 .value();
    conn_ = fuzz::in_process_connection(1);
  }

  // Dispatches one message and waits for its reply.
  void request(ByteView message) {
    if (!message.empty()) fuzz::dispatch_sync(*agent_, loop_, conn_, message);
  }

 private:
  AgentOptions opts_;
  Logger log_;
  std::unique_ptr<EventLoop> loop_owner_ = EventLoop::create().value();
  EventLoop& loop_ = *loop_owner_;
  std::unique_ptr<Agent> agent_;
  std::shared_ptr<Connection> conn_;
};

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Confirmation prompts are refused at once (the default options name no askpass); nothing
  // is ever shown or spawned.
  // The agent logs every refused request; keep libFuzzer's own output readable (libFuzzer
  // and the sanitizers keep writing to the real stderr).
  stderr = fopen("/dev/null", "w");
  g_preload = fuzz::preload_messages();
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Session s;
  for (const auto& m : g_preload) s.request(m);
  Reader r(ByteView(data, size));
  bool unlocked_once = false;
  for (;;) {
    uint32_t len = 0;
    ByteView body;
    if (!r.u32(len) || len == 0 || len > msg::kMaxFrame) break;  // the server closes here
    if (!r.raw(len, body)) break;                                // an incomplete frame waits
    // A failed unlock makes the next one wait 0.1 s more (by design); one per input keeps
    // the harness fast and still reaches both outcomes.
    if (body[0] == msg::kUnlock) {
      if (unlocked_once) continue;
      unlocked_once = true;
    }
    s.request(body);
  }
  return 0;
}
