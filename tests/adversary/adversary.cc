// SPDX-License-Identifier: BSD-2-Clause
// skagent-adversary: hostile and busy clients for tests/integration/adversarial.sh and
// tests/soak/run.sh. Every command talks to a real agent over its socket and prints what it
// measured; it exits 1 when what it saw is wrong.
//
//   record LISTEN AGENT OUTDIR      proxy LISTEN -> AGENT, saving each connection's client
//                                   bytes as OUTDIR/NNN.bin (fuzz seeds); runs until killed
//   hold AGENT N                    open N idle connections, print "held N", wait for stdin EOF
//   drip AGENT N                    N clients writing a request one byte per 100 ms, forever
//   latency AGENT COUNT MAX_MS      COUNT list+sign rounds on one connection (needs a key):
//                                   prints max/median; fails if any reply is wrong or > MAX_MS
//   malformed AGENT COUNT KEYS      COUNT malformed messages; each must get FAILURE or a
//                                   closed connection; then KEYS keys must still be listed
//                                   and sign
//   half-frame AGENT                write half a frame, then vanish
//   sign-and-vanish AGENT           ask the first listed key to sign, then vanish at once
//   unlock-guesses AGENT N          lock, then N wrong unlocks in a row; prints the seconds
//                                   they took; unlocks with the right password at the end
//   pipeline AGENT N                N five-byte frames of an unknown type back to back on one
//                                   connection: all must be answered FAILURE, and the agent
//                                   must still list its keys and sign
//   unlock-parallel AGENT N         lock, then N wrong unlocks at once on N connections; prints
//                                   how long they took and the slowest list another connection
//                                   made meanwhile; then unlocks with the right password
//   flood AGENT CONNS BYTES PROCS SECONDS
//                                   PROCS processes keep CONNS connections in all, each having
//                                   sent all but the last byte of a BYTES-byte frame, reopening
//                                   what the agent closes, for SECONDS
//   fork-exec AGENT exec|exit OUT   connect and list, fork a child that keeps the socket, then
//                                   exec /bin/sleep 5 (or exit); the child then signs with the
//                                   first key and writes "signed" or why not to OUT
//   lock|unlock AGENT PWFILE        one LOCK or UNLOCK request with the password in PWFILE
//                                   (not on the command line, which the agent records)
//                                   (exit 0: SUCCESS)
//   add-refused AGENT KEYFILE       add with an sk-provider constraint: checked, then refused
//   memscan PID[,PID...] SECRET...  read every readable mapping of each PID through
//                                   /proc/PID/mem and look for every 16-byte window of each
//                                   secret: the private numbers of a key file, text:LABEL=TEXT,
//                                   hex:LABEL=HEX
//   soak AGENT PID SECONDS KEYDIR   mixed clients; see tests/soak/run.sh
//   ptrace PID                      attach to a child of our own (must work), then to PID
//                                   (must fail)
//   landlock-abi                    print the kernel's Landlock ABI (0: none)
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <unordered_map>
#include <mutex>
#include <optional>
#include <random>
#include <shared_mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <openssl/bn.h>
#include <openssl/sha.h>

#include "agent/protocol/messages.h"
#include "platform/sandbox.h"
#include "ssh/key_file.h"
#include "ssh/private_key.h"
#include "base/wire.h"
#include "tests/common/agent_client.h"
#include "tests/common/hex.h"

using namespace skagent;
using Clock = std::chrono::steady_clock;

