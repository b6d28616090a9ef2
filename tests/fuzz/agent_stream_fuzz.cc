// SPDX-License-Identifier: BSD-2-Clause
// The agent as its clients reach it, persistent: one Agent and one Server on a real socket,
// and up to three client connections, set up once and reused. An input is a list of records
// `byte conn, uint32 len, len bytes`: each frame is written, as it is, to connection conn % 3;
// all frames of an input are written before any reply is read, so every connection
// pipelines. The harness then runs the event loop until each connection has one reply per
// complete frame, or was closed by the agent (a frame of length 0 or over 256 KiB). A
// missing, extra (also one arriving after its input) or unordered reply is a finding
// (FUZZ_CHECK); so is a hang (libFuzzer's timeout).
//
// What an input leaves behind is undone before the next, cheaply: a connection that sent an
// extension (session-bind changes it for good), left a frame incomplete or was closed is
// closed and opened again when next used (an accept reads the caller from /proc); after an
// input that sent a key- or lock-changing message, the agent is unlocked with each password
// the input locked with, emptied and given the same four keys again (tests/fuzz/fuzz_util.h).
//
// Unlocks: a wrong password delays the next attempt by unlock_delay_step more (agent-wide);
// the harness sets the step to 1 us, so wrong unlocks cost nothing and are sent as they are.
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>

#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "agent/server.h"
#include "platform/unix_listener.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

namespace {

constexpr int kConns = 3;

struct Client {
  int fd = -1;
  Bytes out, in;
  size_t sent = 0;  // of out: the rest goes when the socket takes it
  size_t expected = 0, replies = 0;
  bool eof = false, bad_length = false;
  bool dirty = false;  // this input changed the connection: open a new one for the next

  void start_input() {
    out.clear();
    in.clear();
    sent = expected = replies = 0;
    eof = bad_length = dirty = false;
  }
};

class World {
 public:
  World() {
    opts_.allowed_providers = "/nonexistent-provider-dir/*";
    opts_.unlock_delay_step = std::chrono::microseconds(1);
    log_.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    agent_ = Agent::create(opts_, log_, loop_, "/nonexistent/skagent-sk-helper",
                           "/nonexistent/skagent-pkcs11-helper")
                 .value();
    char tmpl[] = "/tmp/skagent-fuzz-stream.XXXXXX";
    if (mkdtemp(tmpl) == nullptr) abort();
    dir_ = tmpl;
    auto l = listen_unix(dir_ + "/agent.sock", getpid());
    if (!l) abort();
    listener_ = *l;
    server_ = std::make_unique<Server>(loop_, *agent_, listener_.fd);
    control_ = fuzz::in_process_connection(~uint64_t{0});
    preload_ = fuzz::preload_messages();
  }

  // Dispatches one message on the control connection (no socket) and waits for its reply.
  Bytes control(ByteView message) { return fuzz::dispatch_sync(*agent_, loop_, control_, message); }

  // Back to the state every input starts from. Only an input that sent a message that can
  // change the agent's keys or lock state pays for it (re-adding four keys is most of the
  // cost of a short input).
  void reset(const std::vector<Bytes>& lock_bodies) {
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
    bool changes_state = false;
    Reader r(ByteView(data, size));
    uint8_t which = 0;
    uint32_t len = 0;
    while (r.u8(which) && r.u32(len)) {
      Client& cl = c_[which % kConns];
      ByteView body;
      bool complete = r.raw(std::min<size_t>(len, r.remaining()), body) && body.size() == len;
      if (complete && len > 0 && len <= msg::kMaxFrame) {
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
        if (std::find(std::begin(kChanging), std::end(kChanging), body[0]) != std::end(kChanging))
          changes_state = true;
        if (body[0] == msg::kLock) lock_bodies.push_back(Bytes(body.begin() + 1, body.end()));
        if (body[0] == msg::kExtension) cl.dirty = true;
      }
      if (cl.bad_length) continue;  // the agent has closed this one
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
      if (!cl.bad_length) cl.expected++;
    }
    for (auto& cl : c_) {
      if (cl.out.empty()) continue;
      if (cl.fd < 0) open_client(cl);
      write_some(cl);
    }
    if (!all_done()) loop_.run();
    bool closed = false;
    for (auto& cl : c_) {
      if (cl.fd < 0) continue;
      FUZZ_CHECK(cl.replies == cl.expected ||
                 (cl.eof && cl.bad_length && cl.replies <= cl.expected));
      if (cl.dirty || cl.eof) {
        close_client(cl);
        closed = true;
      }
    }
    if (closed) {  // let the server see the closes before the next input
      loop_.post([this] { loop_.stop(); });
      loop_.run();
    }
    if (changes_state) reset(lock_bodies);
  }

 private:
  void open_client(Client& cl) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sun {};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", listener_.path.c_str());
    FUZZ_CHECK(connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0);
    int sz = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    cl.fd = fd;
    // Watched for as long as it is open, between inputs too: a reply that comes late is
    // counted against the input that is over, and fails the check.
    loop_.watch(fd, EventLoop::kRead, [this, &cl](uint32_t events) {
      if (events & EventLoop::kWrite) write_some(cl);
      if (events & (EventLoop::kRead | EventLoop::kError)) on_reply(cl);
    });
  }

  void close_client(Client& cl) {
    if (!cl.eof) loop_.unwatch(cl.fd);
    close(cl.fd);
    cl.fd = -1;
  }

  void write_some(Client& cl) {
    while (cl.sent < cl.out.size()) {
      ssize_t n = send(cl.fd, cl.out.data() + cl.sent, cl.out.size() - cl.sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      cl.sent += size_t(n);
    }
    if (!cl.eof) {
      loop_.set_interest(cl.fd,
                         EventLoop::kRead | (cl.sent < cl.out.size() ? EventLoop::kWrite : 0));
    }
  }

  bool all_done() const {
    for (const auto& cl : c_)
      if (cl.fd >= 0 && cl.replies < cl.expected && !cl.eof) return false;
    return true;
  }

  void on_reply(Client& cl) {
    uint8_t buf[65536];
    ssize_t n = read(cl.fd, buf, sizeof(buf));
    if (n <= 0) {
      if (n == 0 || errno != EAGAIN) {
        cl.eof = true;
        loop_.unwatch(cl.fd);
      }
    } else {
      cl.in.insert(cl.in.end(), buf, buf + n);
      for (;;) {
        Reader r(cl.in);
        uint32_t len = 0;
        ByteView body;
        if (!r.u32(len) || !r.raw(len, body)) break;
        FUZZ_CHECK(len > 0);
        cl.replies++;
        FUZZ_CHECK(cl.replies <= cl.expected);
        cl.in.erase(cl.in.begin(), cl.in.begin() + 4 + len);
      }
    }
    if (all_done()) loop_.stop();
  }

  AgentOptions opts_;
  Logger log_;
  std::unique_ptr<EventLoop> loop_owner_ = EventLoop::create().value();
  EventLoop& loop_ = *loop_owner_;
  std::unique_ptr<Agent> agent_;
  std::string dir_;
  Listener listener_;
  std::unique_ptr<Server> server_;
  std::shared_ptr<Connection> control_;
  std::vector<Bytes> preload_;
  Client c_[kConns];
};

World* g_world = nullptr;

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  // Confirmation prompts are refused at once (the default options name no askpass); nothing
  // is ever shown or spawned.
  stderr = fopen("/dev/null", "w");
  g_world = new World();
  g_world->reset({});
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  g_world->run(data, size);
  return 0;
}
