// SPDX-License-Identifier: BSD-2-Clause
// The agent as its clients reach it, persistent: one Agent and one Server on a real socket,
// set up once and reset cheaply after inputs that may change it (unlock, remove-all, the four preloaded keys
// again). An input is a list of records `byte conn, uint32 len, len bytes`: each frame is
// written, as it is, to connection conn % 3 (opened on demand); all frames of an input are
// written before any reply is read, so every connection pipelines. The harness then runs the
// event loop until each connection has one reply per complete frame, or was closed by the
// agent (a frame of length 0 or over 256 KiB). A missing, extra or unordered reply is a
// finding (FUZZ_CHECK); so is a hang (libFuzzer's timeout).
//
// Unlocks: a wrong password costs the next attempt a growing delay (by design, agent-wide),
// which would make the harness slow for good; an UNLOCK whose password was not the body of a
// LOCK earlier in the same input becomes message type 99 (unknown) before it is sent.
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

Bytes add_message(uint8_t type, ByteView key, std::string_view comment, ByteView constraints = {}) {
  Writer w;
  w.u8(type);
  w.raw(key);
  w.string(comment);
  w.raw(constraints);
  return w.take();
}

struct Client {
  int fd = -1;
  Bytes out, in;
  size_t sent = 0;  // of out: the rest goes when the socket takes it
  size_t expected = 0, replies = 0;
  bool eof = false, bad_length = false, watched = false;
};

class World {
 public:
  World() {
    opts_.allowed_providers = "/nonexistent-provider-dir/*";
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
    control_ = std::make_shared<Connection>();
    control_->id = ~uint64_t{0};
    Bytes ed = fuzz::fixed_ed25519_private();
    PrivateKey k = fuzz::read_key(ed);
    preload_.push_back(add_message(msg::kAddIdentity, ed, "software"));
    preload_.push_back(
        add_message(msg::kAddIdConstrained, fuzz::fixed_ed25519_private(101), "confirm", Bytes{2}));
    preload_.push_back(add_message(
        msg::kAddIdentity, fuzz::fixed_sk_ed25519_private(k.public_key().point), "sk-ed25519"));
    preload_.push_back(add_message(msg::kAddIdentity, fuzz::fixed_sk_ecdsa_private(), "sk-ecdsa"));
  }

  // Dispatches one message on the control connection (no socket) and waits for its reply.
  Bytes control(ByteView message) {
    bool replied = false;
    Bytes answer;
    Request req;
    req.conn = control_;
    req.type = message[0];
    req.body = message.subspan(1);
    req.reply = [this, &replied, &answer](Bytes reply) {
      replied = true;
      answer = std::move(reply);
      loop_.stop();
    };
    agent_->dispatch(std::move(req));
    if (!replied) loop_.run();
    FUZZ_CHECK(replied);
    return answer;
  }

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
    Client c[kConns];
    std::vector<Bytes> lock_bodies;
    bool changes_state = false;
    Reader r(ByteView(data, size));
    uint8_t which = 0;
    uint32_t len = 0;
    while (r.u8(which) && r.u32(len)) {
      Client& cl = c[which % kConns];
      ByteView body;
      bool complete = r.raw(std::min<size_t>(len, r.remaining()), body) && body.size() == len;
      Bytes frame = to_bytes(body);
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
        if (std::find(std::begin(kChanging), std::end(kChanging), frame[0]) != std::end(kChanging))
          changes_state = true;
        if (frame[0] == msg::kLock) lock_bodies.push_back(Bytes(frame.begin() + 1, frame.end()));
        if (frame[0] == msg::kUnlock) {
          Bytes pw(frame.begin() + 1, frame.end());
          if (std::find(lock_bodies.begin(), lock_bodies.end(), pw) == lock_bodies.end())
            frame[0] = 99;
        }
      }
      if (cl.bad_length) continue;  // the agent has closed this one
      Writer w;
      w.u32(len);
      w.raw(frame);
      cl.out.insert(cl.out.end(), w.bytes().begin(), w.bytes().end());
      // A bad length closes the connection as soon as its header is read, and replies
      // still queued for it may go unsent.
      if (len == 0 || len > msg::kMaxFrame) cl.bad_length = true;
      if (!complete) break;  // an incomplete frame: the agent waits for the rest
      if (!cl.bad_length) cl.expected++;
    }
    for (auto& cl : c) {
      if (cl.out.empty()) continue;
      cl.fd = connect_client();
      write_some(cl);
      loop_.watch(cl.fd, EventLoop::kRead | (cl.sent < cl.out.size() ? EventLoop::kWrite : 0),
                  [this, &cl, &c](uint32_t events) {
                    if (events & EventLoop::kWrite) write_some(cl);
                    if (events & (EventLoop::kRead | EventLoop::kError)) on_reply(cl, c);
                  });
      cl.watched = true;
    }
    if (!all_done(c)) loop_.run();
    for (auto& cl : c) {
      if (cl.fd < 0) continue;
      FUZZ_CHECK(cl.replies == cl.expected ||
                 (cl.eof && cl.bad_length && cl.replies <= cl.expected));
      if (cl.watched) loop_.unwatch(cl.fd);
      close(cl.fd);
    }
    // Let the server see the closes before the next input.
    loop_.post([this] { loop_.stop(); });
    loop_.run();
    if (changes_state) reset(lock_bodies);
  }

 private:
  int connect_client() {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    struct sockaddr_un sun {};
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", listener_.path.c_str());
    FUZZ_CHECK(connect(fd, reinterpret_cast<sockaddr*>(&sun), sizeof(sun)) == 0);
    int sz = 4 << 20;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sz, sizeof(sz));
    return fd;
  }

  void write_some(Client& cl) {
    while (cl.sent < cl.out.size()) {
      ssize_t n = send(cl.fd, cl.out.data() + cl.sent, cl.out.size() - cl.sent, MSG_NOSIGNAL);
      if (n <= 0) break;
      cl.sent += size_t(n);
    }
    if (cl.sent == cl.out.size() && cl.watched) loop_.set_interest(cl.fd, EventLoop::kRead);
  }

  static bool all_done(const Client (&c)[kConns]) {
    for (const auto& cl : c)
      if (cl.fd >= 0 && cl.replies < cl.expected && !cl.eof) return false;
    return true;
  }

  void on_reply(Client& cl, Client (&c)[kConns]) {
    uint8_t buf[65536];
    ssize_t n = read(cl.fd, buf, sizeof(buf));
    if (n <= 0) {
      if (n == 0 || errno != EAGAIN) {
        cl.eof = true;
        cl.watched = false;
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
    if (all_done(c)) loop_.stop();
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
