// SPDX-License-Identifier: BSD-2-Clause
// Objects that leave callbacks with the event loop (LockGate's delay timer, the Agent's
// expiry timer, Pkcs11Tokens' helper callbacks) may be destroyed while one is pending; the loop
// outlives them and must not call into them afterwards. Each test destroys the object in place,
// fills its storage with a pattern, and runs the loop: a callback still left on the dead object
// writes into the pattern, or crashes on the pattern's pointers.
#include <gtest/gtest.h>

#include <chrono>
#include <cstring>
#include <memory>
#include <new>

#include "agent/agent.h"
#include "agent/helpers/pkcs11_tokens.h"
#include "agent/keys/lock_gate.h"
#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

using std::chrono::milliseconds;
constexpr unsigned char kPattern = 0xA5;

// Destroys `*obj` in place (its memory stays) and fills its storage with kPattern.
template <typename T>
void bury(T* obj) {
  obj->~T();
  std::memset(static_cast<void*>(obj), kPattern, sizeof(T));
}

template <typename T>
bool untouched(const T* obj) {
  auto* p = reinterpret_cast<const unsigned char*>(obj);
  for (size_t i = 0; i < sizeof(T); i++) {
    if (p[i] != kPattern) return false;
  }
  return true;
}

struct Loop {
  std::unique_ptr<EventLoop> loop = EventLoop::create().value();
  Logger log;
  Loop() { log.configure(Logger::Sink::stderr_sink, Logger::Level::error); }
  void run_for(milliseconds d) {
    loop->after(d, [this] { loop->stop(); });
    loop->run();
  }
};

TEST(OwnerLifetime, LockGateDestroyedWithAnAttemptWaiting) {
  Loop l;
  alignas(LockGate) unsigned char storage[sizeof(LockGate)];
  auto* gate = new (storage) LockGate(*l.loop, l.log, milliseconds(50));
  auto conn = std::make_shared<Connection>();
  conn->fd = 0;  // open, as far as the gate can tell
  int answers = 0;
  ASSERT_TRUE(gate->lock(to_bytes(view("right"))).ok());
  gate->unlock(conn, to_bytes(view("wrong")), [&](Bytes) { answers++; });
  gate->unlock(conn, to_bytes(view("right")), [&](Bytes) { answers++; });
  ASSERT_EQ(answers, 1);  // the second waits for the delay the first earned: a timer
  bury(gate);
  l.run_for(milliseconds(300));
  EXPECT_TRUE(untouched(gate)) << "the loop called into a destroyed LockGate";
  EXPECT_EQ(answers, 1);
}

TEST(OwnerLifetime, AgentDestroyedWithAKeyExpiryPending) {
  Loop l;
  AgentOptions opts;
  auto agent = Agent::create(opts, l.log, *l.loop, "", "").value();
  Writer cons;
  cons.u8(1);  // lifetime
  cons.u32(1);
  Bytes body = testing::add_body(test::generate(), "t", cons.bytes());
  Bytes answer;
  agent->dispatch(Request{std::make_shared<Connection>(), msg::kAddIdConstrained, body,
                          [&](Bytes m) { answer = std::move(m); }});
  ASSERT_EQ(answer, msg::status(true));  // the key expires in 1 s: a timer
  Agent* dead = agent.release();
  bury(dead);
  l.run_for(milliseconds(1300));
  EXPECT_TRUE(untouched(dead)) << "the loop called into a destroyed Agent";
  ::operator delete(static_cast<void*>(dead));
}

TEST(OwnerLifetime, Pkcs11TokensDestroyedWithAFailedLoadPosted) {
  Loop l;
  AgentOptions opts;
  opts.allowed_providers = "/usr/bin/true";
  IdentityStore ids;
  // /bin/sleep as the helper: it never answers the log-in.
  auto tokens = std::make_unique<Pkcs11Tokens>(*l.loop, l.log, opts, ids, "/bin/sleep", [] {});
  int replies = 0;
  tokens->add("/usr/bin/true", ByteView(), Constraints{}, false, [&](Bytes) { replies++; });
  tokens->stop_all("test");  // the waiting load fails, its callback posted to the loop
  Pkcs11Tokens* dead = tokens.release();
  bury(dead);
  l.run_for(milliseconds(200));
  EXPECT_TRUE(untouched(dead)) << "the loop called into destroyed Pkcs11Tokens";
  EXPECT_EQ(replies, 0) << "no reply comes from an owner that is gone";
  ::operator delete(static_cast<void*>(dead));
}

}  // namespace
}  // namespace skagent