namespace {

double ms_since(Clock::time_point t) {
  return std::chrono::duration<double, std::milli>(Clock::now() - t).count();
}

using testing::agent_frame;
using testing::connect_unix;
using testing::is_reply;
using testing::send_all;
using testing::sign_body;

// The body of a LOCK or UNLOCK request: the password as an SSH string.
Bytes password_body(std::string_view password) {
  Writer w;
  w.string(view(password));
  return w.take();
}
constexpr std::string_view kRightPassword = "the right password";

// Replies may take long here (floods, soaks): 10 s before a call gives up.
struct Client : testing::AgentClient {
  explicit Client(const std::string& path) : AgentClient(path) { set_default_timeout(10000); }
};

std::vector<Bytes> list_keys(Client& c) {
  return testing::identities_of(c.call(msg::kRequestIdentities, {}));
}

uint32_t default_flags(ByteView blob) {
  auto k = parse_public_key(blob);
  return k && k->type == KeyType::rsa ? msg::kSignRsaSha256 : 0;
}

// A signature that verifies against the key, or an error.
bool sign_and_verify(Client& c, ByteView blob, ByteView data, std::string* why = nullptr) {
  auto r = c.call(msg::kSignRequest, sign_body(blob, data, default_flags(blob)));
  if (!r || r->empty() || (*r)[0] != msg::kSignResponse) {
    if (why) *why = r ? "reply type " + std::to_string(r->empty() ? -1 : (*r)[0]) : "no reply";
    return false;
  }
  Reader rd(ByteView(*r).subspan(1));
  ByteView sig;
  auto key = parse_public_key(blob);
  if (!rd.string(sig) || !key) {
    if (why) *why = "bad sign response";
    return false;
  }
  auto v = verify_signature(*key, sig, data);
  if (!v && why) *why = "signature does not verify: " + v.error().message;
  return v.ok();
}

// ------------------------------------------------------------------ record

volatile sig_atomic_t g_stop = 0;

int cmd_record(const std::string& listen_path, const std::string& agent,
               const std::string& outdir) {
  signal(SIGTERM, [](int) { g_stop = 1; });
  signal(SIGINT, [](int) { g_stop = 1; });
  std::filesystem::create_directories(outdir);
  int lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", listen_path.c_str());
  unlink(listen_path.c_str());
  if (bind(lfd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) != 0 || listen(lfd, 64) != 0) {
    perror("record: bind");
    return 1;
  }
  struct Pair {
    int client, agent;
    Bytes seen;
  };
  std::vector<Pair> pairs;
  int saved = 0;
  auto save = [&](Pair& p) {
    if (!p.seen.empty()) {
      char name[32];
      snprintf(name, sizeof(name), "%03d.bin", saved++);
      std::ofstream(outdir + "/" + name, std::ios::binary)
          .write(reinterpret_cast<const char*>(p.seen.data()), std::streamsize(p.seen.size()));
    }
    close(p.client);
    close(p.agent);
  };
  while (!g_stop) {
    std::vector<struct pollfd> pfds{{lfd, POLLIN, 0}};
    for (auto& p : pairs) {
      pfds.push_back({p.client, POLLIN, 0});
      pfds.push_back({p.agent, POLLIN, 0});
    }
    if (poll(pfds.data(), pfds.size(), 200) <= 0) continue;
    if (pfds[0].revents & POLLIN) {
      int c = accept4(lfd, nullptr, nullptr, SOCK_CLOEXEC);
      int a = c >= 0 ? connect_unix(agent) : -1;
      if (c >= 0 && a >= 0) pairs.push_back({c, a, {}});
      else if (c >= 0) close(c);
    }
    for (size_t i = 0; i < pairs.size(); i++) {
      auto& p = pairs[i];
      bool dead = false;
      uint8_t buf[65536];
      if (pfds[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) {
        ssize_t n = read(p.client, buf, sizeof(buf));
        if (n <= 0) dead = true;
        else {
          p.seen.insert(p.seen.end(), buf, buf + n);
          dead = !send_all(p.agent, ByteView(buf, size_t(n)));
        }
      }
      if (!dead && (pfds[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR))) {
        ssize_t n = read(p.agent, buf, sizeof(buf));
        dead = n <= 0 || !send_all(p.client, ByteView(buf, size_t(n)));
      }
      if (dead) p.client = -p.client - 2;  // mark
    }
    for (size_t i = pairs.size(); i-- > 0;) {
      if (pairs[i].client < -1) {
        pairs[i].client = -pairs[i].client - 2;
        save(pairs[i]);
        pairs.erase(pairs.begin() + long(i));
      }
    }
  }
  for (auto& p : pairs) save(p);
  unlink(listen_path.c_str());
  printf("recorded %d sessions\n", saved);
  return 0;
}

// ------------------------------------------------------------------ hold, drip

int cmd_hold(const std::string& agent, int n) {
  std::vector<int> fds;
  for (int i = 0; i < n; i++) {
    int fd = connect_unix(agent);
    if (fd < 0) {
      fprintf(stderr, "hold: connection %d failed: %s\n", i, strerror(errno));
      break;
    }
    fds.push_back(fd);
  }
  // A connection the agent refused or closed reads EOF at once.
  usleep(300 * 1000);
  int alive = 0;
  for (int fd : fds) {
    struct pollfd p = {fd, POLLIN, 0};
    if (poll(&p, 1, 0) == 0) alive++;
  }
  printf("held %d\n", alive);
  fflush(stdout);
  char c;
  while (read(0, &c, 1) > 0) {}
  return alive == n ? 0 : 1;
}

int cmd_drip(const std::string& agent, int n) {
  std::vector<int> fds(size_t(n), -1);
  std::vector<size_t> pos(size_t(n), 0);
  Bytes req = agent_frame(msg::kRequestIdentities, {});
  uint64_t bytes = 0, replies = 0;
  auto last_report = Clock::now();
  for (;;) {
    for (int i = 0; i < n; i++) {
      if (fds[size_t(i)] < 0) fds[size_t(i)] = connect_unix(agent), pos[size_t(i)] = 0;
      int fd = fds[size_t(i)];
      if (fd < 0) continue;
      if (send(fd, &req[pos[size_t(i)]], 1, MSG_NOSIGNAL) != 1) {
        close(fd), fds[size_t(i)] = -1;
        continue;
      }
      bytes++;
      if (++pos[size_t(i)] == req.size()) {  // a whole request: read its reply, start again
        uint8_t buf[4096];
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, 5000) == 1 && read(fd, buf, sizeof(buf)) > 0) replies++;
        pos[size_t(i)] = 0;
      }
    }
    if (ms_since(last_report) > 1000) {
      fprintf(stderr, "drip: %llu bytes, %llu replies\n", (unsigned long long)bytes,
              (unsigned long long)replies);
      last_report = Clock::now();
    }
    usleep(100 * 1000);
  }
}

// ------------------------------------------------------------------ latency

int cmd_latency(const std::string& agent, int count, double max_ms) {
  Client c(agent);
  if (!c.connected()) return fprintf(stderr, "latency: cannot connect\n"), 1;
  auto t0 = Clock::now();
  auto keys = list_keys(c);
  if (keys.empty()) return fprintf(stderr, "latency: no keys listed\n"), 1;
  std::vector<double> lat;
  lat.push_back(ms_since(t0));
  int bad = 0;
  for (int i = 0; i < count; i++) {
    auto t = Clock::now();
    auto k = list_keys(c);
    lat.push_back(ms_since(t));
    if (k.size() != keys.size()) bad++;
    t = Clock::now();
    std::string why;
    if (!sign_and_verify(c, keys[0], view("latency probe " + std::to_string(i)), &why)) {
      bad++;
      fprintf(stderr, "latency: sign: %s\n", why.c_str());
    }
    lat.push_back(ms_since(t));
  }
  // The first request also waits for the connection to be accepted (behind a flood's
  // connects in the listener's queue): reported apart, as well as in the figures.
  const double first = lat[0];
  std::sort(lat.begin(), lat.end());
  double med = lat[lat.size() / 2], p99 = lat[std::min(lat.size() - 1, lat.size() * 99 / 100)];
  double mx = lat.back();
  printf(
      "requests %zu, median %.2f ms, p99 %.2f ms, max %.2f ms (the first, accept included, %.2f "
      "ms), failed %d\n",
      lat.size(), med, p99, mx, first, bad);
  return bad == 0 && mx <= max_ms ? 0 : 1;
}

// ------------------------------------------------------------------ malformed

