// SPDX-License-Identifier: BSD-2-Clause
// The server's transport seam (agent/server.h), which the fuzz harness agent_stream drives:
// frames written to an in-memory connection (tests/common/memory_transport.h) go through the
// server's own framing, request loop, backpressure and closing, as a socket's would.
#include <gtest/gtest.h>
#include <unistd.h>

#include "agent/protocol/messages.h"
#include "tests/common/memory_transport.h"

namespace skagent::testing {
namespace {

class ServerTransportTest : public ::testing::Test {
 protected:
  ServerTransportTest() {
    log_.configure(Logger::Sink::stderr_sink, Logger::Level::error);
    agent_ = Agent::create(opts_, log_, *loop_, "/nonexistent/sk-helper").value();
    server_ = std::make_unique<Server>(*loop_, *agent_, io_);
    peer_.pid = getpid();
    peer_.uid = getuid();
  }

  // Adopts a connection on descriptor number `fd` whose client takes `window` bytes of
  // replies before it reads.
  std::shared_ptr<Connection> open(int fd, size_t window) {
    io_.open(fd).window = window;
    return server_->adopt(fd, peer_, nullptr);
  }

  // Counts whole replies in what the client received and takes them; each must be `reply`.
  size_t take(int fd, const Bytes& reply) {
    auto& p = io_.pipe(fd);
    Reader r(p.from_agent);
    uint32_t len = 0;
    ByteView body;
    size_t n = 0, used = 0;
    while (r.u32(len) && r.raw(len, body)) {
      EXPECT_TRUE(equal(body, reply));
      n++;
      used += 4 + len;
    }
    p.from_agent.erase(p.from_agent.begin(), p.from_agent.begin() + ptrdiff_t(used));
    return n;
  }

  AgentOptions opts_;
  Logger log_;
  std::unique_ptr<EventLoop> loop_ = EventLoop::create().value();
  std::unique_ptr<Agent> agent_;
  MemoryTransport io_;
  std::unique_ptr<Server> server_;
  PeerIdentity peer_;
};

const Bytes kList = {0, 0, 0, 1, msg::kRequestIdentities};
const Bytes kEmptyList = {msg::kIdentitiesAnswer, 0, 0, 0, 0};

TEST_F(ServerTransportTest,
       PipelinedFramesAreAnsweredInOrderAndAClientThatDoesNotReadHoldsThemBack) {
  constexpr size_t kFrames = 5000;
  auto c = open(7, 1000);  // room for 111 nine-byte replies
  auto& p = io_.pipe(7);
  for (size_t i = 0; i < kFrames; i++)
    p.to_agent.insert(p.to_agent.end(), kList.begin(), kList.end());
  server_->on_ready(c->id, EventLoop::kRead);
  // The window is full and the server stopped: it neither answers nor reads on.
  EXPECT_EQ(p.from_agent.size(), p.window);
  EXPECT_LT(p.read_off, p.to_agent.size());
  const size_t read_before = p.read_off;
  server_->on_ready(c->id, EventLoop::kRead | EventLoop::kWrite);
  EXPECT_EQ(p.read_off, read_before);
  size_t answered = 0;
  for (int rounds = 0; answered < kFrames && rounds < 1000; rounds++) {
    answered += take(7, kEmptyList);
    server_->on_ready(c->id, EventLoop::kRead | EventLoop::kWrite);
  }
  answered += take(7, kEmptyList);
  EXPECT_EQ(answered, kFrames);
  EXPECT_EQ(p.read_off, p.to_agent.size());
  EXPECT_FALSE(p.closed);
}

TEST_F(ServerTransportTest, ABadLengthAndAHangUpCloseTheConnection) {
  auto a = open(7, 65536), b = open(8, 65536);
  auto& pa = io_.pipe(7);
  pa.to_agent = {0, 0, 0, 0};  // a frame of length 0
  server_->on_ready(a->id, EventLoop::kRead);
  EXPECT_TRUE(pa.closed);
  EXPECT_LT(a->fd, 0);

  auto& pb = io_.pipe(8);
  pb.to_agent = {0, 0, 0, 5, msg::kRequestIdentities};  // incomplete: four bytes of five
  server_->on_ready(b->id, EventLoop::kRead);
  EXPECT_FALSE(pb.closed);
  pb.eof = true;
  server_->on_ready(b->id, EventLoop::kRead | EventLoop::kError);
  EXPECT_TRUE(pb.closed);
  EXPECT_EQ(take(8, kEmptyList), 0u);
}

}  // namespace
}  // namespace skagent::testing
