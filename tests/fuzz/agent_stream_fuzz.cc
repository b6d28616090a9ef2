// SPDX-License-Identifier: BSD-2-Clause
// The agent as its clients reach it, persistent and in memory: one Agent and one Server for
// every input, and up to three client connections kept between inputs. The connections reach
// the server's own framing, request loop, backpressure and closing through an in-memory
// transport (agent/server.h's test seam, tests/common/memory_transport.h): no socket, no
// accept, no epoll; the harness does what the event loop would, and runs the loop itself only
// while the agent works asynchronously (a worker's signature, a refused prompt, an unlock
// waiting its turn). An input is a list of records `byte conn, uint32 len, len bytes`: each
// frame is written, as it is, to connection conn % 3; all frames of an input are written
// before any reply is read, so every connection pipelines; a client takes at most 32 KiB of
// replies before it reads (its socket buffer), so many pipelined requests meet the server's
// backpressure. The harness then delivers until each connection has one reply per complete
// frame, or was closed by the agent (a frame of length 0 or over 256 KiB). A missing, extra
// (also one arriving after its input) or unordered reply is a finding (FUZZ_CHECK); so is a
// hang (libFuzzer's timeout).
//
// What an input leaves behind is undone before the next, cheaply: a connection that sent an
// extension (session-bind changes it for good), left a frame incomplete or was closed is
// closed by its client (end of input, as epoll reports a hang-up) and a new one adopted when
// next used; after an input in which a key- or lock-changing message did not fail, the agent
// is unlocked with each password the input locked with, emptied and given the same four keys
// again (tests/fuzz/fuzz_util.h).
//
// Unlocks: a wrong password delays the next attempt by unlock_delay_step more (agent-wide);
// the harness sets the step to 0, so wrong unlocks cost nothing and never wait on a timer.
#include <unistd.h>

#include <algorithm>
#include <memory>

#include "agent/agent.h"
#include "agent/prompts/request_context.h"
#include "agent/protocol/messages.h"
#include "agent/server.h"
#include "tests/common/memory_transport.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;
using skagent::testing::MemoryTransport;

namespace {

constexpr int kConns = 3;
constexpr int kFirstFd = 1 << 20;  // never a real descriptor: the transport only names it
constexpr size_t kWindow = 32 * 1024;

// Requests whose success changes the agent's keys or lock.
bool changes_state(uint8_t type) {
  static const uint8_t kChanging[] = {msg::kRemoveAllV1,
                                      msg::kAddIdentity,
                                      msg::kRemoveIdentity,
                                      msg::kRemoveAllIdentities,
                                      msg::kAddSmartcardKey,
                                      msg::kRemoveSmartcardKey,
                                      msg::kLock,
                                      msg::kUnlock,
                                      msg::kAddIdConstrained,
                                      msg::kAddSmartcardKeyConstrained};
  return std::find(std::begin(kChanging), std::end(kChanging), type) != std::end(kChanging);
}

struct Client {
  int fd = -1;
  std::shared_ptr<Connection> conn;  // the server's side, while open
  Bytes out;                         // this input's bytes for the agent
  std::vector<uint8_t> types;        // the type of each complete frame, in order
  size_t expected = 0, replies = 0;
  bool bad_length = false;
  bool dirty = false;    // this input changed the connection: open a new one for the next
  bool changed = false;  // a key- or lock-changing request of this input did not fail

  void start_input() {
    out.clear();
    types.clear();
    expected = replies = 0;
    bad_length = dirty = changed = false;
  }
};

class World {
 public:
  World() {
    opts_.allowed_providers = "/nonexistent-provider-dir/*";
    opts_.unlock_delay_step = std::chrono::microseconds(0);
    log_.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, "/nonexistent/skagent-sk-helper",
                           "/nonexistent/skagent-pkcs11-helper")
                 .value();
    server_ = std::make_unique<Server>(loop_, *agent_, io_);
    // Every connection comes from this process, read from /proc once, as at an accept.
    peer_.pid = getpid();
    peer_.uid = getuid();
    peer_.gid = getgid();
    caller_ = read_caller(peer_, -1, false);
    io_.on_activity = [this] {
      if (waiting_) loop_.stop();
    };
    for (int i = 0; i < kConns; i++) c_[i].fd = kFirstFd + i;
    control_ = fuzz::in_process_connection(~uint64_t{0});
    preload_ = fuzz::preload_messages();
    for (const auto& m : preload_) {  // type, key, comment[, constraints]
      Reader r(ByteView(m).subspan(1));
      auto k = PrivateKey::read(r);
      ByteView comment;
      FUZZ_CHECK(k && r.string(comment));
      preload_ids_.emplace_back(k->public_key().blob(), to_bytes(comment));
    }
  }