// The i-th malformed message (type byte first): for each request type, bodies that cannot
// parse (truncated, lengths past the end, trailing bytes, wrong key types), and unknown types.
Bytes malformed(std::mt19937& rng, int i, ByteView blob) {
  auto rnd = [&](size_t n) {
    Bytes b(n);
    for (auto& x : b) x = uint8_t(rng());
    return b;
  };
  Writer w;
  switch (i % 12) {
    case 0: {  // sign: the blob's string length runs past the end
      w.u8(msg::kSignRequest);
      w.u32(0x7fffffff);
      w.raw(rnd(rng() % 64));
      break;
    }
    case 1: {  // sign: good blob and data, but flags cut short or followed by garbage
      w.u8(msg::kSignRequest);
      w.string(blob);
      w.string(view("data"));
      if (i % 2) {
        w.u32(0);
        w.raw(rnd(1 + rng() % 8));
      } else {
        w.raw(rnd(1 + rng() % 3));
      }
      break;
    }
    case 2: {  // add: random bytes as a key
      w.u8(msg::kAddIdentity);
      w.raw(rnd(rng() % 300));
      break;
    }
    case 3: {  // add: a known type name with truncated fields
      w.u8(msg::kAddIdentity);
      const char* names[] = {"ssh-ed25519",
                             "ssh-rsa",
                             "ecdsa-sha2-nistp256",
                             "ssh-dss",
                             "sk-ssh-ed25519@openssh.com",
                             "ssh-ed25519-cert-v01@openssh.com"};
      w.string(names[rng() % 6]);
      w.string(rnd(rng() % 40));
      break;
    }
    case 4: {  // add constrained: a good-looking key with an unknown constraint
      w.u8(msg::kAddIdConstrained);
      w.string("ssh-ed25519");
      w.string(rnd(32));
      w.string(rnd(64));
      w.string("comment");
      w.u8(uint8_t(100 + rng() % 100));
      break;
    }
    case 5: {  // remove: not a key blob
      w.u8(msg::kRemoveIdentity);
      w.string(rnd(rng() % 100));
      break;
    }
    case 6: {  // extension: session-bind with garbage
      w.u8(msg::kExtension);
      w.string("session-bind@openssh.com");
      w.raw(rnd(rng() % 200));
      break;
    }
    case 7: {  // extension: an unknown one, or a NUL in the name
      w.u8(msg::kExtension);
      w.string(i % 2 ? std::string("no-such-extension@example.com") : std::string("query\0x", 7));
      break;
    }
    case 8: {  // unknown message types
      static const uint8_t unknown[] = {0, 1, 2, 3, 4, 7, 8, 10, 15, 16, 24, 30, 99, 200, 255};
      w.u8(unknown[rng() % sizeof(unknown)]);
      w.raw(rnd(rng() % 50));
      break;
    }
    case 9: {  // lock/unlock with a bad body (a wrong unlock of an unlocked agent fails too)
      w.u8(i % 2 ? msg::kLock : msg::kUnlock);
      w.u32(uint32_t(1000 + rng() % 1000));
      break;
    }
    case 10: {  // smartcard add: a provider that is not allowed
      w.u8(msg::kAddSmartcardKey);
      w.string("/tmp/evil-" + std::to_string(rng()) + ".so");
      w.string("");
      break;
    }
    default: {  // sign with a key the agent does not hold
      w.u8(msg::kSignRequest);
      Bytes b = to_bytes(blob);
      if (!b.empty()) b.back() ^= 0x5a;
      w.string(b);
      w.string(view("data"));
      w.u32(0);
      break;
    }
  }
  return w.take();
}

int cmd_malformed(const std::string& agent, int count, size_t want_keys) {
  std::mt19937 rng(12345);
  auto c = std::make_unique<Client>(agent);
  auto keys = list_keys(*c);
  if (keys.size() != want_keys)
    return fprintf(stderr, "malformed: %zu keys before, want %zu\n", keys.size(), want_keys), 1;
  int failures = 0, closes = 0, wrong = 0;
  auto t0 = Clock::now();
  for (int i = 0; i < count; i++) {
    Bytes m = malformed(rng, i, keys[0]);
    Writer f;
    f.string(m);
    if (!send_all(c->fd(), f.bytes())) {
      closes++;
      c = std::make_unique<Client>(agent);
      continue;
    }
    auto r = c->receive(10000);
    if (is_reply(r, msg::kFailure) || (r && !r->empty() && (*r)[0] == msg::kExtensionFailure)) {
      failures++;
    } else if (!r && c->closed()) {
      closes++;
      c = std::make_unique<Client>(agent);
    } else {
      wrong++;
      fprintf(stderr, "malformed #%d (type %d): %s\n", i, m.empty() ? -1 : m[0],
              r ? ("reply type " + std::to_string((*r)[0])).c_str() : "no reply in 10 s");
      if (!r) c = std::make_unique<Client>(agent);
    }
  }
  // Frame-level garbage on fresh connections: zero and oversized lengths must close.
  for (uint32_t len : {0u, uint32_t(msg::kMaxFrame + 1), 0xffffffffu}) {
    Client g(agent);
    Writer w;
    w.u32(len);
    send_all(g.fd(), w.bytes());
    auto r = g.receive(5000);
    if (!r && g.closed()) closes++;
    else wrong++, fprintf(stderr, "malformed: frame length %u not closed\n", len);
  }
  double secs = ms_since(t0) / 1000;
  Client after(agent);
  auto keys_after = list_keys(after);
  bool intact = keys_after.size() == want_keys;
  for (const auto& k : keys_after) {
    std::string why;
    if (!sign_and_verify(after, k, view("after the storm"), &why)) {
      intact = false;
      fprintf(stderr, "malformed: key no longer signs: %s\n", why.c_str());
    }
  }
  printf("messages %d in %.1f s: FAILURE %d, closed %d, wrong %d; keys after %zu/%zu, %s\n",
         count + 3, secs, failures, closes, wrong, keys_after.size(), want_keys,
         intact ? "all sign" : "NOT intact");
  return wrong == 0 && intact ? 0 : 1;
}

// ------------------------------------------------------------------ vanishing clients

int cmd_half_frame(const std::string& agent) {
  int fd = connect_unix(agent);
  if (fd < 0) return 1;
  Bytes f = agent_frame(msg::kRequestIdentities, {});
  Writer w;
  w.u32(100);  // promises 100 bytes
  w.u8(msg::kSignRequest);
  w.u32(50);
  send_all(fd, w.bytes());
  close(fd);
  return 0;
}

int cmd_sign_and_vanish(const std::string& agent) {
  Client c(agent);
  auto keys = list_keys(c);
  if (keys.empty()) return fprintf(stderr, "sign-and-vanish: no keys\n"), 1;
  send_all(c.fd(), agent_frame(msg::kSignRequest,
                               sign_body(keys[0], view("vanish"), default_flags(keys[0]))));
  usleep(300 * 1000);  // long enough for the agent to start the prompt
  return 0;            // closes
}

// ------------------------------------------------------------------ lock guesses

int cmd_unlock_guesses(const std::string& agent, int n) {
  Client c(agent);
  if (!is_reply(c.call(msg::kLock, password_body(kRightPassword)), msg::kSuccess))
    return fprintf(stderr, "lock failed\n"), 1;
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    Bytes guess = password_body("wrong guess " + std::to_string(i));
    if (!is_reply(c.call(msg::kUnlock, guess, 60000), msg::kFailure)) {
      return fprintf(stderr, "wrong unlock %d was not refused\n", i), 1;
    }
  }
  double secs = ms_since(t0) / 1000;
  auto t1 = Clock::now();
  bool ok = is_reply(c.call(msg::kUnlock, password_body(kRightPassword), 60000), msg::kSuccess);
  printf("%d wrong unlocks took %.2f s; the right one then took %.2f s and %s\n", n, secs,
         ms_since(t1) / 1000, ok ? "unlocked" : "FAILED");
  return ok ? 0 : 1;
}

