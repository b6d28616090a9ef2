// SPDX-License-Identifier: BSD-2-Clause
// Shared by the libFuzzer harnesses (tests/fuzz/*_fuzz.cc): a harness-side check that
// crashes (so libFuzzer reports it), a few fixed, deterministic keys, and the in-process
// way of sending the agent one request and waiting for its reply.
#pragma once

#include <fcntl.h>
#include <unistd.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <vector>

#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "base/wire.h"
#include "ssh/private_key.h"
#include "tests/common/p256.h"

namespace skagent::fuzz {

// A property the code under test must keep; failing it is a finding, like a crash.
#define FUZZ_CHECK(cond)                                                             \
  do {                                                                               \
    if (!(cond)) {                                                                   \
      fprintf(stderr, "FUZZ_CHECK failed: %s (%s:%d)\n", #cond, __FILE__, __LINE__); \
      abort();                                                                       \
    }                                                                                \
  } while (0)

// The private serialization of a fixed Ed25519 key (seed first, first + 1, ...), so inputs
// that name it keep meaning the same key from run to run.
inline Bytes fixed_ed25519_private(uint8_t first = 1) {
  uint8_t seed[32];
  for (int i = 0; i < 32; i++) seed[i] = uint8_t(first + i);
  EVP_PKEY* pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed, sizeof(seed));
  uint8_t pub[32];
  size_t len = sizeof(pub);
  EVP_PKEY_get_raw_public_key(pk, pub, &len);
  EVP_PKEY_free(pk);
  Writer w;
  w.string("ssh-ed25519");
  w.string(ByteView(pub, 32));
  Bytes sk(seed, seed + 32);
  sk.insert(sk.end(), pub, pub + 32);
  w.string(sk);
  return w.take();
}

inline PrivateKey read_key(ByteView serialized) {
  Reader r(serialized);
  auto k = PrivateKey::read(r);
  if (!k) abort();
  return std::move(*k);
}

// Security keys: the public point, application, flags, handle; no secret at all.
inline Bytes fixed_sk_ed25519_private(ByteView point) {
  Writer w;
  w.string("sk-ssh-ed25519@openssh.com");
  w.string(point);
  w.string("ssh:");
  w.u8(0x01);
  w.string(view("key-handle-ed25519"));
  w.string(Bytes{});
  return w.take();
}

inline Bytes fixed_sk_ecdsa_private() {
  Writer w;
  w.string("sk-ecdsa-sha2-nistp256@openssh.com");
  w.string("nistp256");
  w.string(skagent::testing::p256_generator());  // valid; no one holds its key
  w.string("ssh:");
  w.u8(0x01);
  w.string(view("key-handle-ecdsa"));
  w.string(Bytes{});
  return w.take();
}

// A connection that reaches the agent without a socket. Its fd is a real, open descriptor
// (/dev/null, shared, never closed) because the agent takes a connection whose fd is -1 for
// one whose client has gone (a queued UNLOCK from it is dropped unanswered).
inline std::shared_ptr<Connection> in_process_connection(uint64_t id) {
  static const int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  auto c = std::make_shared<Connection>();
  c->fd = fd;
  c->id = id;
  return c;
}

// Dispatches one message (type byte first) as if `conn` had sent it, runs the event loop
// until its reply (worker-pool signatures and refused prompts complete through it), and
// returns the reply. No reply hangs the harness (libFuzzer reports a timeout); a second
// reply or an empty one is a finding.
inline Bytes dispatch_sync(Agent& agent, EventLoop& loop, const std::shared_ptr<Connection>& conn,
                           ByteView message) {
  bool replied = false;
  Bytes answer;
  Request req;
  req.conn = conn;
  req.type = message[0];
  req.body = message.subspan(1);
  req.reply = [&loop, &replied, &answer](Bytes reply) {
    FUZZ_CHECK(!replied);
    FUZZ_CHECK(!reply.empty());
    replied = true;
    answer = std::move(reply);
    loop.stop();
  };
  agent.dispatch(std::move(req));
  if (!replied) loop.run();
  FUZZ_CHECK(replied);
  return answer;
}

// Requests the agent handled and inputs run, for the persistent harnesses: what an input
// costs is mostly how many requests it makes, so run.sh prints both rates.
struct Counts {
  size_t inputs = 0, requests = 0;
};
inline Counts g_counts;

// Call before stderr is silenced: prints the counts as a libFuzzer stat line when the run
// ends (libFuzzer exits through exit()).
inline void print_counts_at_exit() {
  static const int fd = dup(2);
  atexit([] {
    dprintf(fd, "stat::requests_per_input:     %.1f (%zu requests)\n",
            g_counts.inputs ? double(g_counts.requests) / double(g_counts.inputs) : 0.0,
            g_counts.requests);
  });
}

inline Bytes add_message(uint8_t type, ByteView key, std::string_view comment,
                         ByteView constraints = {}) {
  Writer w;
  w.u8(type);
  w.raw(key);
  w.string(comment);
  w.raw(constraints);
  return w.take();
}

// What the dispatcher harnesses start every input from: ADD_IDENTITY(_CONSTRAINED) messages
// for a software key, a software key with the confirm constraint, and two security keys
// whose provider ("internal") is never reached.
inline std::vector<Bytes> preload_messages() {
  Bytes ed = fixed_ed25519_private();
  PrivateKey k = read_key(ed);
  std::vector<Bytes> out;
  out.push_back(add_message(msg::kAddIdentity, ed, "software"));
  out.push_back(
      add_message(msg::kAddIdConstrained, fixed_ed25519_private(101), "confirm", Bytes{2}));
  out.push_back(
      add_message(msg::kAddIdentity, fixed_sk_ed25519_private(k.public_key().point), "sk-ed25519"));
  out.push_back(add_message(msg::kAddIdentity, fixed_sk_ecdsa_private(), "sk-ecdsa"));
  return out;
}

}  // namespace skagent::fuzz