  // Dispatches one message on the control connection (no transport) and waits for its reply.
  Bytes control(ByteView message) { return fuzz::dispatch_sync(*agent_, loop_, control_, message); }

  // The agent's key list as the control connection sees it (a local connection sees every
  // key): blob and comment of each, in the order they were added.
  std::vector<std::pair<Bytes, Bytes>> listed() {
    Bytes a = control(Bytes{msg::kRequestIdentities});
    FUZZ_CHECK(a[0] == msg::kIdentitiesAnswer);
    Reader r(ByteView(a).subspan(1));
    uint32_t n = 0;
    FUZZ_CHECK(r.u32(n));
    std::vector<std::pair<Bytes, Bytes>> ids;
    for (uint32_t i = 0; i < n; i++) {
      ByteView blob, comment;
      FUZZ_CHECK(r.string(blob) && r.string(comment));
      ids.emplace_back(to_bytes(blob), to_bytes(comment));
    }
    FUZZ_CHECK(r.empty());
    return ids;
  }

  // True when an ADD frame names one of the four keys every input starts with (it replaces
  // that key, constraints and all, which the key list does not show).
  bool names_preloaded_key(ByteView add_body) const {
    Reader r(add_body);
    auto k = PrivateKey::read(r);
    if (!k) return false;
    const Bytes blob = k->public_key().blob();
    for (const auto& id : preload_ids_)
      if (id.first == blob) return true;
    return false;
  }

  // Back to the state every input starts from. Only an input in which a message that can
  // change the agent's keys or lock state did not fail pays for it. When the four keys are
  // still the first four, unchanged (the input only added keys, or locked and unlocked), the
  // keys added after them are removed; otherwise (locked, a key removed or replaced) all are
  // removed and the four added again (most of the cost of a short input).
  void reset(const std::vector<Bytes>& lock_bodies, bool preload_named) {
    if (!preload_named) {
      auto ids = listed();  // empty while locked
      if (ids.size() >= preload_ids_.size() &&
          std::equal(preload_ids_.begin(), preload_ids_.end(), ids.begin())) {
        for (size_t i = preload_ids_.size(); i < ids.size(); i++) {
          Writer m;
          m.u8(msg::kRemoveIdentity);
          m.string(ids[i].first);
          FUZZ_CHECK(control(m.bytes()) == msg::status(true));
        }
        return;
      }
    }
    if (control(Bytes{msg::kRemoveAllIdentities}) != msg::status(true)) {
      bool ok = false;
      for (auto it = lock_bodies.rbegin(); it != lock_bodies.rend() && !ok; ++it) {
        Bytes m{msg::kUnlock};
        m.insert(m.end(), it->begin(), it->end());
        ok = control(m) == msg::status(true);
      }
      FUZZ_CHECK(ok);  // a lock we sent is always undone by its own password
      FUZZ_CHECK(control(Bytes{msg::kRemoveAllIdentities}) == msg::status(true));
    }
    for (const auto& m : preload_) FUZZ_CHECK(control(m) == msg::status(true));
  }

  void run(const uint8_t* data, size_t size) {
    for (auto& cl : c_) cl.start_input();
    std::vector<Bytes> lock_bodies;
    bool preload_named = false;
    Reader r(ByteView(data, size));
    uint8_t which = 0;
    uint32_t len = 0;
    while (r.u8(which) && r.u32(len)) {
      Client& cl = c_[which % kConns];
      ByteView body;
      bool complete = r.raw(std::min<size_t>(len, r.remaining()), body) && body.size() == len;
      if (complete && len > 0 && len <= msg::kMaxFrame) {
        if (body[0] == msg::kLock) lock_bodies.push_back(Bytes(body.begin() + 1, body.end()));
        if ((body[0] == msg::kAddIdentity || body[0] == msg::kAddIdConstrained) && !preload_named)
          preload_named = names_preloaded_key(body.subspan(1));
        if (body[0] == msg::kExtension) cl.dirty = true;
      }
      if (cl.bad_length) continue;  // the agent closes this one
      Writer w;
      w.u32(len);
      w.raw(body);
      cl.out.insert(cl.out.end(), w.bytes().begin(), w.bytes().end());
      // A bad length closes the connection as soon as its header is read, and replies
      // still queued for it may go unsent.
      if (len == 0 || len > msg::kMaxFrame) cl.bad_length = cl.dirty = true;
      if (!complete) {  // an incomplete frame: the agent waits for the rest
        cl.dirty = true;
        break;
      }
      if (!cl.bad_length) {
        fuzz::g_counts.requests++;
        cl.expected++;
        cl.types.push_back(body[0]);
      }
    }
    for (auto& cl : c_) {
      if (cl.out.empty()) continue;
      if (!cl.conn) open_client(cl);
      auto& p = io_.pipe(cl.fd);
      if (p.read_off == p.to_agent.size()) {  // the last input's bytes, all read
        p.to_agent.clear();
        p.read_off = 0;
      }
      p.to_agent.insert(p.to_agent.end(), cl.out.begin(), cl.out.end());
    }
    deliver();
    bool changed = false;
    for (auto& cl : c_) {
      if (!cl.conn) continue;
      const bool closed = io_.pipe(cl.fd).closed;
      FUZZ_CHECK(cl.replies == cl.expected ||
                 (closed && cl.bad_length && cl.replies <= cl.expected));
      if (cl.replies < cl.expected) changed = true;  // unanswered: it may have changed anything
      if (cl.dirty || closed) close_client(cl);
    }
    for (auto& cl : c_) changed = changed || cl.changed;
    if (changed) reset(lock_bodies, preload_named);
  }