// ------------------------------------------------------------------ issue 13: pipelining,
// parallel unlocks, floods of incomplete frames, a caller that hands its socket on

int cmd_pipeline(const std::string& agent, long n) {
  Client c(agent);
  auto keys = list_keys(c);
  if (keys.empty()) return fprintf(stderr, "pipeline: no keys listed\n"), 1;
  constexpr long kBatch = 10000;
  Bytes batch;
  for (long i = 0; i < kBatch; i++) {
    Bytes f = agent_frame(0xee, {});  // five bytes, a type no agent knows
    batch.insert(batch.end(), f.begin(), f.end());
  }
  auto t0 = Clock::now();
  std::thread writer([&] {
    for (long left = n; left > 0; left -= kBatch) {
      if (!send_all(c.fd(), ByteView(batch).first(size_t(std::min(left, kBatch)) * 5))) break;
    }
  });
  testing::FailureAnswers got = testing::read_failure_answers(c.fd(), size_t(n));
  long answered = long(got.answered), wrong = long(got.wrong_bytes);
  double secs = ms_since(t0) / 1000;
  shutdown(c.fd(), SHUT_RDWR);  // a writer still blocked (the agent gone) returns
  writer.join();
  Client d(agent);
  auto after = d.connected() ? list_keys(d) : std::vector<Bytes>{};
  std::string why;
  bool serving =
      after.size() == keys.size() && sign_and_verify(d, after[0], view("after the pipeline"), &why);
  printf(
      "%ld pipelined frames: %ld answered FAILURE, %ld wrong bytes, in %.2f s; then %zu of %zu "
      "keys listed, %s\n",
      n, answered, wrong, secs, after.size(), keys.size(),
      serving ? "a signature verifies" : ("no signature: " + why).c_str());
  return answered == n && wrong == 0 && serving ? 0 : 1;
}

int cmd_unlock_parallel(const std::string& agent, int n) {
  Client owner(agent);
  if (!is_reply(owner.call(msg::kLock, password_body(kRightPassword)), msg::kSuccess))
    return fprintf(stderr, "lock failed\n"), 1;
  std::vector<std::unique_ptr<Client>> guessers;
  for (int i = 0; i < n; i++) {
    guessers.push_back(std::make_unique<Client>(agent));
    if (!guessers.back()->connected()) return fprintf(stderr, "connection %d failed\n", i), 1;
  }
  auto t0 = Clock::now();
  for (int i = 0; i < n; i++) {
    Bytes guess = password_body("wrong guess " + std::to_string(i));
    send_all(guessers[size_t(i)]->fd(), agent_frame(msg::kUnlock, guess));
  }
  std::atomic<bool> done{false};
  int refused = 0;
  double secs = 0;
  std::thread answers([&] {
    for (auto& g : guessers) refused += is_reply(g->receive(600000), msg::kFailure) ? 1 : 0;
    secs = ms_since(t0) / 1000;
    done = true;
  });
  Client other(agent);
  double slowest = 0;
  int lists = 0;
  while (!done) {
    auto t = Clock::now();
    auto r = other.call(msg::kRequestIdentities, {});
    slowest = std::max(slowest, ms_since(t));
    if (!r) break;
    lists++;
    usleep(100 * 1000);
  }
  answers.join();
  auto t1 = Clock::now();
  bool ok = is_reply(owner.call(msg::kUnlock, password_body(kRightPassword), 60000), msg::kSuccess);
  printf(
      "%d parallel wrong unlocks took %.2f s (%.2f guesses/s), %d refused; %d lists meanwhile, "
      "slowest %.1f ms; "
      "the right password then took %.2f s and %s\n",
      n, secs, n / secs, refused, lists, slowest, ms_since(t1) / 1000, ok ? "unlocked" : "FAILED");
  return refused == n && ok ? 0 : 1;
}

// One flood process: `n` connections, each sending all but the last byte of a `bytes`-byte
// frame; returns (opened, closed by the agent).
std::pair<long, long> flood_worker(const std::string& agent, int n, size_t bytes, int seconds) {
  struct sockaddr_un sun {};
  sun.sun_family = AF_UNIX;
  snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", agent.c_str());
  Writer w;
  w.u32(uint32_t(bytes));
  w.u8(0xee);
  Bytes data = w.take();
  data.resize(4 + bytes - 1, 0);
  struct Conn {
    int fd = -1;
    size_t sent = 0;
  };
  std::vector<Conn> cs(static_cast<size_t>(n));
  long opened = 0, closed = 0;
  auto end = Clock::now() + std::chrono::seconds(seconds);
  std::vector<struct pollfd> pfds(cs.size());
  while (Clock::now() < end) {
    for (size_t i = 0; i < cs.size(); i++) {
      auto& c = cs[i];
      if (c.fd < 0) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        int small = 32768;  // keeps what waits in the kernel for the agent small
        setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
        if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0) {
          c.fd = fd, c.sent = 0, opened++;
        } else if (fd >= 0) {
          close(fd);  // the backlog is full: next round
        }
      }
      pfds[i] = {c.fd, short(POLLIN | (c.fd >= 0 && c.sent < data.size() ? POLLOUT : 0)), 0};
    }
    if (poll(pfds.data(), pfds.size(), 100) <= 0) continue;
    for (size_t i = 0; i < cs.size(); i++) {
      auto& c = cs[i];
      if (c.fd < 0 || pfds[i].revents == 0) continue;
      bool gone = false;
      if (pfds[i].revents & (POLLIN | POLLHUP | POLLERR)) {
        uint8_t b[256];
        gone = read(c.fd, b, sizeof(b)) <= 0;
      }
      if (!gone && (pfds[i].revents & POLLOUT)) {
        ssize_t k =
            send(c.fd, data.data() + c.sent, data.size() - c.sent, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (k > 0) c.sent += size_t(k);
        else if (k < 0 && errno != EAGAIN) gone = true;
      }
      if (gone) close(c.fd), c.fd = -1, closed++;
    }
  }
  for (auto& c : cs) {
    if (c.fd >= 0) close(c.fd);
  }
  return {opened, closed};
}

