// SPDX-License-Identifier: BSD-2-Clause
// A Transport (agent/server.h) over memory, for a Server built with the test seam: each
// connection is a pair of byte queues the test fills and drains itself, so a request reaches
// the server's framing and request loop without the kernel or the event loop (the fuzz
// harness agent_stream runs thousands of inputs a second through it). The descriptors are
// plain numbers the test picks; nothing is ever opened or closed.
#pragma once

#include <algorithm>
#include <cerrno>
#include <functional>
#include <unordered_map>

#include "agent/server.h"

namespace skagent::testing {

class MemoryTransport final : public Transport {
 public:
  struct Pipe {
    Bytes to_agent;  // what the client wrote; the server reads it from `read_off` on
    size_t read_off = 0;
    bool eof = false;       // the client writes no more: a read past the end returns 0
    Bytes from_agent;       // what the server sent and the client has not taken yet
    size_t window = 65536;  // the most from_agent holds (the client's socket buffer)
    bool closed = false;    // the server closed the connection
  };

  // Called after every send that moved bytes and every close: the test may stop the event
  // loop it runs while the agent works asynchronously.
  std::function<void()> on_activity;

  Pipe& open(int fd) { return pipes_[fd] = Pipe{}; }
  Pipe& pipe(int fd) { return pipes_.at(fd); }

  ssize_t read(int fd, uint8_t* buf, size_t n) override {
    Pipe& p = pipes_.at(fd);
    const size_t left = p.to_agent.size() - p.read_off;
    if (left == 0) {
      if (p.eof) return 0;
      errno = EAGAIN;
      return -1;
    }
    n = std::min(n, left);
    std::copy_n(p.to_agent.data() + p.read_off, n, buf);
    p.read_off += n;
    return ssize_t(n);
  }

  ssize_t send(int fd, const uint8_t* data, size_t n) override {
    Pipe& p = pipes_.at(fd);
    n = std::min(n, p.window - std::min(p.window, p.from_agent.size()));
    if (n == 0) {
      errno = EAGAIN;
      return -1;
    }
    p.from_agent.insert(p.from_agent.end(), data, data + n);
    if (on_activity) on_activity();
    return ssize_t(n);
  }

  void close(int fd) override {
    pipes_.at(fd).closed = true;
    if (on_activity) on_activity();
  }

 private:
  std::unordered_map<int, Pipe> pipes_;
};

}  // namespace skagent::testing