 private:
  void open_client(Client& cl) {
    io_.open(cl.fd).window = kWindow;
    cl.conn = server_->adopt(cl.fd, peer_, caller_);
  }

  // The client hangs up (end of input and a hang-up, as epoll reports them): the server
  // closes its side, dropping whatever the connection still waited for.
  void close_client(Client& cl) {
    auto& p = io_.pipe(cl.fd);
    p.eof = true;
    if (!p.closed) server_->on_ready(cl.conn->id, EventLoop::kRead | EventLoop::kError);
    FUZZ_CHECK(p.closed);
    take_replies(cl);  // a reply sent on the way out counts against this input
    cl.conn.reset();
  }

  // What the event loop would do for these connections, until every complete frame is
  // answered or its connection closed: tell the server a connection is readable (unread
  // bytes) or writable (replies wait and the client has taken what it was sent), take the
  // replies, and go on while anything moved. When nothing moves but replies are owed, the
  // agent works asynchronously: run the event loop until the transport sees a send or a close.
  void deliver() {
    for (;;) {
      bool moved = true;
      while (moved) {
        moved = false;
        for (auto& cl : c_) {
          if (!cl.conn) continue;
          auto& p = io_.pipe(cl.fd);
          if (p.closed) continue;
          const size_t off = p.read_off;
          const bool unread = off < p.to_agent.size();
          if (unread || !cl.conn->out.empty()) {
            server_->on_ready(cl.conn->id, EventLoop::kRead | EventLoop::kWrite);
          }
          moved = moved || p.read_off != off || p.closed;
          moved = take_replies(cl) || moved;
        }
      }
      if (all_done()) return;
      waiting_ = true;
      loop_.run();
      waiting_ = false;
      for (auto& cl : c_) {
        if (cl.conn) take_replies(cl);
      }
    }
  }

  bool all_done() {
    for (const auto& cl : c_) {
      if (cl.conn && cl.replies < cl.expected && !io_.pipe(cl.fd).closed) return false;
    }
    return true;
  }

  // Counts the whole replies the server sent on `cl`; true when there were any.
  bool take_replies(Client& cl) {
    auto& p = io_.pipe(cl.fd);
    Reader r(p.from_agent);
    uint32_t len = 0;
    ByteView body;
    size_t used = 0;
    while (r.u32(len) && r.raw(len, body)) {
      FUZZ_CHECK(len > 0);
      FUZZ_CHECK(cl.replies < cl.expected);
      // A key- or lock-changing request that did not fail: the agent needs the reset.
      if (changes_state(cl.types[cl.replies]) && body[0] != msg::kFailure) cl.changed = true;
      cl.replies++;
      used += 4 + len;
    }
    p.from_agent.erase(p.from_agent.begin(), p.from_agent.begin() + ptrdiff_t(used));
    return used > 0;
  }

  AgentOptions opts_;
  Logger log_;
  std::unique_ptr<EventLoop> loop_owner_ = EventLoop::create().value();
  EventLoop& loop_ = *loop_owner_;
  std::unique_ptr<Agent> agent_;
  MemoryTransport io_;
  std::unique_ptr<Server> server_;
  PeerIdentity peer_;
  std::shared_ptr<const CallerInfo> caller_;
  bool waiting_ = false;  // deliver() runs the event loop: a send or close stops it
  std::shared_ptr<Connection> control_;
  std::vector<Bytes> preload_;
  std::vector<std::pair<Bytes, Bytes>> preload_ids_;  // blob and comment of each
  Client c_[kConns];
};

World* g_world = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Confirmation prompts are refused at once (the default options name no askpass); nothing
  // is ever shown or spawned.
  fuzz::print_counts_at_exit();
  stderr = fopen("/dev/null", "w");
  g_world = new World();
  g_world->reset({}, true);
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  fuzz::g_counts.inputs++;
  g_world->run(data, size);
  return 0;
}