int cmd_flood(const std::string& agent, int conns, size_t bytes, int procs, int seconds) {
  if (procs < 1 || conns < procs || bytes < 2) return fprintf(stderr, "flood: bad arguments\n"), 2;
  int report[2];
  if (pipe(report) != 0) return 1;
  std::vector<pid_t> kids;
  for (int p = 0; p < procs; p++) {
    pid_t pid = fork();
    if (pid == 0) {
      auto [o, c] =
          flood_worker(agent, conns / procs + (p < conns % procs ? 1 : 0), bytes, seconds);
      long r[2] = {o, c};
      _exit(write(report[1], r, sizeof(r)) == ssize_t(sizeof(r)) ? 0 : 1);
    }
    kids.push_back(pid);
  }
  close(report[1]);
  long opened = 0, closed = 0, r[2];
  while (read(report[0], r, sizeof(r)) == ssize_t(sizeof(r))) opened += r[0], closed += r[1];
  for (pid_t k : kids) waitpid(k, nullptr, 0);
  printf(
      "flood: %d connections from %d processes, frames of %zu bytes for %d s: %ld opened, %ld "
      "closed by the agent\n",
      conns, procs, bytes, seconds, opened, closed);
  return 0;
}

std::string exe_of(pid_t pid) {
  char buf[4096];
  ssize_t n = readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

int cmd_fork_exec(const std::string& agent, const std::string& mode, const std::string& out) {
  if (mode != "exec" && mode != "exit") return fprintf(stderr, "fork-exec: exec or exit\n"), 2;
  Client c(agent);
  auto keys = list_keys(c);  // once answered, the agent has accepted (and read) us
  if (keys.empty()) return fprintf(stderr, "fork-exec: no keys listed\n"), 1;
  const pid_t parent = getpid();
  const std::string me = exe_of(parent);
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    for (int i = 0; i < 1000; i++) {  // until the parent has run sleep, or exited
      if (mode == "exit" ? getppid() != parent : (!exe_of(parent).empty() && exe_of(parent) != me))
        break;
      usleep(10 * 1000);
    }
    std::string why;
    bool ok = sign_and_verify(c, keys[0], view("fork-exec"), &why);
    std::ofstream(out) << (ok ? std::string("signed") : "failed: " + why) << "\n";
    _exit(ok ? 0 : 1);
  }
  if (mode == "exec") {
    execl("/bin/sleep", "sleep", "5", static_cast<char*>(nullptr));
    return 1;
  }
  return 0;
}

// lock AGENT PWFILE / unlock AGENT PWFILE: one request; succeeds when the agent said SUCCESS.
int cmd_lock(const std::string& agent, uint8_t type, const std::string& pwfile) {
  std::ifstream in(pwfile, std::ios::binary);
  std::string password((std::istreambuf_iterator<char>(in)), {});
  if (!in.good() && !in.eof()) return fprintf(stderr, "lock: cannot read %s\n", pwfile.c_str()), 2;
  Client c(agent);
  return is_reply(c.call(type, password_body(password), 60000), msg::kSuccess) ? 0 : 1;
}

// ------------------------------------------------------------------ a refused add

// add-refused AGENT KEYFILE: adds a software key with an sk-provider constraint, which the agent
// refuses only after it has parsed and checked the whole key; succeeds when it answered FAILURE.
int cmd_add_refused(const std::string& agent, const std::string& keyfile) {
  std::ifstream in(keyfile, std::ios::binary);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  auto k = read_private_key_file(view(text), "");
  if (!k)
    return fprintf(stderr, "add-refused: %s: %s\n", keyfile.c_str(), k.error().message.c_str()), 1;
  Client c(agent);
  Writer w;
  k->key.write(w);
  w.string(view("refused"));
  w.u8(255);  // SSH_AGENT_CONSTRAIN_EXTENSION
  w.string(view("sk-provider@openssh.com"));
  w.string(view("/nonexistent/sk-provider.so"));
  if (!is_reply(c.call(msg::kAddIdConstrained, w.bytes()), msg::kFailure)) {
    return fprintf(stderr, "add-refused: the agent did not refuse\n"), 1;
  }
  return 0;
}

// ------------------------------------------------------------------ memory scan

// The secret parts of a private key, as big-endian magnitudes / raw bytes.
Bytes without_leading_zeros(ByteView v) {
  size_t i = 0;
  while (i < v.size() && v[i] == 0) i++;
  return to_bytes(v.subspan(i));
}

// d mod (m - 1), big-endian: an RSA key's dP and dQ (not in the OpenSSH file; OpenSSL makes them).
Bytes crt_exponent(ByteView d, ByteView m) {
  BIGNUM* bd = BN_bin2bn(d.data(), int(d.size()), nullptr);
  BIGNUM* bm = BN_bin2bn(m.data(), int(m.size()), nullptr);
  BIGNUM* r = BN_new();
  BN_CTX* ctx = BN_CTX_new();
  Bytes out;
  if (bd && bm && r && ctx && BN_sub_word(bm, 1) && BN_mod(r, bd, bm, ctx)) {
    out.resize(size_t(BN_num_bytes(r)));
    BN_bn2bin(r, out.data());
  }
  BN_CTX_free(ctx);
  BN_clear_free(r);
  BN_clear_free(bm);
  BN_clear_free(bd);
  return out;
}

std::vector<std::pair<std::string, Bytes>> secrets_of(const PrivateKey& key) {
  Writer w;
  key.write(w);
  Reader r(w.bytes());
  std::string type;
  std::vector<std::pair<std::string, Bytes>> out;
  if (!r.cstring(type)) return out;
  auto mp = [&](ByteView& v) { return r.mpint(v); };
  ByteView a, b, c, d, e, f;
  const PublicKey& pub = key.public_key();
  if (pub.type == KeyType::ed25519) {
    if (r.string(a) && r.string(b) && b.size() == 64) {
      out.push_back({"ed25519 seed", to_bytes(b.first(32))});
      // What signing derives from the seed (the secret scalar and the nonce prefix).
      Bytes h(SHA512_DIGEST_LENGTH);
      SHA512(b.data(), 32, h.data());
      out.push_back({"ed25519 SHA-512(seed)", h});
    }
  } else if (is_ecdsa(pub.type) && !is_security_key(pub.type)) {
    if (r.string(a) && r.string(b) && mp(c)) out.push_back({"ecdsa d", without_leading_zeros(c)});
  } else if (pub.type == KeyType::rsa) {
    // n, e, d, iqmp, p, q
    if (mp(a) && mp(b) && mp(c) && mp(d) && mp(e) && mp(f)) {
      out.push_back({"rsa d", without_leading_zeros(c)});
      out.push_back({"rsa qInv", without_leading_zeros(d)});
      out.push_back({"rsa p", without_leading_zeros(e)});
      out.push_back({"rsa q", without_leading_zeros(f)});
      out.push_back({"rsa dP", crt_exponent(c, e)});
      out.push_back({"rsa dQ", crt_exponent(c, f)});
    }
  } else if (pub.type == KeyType::dsa) {
    if (mp(a) && mp(b) && mp(c) && mp(d) && mp(e))
      out.push_back({"dsa x", without_leading_zeros(e)});
  }
  // Little-endian copies too: OpenSSL keeps BIGNUM words little-endian in memory.
  size_t n = out.size();
  for (size_t i = 0; i < n; i++) {
    if (out[i].first.rfind("ed25519", 0) == 0) continue;
    Bytes rev(out[i].second.rbegin(), out[i].second.rend());
    out.push_back({out[i].first + " (little-endian)", rev});
  }
  return out;
}

