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

Bytes add_message(uint8_t type, ByteView key, std::string_view comment, ByteView constraints = {}) {
  Writer w;
  w.u8(type);
  w.raw(key);
  w.string(comment);
  w.raw(constraints);
  return w.take();
}

class Session {
 public:
  Session() {
    opts_.allowed_providers = "/nonexistent-provider-dir/*";
    log_.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, "/nonexistent/skagent-sk-helper",
                           "/nonexistent/skagent-pkcs11-helper")
                 .value();
    conn_ = std::make_shared<Connection>();
    conn_->id = 1;
  }

  // Dispatches one message and waits for its reply.
  void request(ByteView message) {
    if (message.empty()) return;
    bool replied = false;
    Request req;
    req.conn = conn_;
    req.type = message[0];
    req.body = message.subspan(1);
    req.reply = [this, &replied](Bytes reply) {
      FUZZ_CHECK(!replied);
      FUZZ_CHECK(!reply.empty());
      replied = true;
      loop_.stop();
    };
    agent_->dispatch(std::move(req));
    if (!replied) loop_.run();
    FUZZ_CHECK(replied);
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
  Bytes ed = fuzz::fixed_ed25519_private();
  PrivateKey k = fuzz::read_key(ed);
  g_preload.push_back(add_message(msg::kAddIdentity, ed, "software"));
  g_preload.push_back(
      add_message(msg::kAddIdConstrained, fuzz::fixed_ed25519_private(101), "confirm", Bytes{2}));
  g_preload.push_back(add_message(
      msg::kAddIdentity, fuzz::fixed_sk_ed25519_private(k.public_key().point), "sk-ed25519"));
  g_preload.push_back(add_message(msg::kAddIdentity, fuzz::fixed_sk_ecdsa_private(), "sk-ecdsa"));
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