using skagent::testing::from_hex;

// memscan PID[,PID...] [KEYFILE | text:LABEL=TEXT | hex:LABEL=HEX]...
// Every 16-byte window of every secret (the whole secret when shorter; at least 8 bytes) is
// looked for at every offset of every readable mapping of each process: a secret is found when
// any 16 consecutive bytes of it are, so a partly overwritten copy counts too. Windows are
// indexed by their first 8 bytes in a bitmap and a hash map, so one pass over the memory
// checks all of them at once.
int cmd_memscan(const std::string& pids_arg, const std::vector<std::string>& args) {
  constexpr size_t kWindow = 16, kKey = 8;
  struct Secret {
    std::string what;
    Bytes bytes;
    int hits = 0;
  };
  std::vector<Secret> secrets;
  for (const auto& arg : args) {
    if (arg.rfind("text:", 0) == 0 || arg.rfind("hex:", 0) == 0) {
      bool hex = arg[0] == 'h';
      std::string rest = arg.substr(hex ? 4 : 5);
      auto eq = rest.find('=');
      if (eq == std::string::npos)
        return fprintf(stderr, "memscan: %s: want LABEL=VALUE\n", arg.c_str()), 1;
      Bytes b = hex ? from_hex(rest.substr(eq + 1)) : to_bytes(view(rest.substr(eq + 1)));
      if (b.size() < kKey)
        return fprintf(stderr, "memscan: %s: shorter than %zu bytes\n", arg.c_str(), kKey), 1;
      secrets.push_back({rest.substr(0, eq), std::move(b), 0});
      continue;
    }
    std::ifstream in(arg, std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto k = read_private_key_file(view(text), "");
    if (!k) return fprintf(stderr, "memscan: %s: %s\n", arg.c_str(), k.error().message.c_str()), 1;
    for (auto& [what, b] : secrets_of(k->key))
      secrets.push_back({arg + ": " + what, std::move(b), 0});
  }
  struct Window {
    size_t secret, offset, len;
  };
  std::unordered_map<uint64_t, std::vector<Window>> windows;
  std::vector<uint64_t> bitmap(size_t(1) << 18);  // 2^24 bits
  auto slot = [](uint64_t k) { return size_t((k * 0x9E3779B97F4A7C15ULL) >> 40); };
  size_t nwindows = 0;
  for (size_t i = 0; i < secrets.size(); i++) {
    const Bytes& b = secrets[i].bytes;
    if (b.size() < kKey) continue;
    size_t len = std::min(b.size(), kWindow);
    for (size_t off = 0; off + len <= b.size(); off++) {
      uint64_t k;
      memcpy(&k, b.data() + off, kKey);
      windows[k].push_back({i, off, len});
      bitmap[slot(k) >> 6] |= uint64_t(1) << (slot(k) & 63);
      nwindows++;
    }
  }
  size_t regions = 0, bytes = 0, processes = 0;
  for (size_t from = 0; from < pids_arg.size();) {
    size_t comma = pids_arg.find(',', from);
    if (comma == std::string::npos) comma = pids_arg.size();
    int pid = atoi(pids_arg.substr(from, comma - from).c_str());
    from = comma + 1;
    std::ifstream maps("/proc/" + std::to_string(pid) + "/maps");
    int mem = open(("/proc/" + std::to_string(pid) + "/mem").c_str(), O_RDONLY | O_CLOEXEC);
    if (!maps || mem < 0)
      return fprintf(stderr, "memscan: cannot open /proc/%d/mem: %s\n", pid, strerror(errno)), 1;
    processes++;
    std::vector<std::string> lines;
    for (std::string line; std::getline(maps, line);) lines.push_back(line);
    // A sanitizer build's shadow memory (x86-64 ASan: 0x7fff8000 up to 0x10007fff8000, 14 TiB
    // reserved) holds poison marks, never data: not read.
    bool asan = std::any_of(lines.begin(), lines.end(), [](const std::string& l) {
      return l.find("libasan") != std::string::npos;
    });
    auto is_asan_shadow = [&](unsigned long lo) {
      return asan && lo >= 0x7fff8000UL && lo < 0x10007fff8000UL;
    };
    // Regions are read in chunks that overlap by one window, so none is missed at a seam.
    constexpr size_t kChunk = 16 << 20;
    std::vector<uint8_t> buf(kChunk + kWindow);
    for (const auto& line : lines) {
      unsigned long lo = 0, hi = 0;
      char perms[8] = {};
      if (sscanf(line.c_str(), "%lx-%lx %7s", &lo, &hi, perms) != 3 || perms[0] != 'r') continue;
      if (line.find("[vvar]") != std::string::npos || line.find("[vsyscall]") != std::string::npos)
        continue;
      if (is_asan_shadow(lo)) continue;
      bool read_any = false;
      for (unsigned long at = lo; at < hi; at += kChunk) {
        size_t want = std::min<size_t>(hi - at, kChunk + kWindow);
        ssize_t n = pread(mem, buf.data(), want, off_t(at));
        if (n <= 0) break;
        read_any = true;
        bytes += std::min<size_t>(size_t(n), kChunk);
        // A hit starting in the overlap is the next chunk's, so it is counted once.
        size_t last = std::min<size_t>(size_t(n), kChunk);
        for (size_t i = 0; i < last && i + kKey <= size_t(n); i++) {
          uint64_t k;
          memcpy(&k, buf.data() + i, kKey);
          size_t sl = slot(k);
          if (!(bitmap[sl >> 6] >> (sl & 63) & 1)) continue;
          auto it = windows.find(k);
          if (it == windows.end()) continue;
          for (const Window& w : it->second) {
            Secret& sec = secrets[w.secret];
            if (i + w.len > size_t(n) ||
                memcmp(buf.data() + i, sec.bytes.data() + w.offset, w.len) != 0)
              continue;
            if (sec.hits++ < 5) {
              fprintf(stderr, "memscan: %s bytes %zu..%zu found in pid %d at 0x%lx in %s\n",
                      sec.what.c_str(), w.offset, w.offset + w.len, pid, at + i, line.c_str());
            }
          }
        }
      }
      regions += read_any;
    }
    close(mem);
  }
  int found = 0;
  for (const auto& sec : secrets) {
    found += sec.hits > 0;
    if (sec.hits > 0)
      fprintf(stderr, "memscan: %s: %d windows found\n", sec.what.c_str(), sec.hits);
  }
  printf(
      "scanned %zu processes, %zu regions, %zu MiB; %zu secrets (%zu 16-byte windows) looked for, "
      "%d found\n",
      processes, regions, bytes >> 20, secrets.size(), nwindows, found);
  return found == 0 && regions > 0 ? 0 : 1;
}

// ------------------------------------------------------------------ soak

long vm_rss_kb(int pid) {
  std::ifstream st("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(st, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return atol(line.c_str() + 6);
  }
  return -1;
}

struct KeyPair {
  PrivateKey key;
  Bytes blob;
  std::string sk_provider;  // security keys: the provider library, or "internal"
};

// A security key's provider: KEYFILE.provider when there is one (the soak mixes providers),
// else $SOAK_SK_PROVIDER; empty when neither names one.
std::string sk_provider_of(const std::filesystem::path& key) {
  std::ifstream f(key.string() + ".provider");
  std::string p;
  if (std::getline(f, p) && !p.empty()) return p;
  const char* env = getenv("SOAK_SK_PROVIDER");
  return env != nullptr ? env : "";
}

// "sk-sign:internal", "sk-sign:sk-dummy.so": a count per provider.
std::string sk_sign_op(const KeyPair& kp) {
  return "sk-sign:" + std::filesystem::path(kp.sk_provider).filename().string();
}

int cmd_soak(const std::string& agent, int pid, int seconds, const std::string& keydir) {
  std::vector<KeyPair> pool;
  for (const auto& e : std::filesystem::directory_iterator(keydir)) {
    if (e.path().extension() != "" || e.path().filename().string().find('.') != std::string::npos)
      continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    auto k = read_private_key_file(view(text), "");
    if (!k) continue;
    KeyPair kp{std::move(k->key), {}, {}};
    kp.blob = kp.key.public_key().blob();
    if (kp.key.is_security_key()) {
      kp.sk_provider = sk_provider_of(e.path());
      if (kp.sk_provider.empty()) continue;
    }
    pool.push_back(std::move(kp));
  }
  if (pool.size() < 2) return fprintf(stderr, "soak: need keys in %s\n", keydir.c_str()), 1;
  std::sort(pool.begin(), pool.end(),
            [](const KeyPair& a, const KeyPair& b) { return a.blob < b.blob; });

  std::atomic<bool> stop{false};
  std::atomic<uint64_t> ok{0}, failed{0};
  std::map<std::string, std::atomic<uint64_t>> by_op;
  for (const char* op : {"add", "remove", "sign", "list", "lock", "unlock"}) by_op[op] = 0;
  for (const auto& kp : pool) {
    if (!kp.sk_provider.empty()) by_op[sk_sign_op(kp)] = 0;
  }
  std::shared_mutex lock_gate;  // lock/unlock exclusive, everything else shared
  std::mutex err_mu;
  auto report = [&](const std::string& op, bool good, const std::string& why) {
    if (good) {
      ok++;
      by_op[op]++;
    } else {
      failed++;
      std::lock_guard<std::mutex> l(err_mu);
      fprintf(stderr, "soak: %s failed: %s\n", op.c_str(), why.c_str());
    }
  };
  auto add = [&](Client& c, const KeyPair& kp) {
    Writer w;
    kp.key.write(w);
    w.string("soak");
    if (!kp.sk_provider.empty()) {
      w.u8(255);  // SSH_AGENT_CONSTRAIN_EXTENSION
      w.string("sk-provider@openssh.com");
      w.string(kp.sk_provider);
    }
    return c.call(kp.sk_provider.empty() ? msg::kAddIdentity : msg::kAddIdConstrained, w.bytes());
  };
  // Security keys are shared (added once, signed by everyone); each worker owns one software
  // key it adds, signs with and removes, so no worker's request can fail by another's doing.
  std::vector<const KeyPair*> sk, sw;
  for (const auto& kp : pool) (kp.sk_provider.empty() ? sw : sk).push_back(&kp);
  {
    Client c(agent);
    for (auto* kp : sk) {
      if (!is_reply(add(c, *kp), msg::kSuccess))
        return fprintf(stderr, "soak: cannot add sk key\n"), 1;
    }
  }
  size_t workers = std::min<size_t>(sw.size(), 6);
  std::vector<std::thread> threads;
  for (size_t w = 0; w < workers; w++) {
    threads.emplace_back([&, w] {
      std::mt19937 rng(unsigned(w + 1));
      auto c = std::make_unique<Client>(agent);
      const KeyPair& mine = *sw[w];
      bool present = false;
      uint64_t n = 0;
      while (!stop) {
        int op = int(rng() % 100);
        std::shared_lock<std::shared_mutex> gate(lock_gate);
        std::string why;
        if (!present || op < 5) {
          if (present && op < 5) {
            bool good = is_reply(c->call(msg::kRemoveIdentity,
                                         [&] {
                                           Writer x;
                                           x.string(mine.blob);
                                           return x.take();
                                         }()),
                                 msg::kSuccess);
            report("remove", good, "remove of an own key refused");
            present = !good;
          } else {
            bool good = is_reply(add(*c, mine), msg::kSuccess);
            report("add", good, "add refused");
            present = good;
          }
        } else if (op < 55) {
          bool good = sign_and_verify(
              *c, mine.blob, view("soak " + std::to_string(w) + " " + std::to_string(n)), &why);
          report("sign", good, why);
        } else if (op < 65 && !sk.empty()) {
          const KeyPair& k = *sk[rng() % sk.size()];
          bool good = sign_and_verify(*c, k.blob, view("soak sk " + std::to_string(n)), &why);
          report(sk_sign_op(k), good, why);
        } else if (op < 97) {
          auto keys = list_keys(*c);
          bool good = std::find(keys.begin(), keys.end(), mine.blob) != keys.end();
          report("list", good,
                 "own key missing from the list (" + std::to_string(keys.size()) + " listed)");
        } else {
          gate.unlock();
          std::unique_lock<std::shared_mutex> excl(lock_gate);
          Bytes pw = password_body("soak password");
          bool l = is_reply(c->call(msg::kLock, pw), msg::kSuccess);
          report("lock", l, "lock refused");
          auto listed = list_keys(*c);
          report("list", listed.empty(), "a locked agent listed keys");
          bool u = is_reply(c->call(msg::kUnlock, pw), msg::kSuccess);
          report("unlock", u, "unlock refused");
        }
        if (++n % 200 == 0) c = std::make_unique<Client>(agent);  // new connections too
      }
    });
  }
  // RSS: a sample every 10 s once a warm-up (a fifth of the run, at least 10 s) is over.
  std::vector<long> rss;
  auto start = Clock::now();
  int warmup = std::max(10, seconds / 5);
  while (ms_since(start) < seconds * 1000.0) {
    std::this_thread::sleep_for(std::chrono::seconds(1));
    int t = int(ms_since(start) / 1000);
    if (t >= warmup && (t - warmup) % 10 == 0 &&
        (rss.empty() || int(rss.size()) <= (t - warmup) / 10)) {
      rss.push_back(vm_rss_kb(pid));
      fprintf(stderr, "soak: t=%ds VmRSS %ld kB, %llu requests ok, %llu failed\n", t, rss.back(),
              (unsigned long long)ok.load(), (unsigned long long)failed.load());
    }
  }
  stop = true;
  for (auto& t : threads) t.join();
  long lo = rss.empty() ? 0 : *std::min_element(rss.begin(), rss.end());
  long hi = rss.empty() ? 0 : *std::max_element(rss.begin(), rss.end());
  double growth = lo > 0 ? 100.0 * double(hi - lo) / double(lo) : 0;
  std::ostringstream ops;
  for (auto& [op, n] : by_op) ops << " " << op << "=" << n.load();
  printf("soak %d s, %zu workers: %llu requests ok, %llu failed (%s )\n", seconds, workers,
         (unsigned long long)ok.load(), (unsigned long long)failed.load(), ops.str().c_str());
  printf(
      "VmRSS %zu samples after %d s warm-up: first %ld kB, last %ld kB, min %ld kB, max %ld kB, "
      "spread %.1f %%\n",
      rss.size(), warmup, rss.empty() ? 0 : rss.front(), rss.empty() ? 0 : rss.back(), lo, hi,
      growth);
  bool alive = kill(pid, 0) == 0;
  if (!alive) printf("the agent is gone\n");
  return failed == 0 && growth <= 10.0 && alive && !rss.empty() ? 0 : 1;
}

// ------------------------------------------------------------------ ptrace

int cmd_ptrace(int pid) {
  pid_t child = fork();
  if (child == 0) {
    pause();
    _exit(0);
  }
  usleep(100 * 1000);
  bool control = ptrace(PTRACE_ATTACH, child, nullptr, nullptr) == 0;
  int control_errno = errno;
  if (control) {
    waitpid(child, nullptr, __WALL);
    ptrace(PTRACE_DETACH, child, nullptr, nullptr);
  }
  kill(child, SIGKILL);
  waitpid(child, nullptr, 0);
  if (!control) {
    printf("control attach to our own child failed (%s): ptrace is not usable here\n",
           strerror(control_errno));
    return 1;
  }
  if (ptrace(PTRACE_ATTACH, pid, nullptr, nullptr) == 0) {
    waitpid(pid, nullptr, __WALL);
    ptrace(PTRACE_DETACH, pid, nullptr, nullptr);
    printf("attached to %d: NOT protected\n", pid);
    return 1;
  }
  printf("control attach ok; attach to %d refused: %s\n", pid, strerror(errno));
  return errno == EPERM ? 0 : 1;
}

int usage() {
  fprintf(stderr, "usage: skagent-adversary COMMAND ... (see tests/adversary/adversary.cc)\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  signal(SIGPIPE, SIG_IGN);
  if (argc < 2) return usage();
  std::string cmd = argv[1];
  auto arg = [&](int i) { return i < argc ? std::string(argv[i]) : std::string(); };
  if (cmd == "record" && argc == 5) return cmd_record(arg(2), arg(3), arg(4));
  if (cmd == "hold" && argc == 4) return cmd_hold(arg(2), atoi(argv[3]));
  if (cmd == "drip" && argc == 4) return cmd_drip(arg(2), atoi(argv[3]));
  if (cmd == "latency" && argc == 5) return cmd_latency(arg(2), atoi(argv[3]), atof(argv[4]));
  if (cmd == "malformed" && argc == 5)
    return cmd_malformed(arg(2), atoi(argv[3]), size_t(atoi(argv[4])));
  if (cmd == "half-frame" && argc == 3) return cmd_half_frame(arg(2));
  if (cmd == "sign-and-vanish" && argc == 3) return cmd_sign_and_vanish(arg(2));
  if (cmd == "lock" && argc == 4) return cmd_lock(arg(2), msg::kLock, arg(3));
  if (cmd == "unlock" && argc == 4) return cmd_lock(arg(2), msg::kUnlock, arg(3));
  if (cmd == "add-refused" && argc == 4) return cmd_add_refused(arg(2), arg(3));
  if (cmd == "unlock-guesses" && argc == 4) return cmd_unlock_guesses(arg(2), atoi(argv[3]));
  if (cmd == "pipeline" && argc == 4) return cmd_pipeline(arg(2), atol(argv[3]));
  if (cmd == "unlock-parallel" && argc == 4) return cmd_unlock_parallel(arg(2), atoi(argv[3]));
  if (cmd == "flood" && argc == 7) {
    return cmd_flood(arg(2), atoi(argv[3]), size_t(atol(argv[4])), atoi(argv[5]), atoi(argv[6]));
  }
  if (cmd == "fork-exec" && argc == 5) return cmd_fork_exec(arg(2), arg(3), arg(4));
  if (cmd == "memscan" && argc >= 4)
    return cmd_memscan(arg(2), std::vector<std::string>(argv + 3, argv + argc));
  if (cmd == "ptrace" && argc == 3) return cmd_ptrace(atoi(argv[2]));
  if (cmd == "landlock-abi" && argc == 2) return printf("%d\n", landlock_abi()) < 0;
  if (cmd == "soak" && argc == 6) return cmd_soak(arg(2), atoi(argv[3]), atoi(argv[4]), arg(5));
  return usage();
}
