// SPDX-License-Identifier: BSD-2-Clause
// Accepts clients on the listening socket, frames requests and replies, and
// keeps each connection's replies in order. Only root and the agent's own uid
// may connect. Against hostile clients (README "Security"):
//  - no recursion: a reply given while its request is dispatched returns to the
//    request loop, which goes on with the next queued frame;
//  - backpressure, not buffering: a connection is read only while no whole frame
//    waits in its buffer, and its requests are processed only while the client
//    reads its replies; the rest waits in the kernel's socket buffer;
//  - fairness under a flood: a wake-up accepts a bounded batch of newcomers, and a
//    connection with an incomplete frame is read one chunk at a time in slices of
//    bounded time between the loop's waits, so a small request on an established
//    connection waits for neither thousands of accepts nor thousands of big frames;
//  - one agent-wide budget for buffered bytes: when a read would exceed it, the
//    connections holding the most (the oldest incomplete frame first among
//    equals) are closed, never the agent run out of memory;
//  - a frame not complete within options().frame_deadline closes its connection;
//  - slots: at most max_connections, at most max_connections_per_process from one
//    process (a forwarded host's channels all come from its one ssh process); when
//    every slot is taken, a newcomer from a process holding fewer connections than
//    the heaviest holder takes the slot of that holder's oldest idle connection;
//  - cheap accepts: who connected is read from /proc at a process's first connection
//    and reused for its next ones while that process is provably the same and
//    unchanged (caller_for), so a flood's reconnects cost a few system calls each.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <memory>
#include <set>
#include <unordered_map>

#include "agent/agent.h"
#include "platform/event_loop.h"

namespace skagent {

// How the server moves a connection's bytes. Connections the server accepts use their socket
// (read(2), send(2), close(2)); a test may give another (tests/fuzz/agent_stream_fuzz.cc
// feeds frames from memory, with no kernel or event loop between it and the request loop).
// The system calls' contract: -1 with errno EAGAIN when nothing can move now, and read
// returns 0 when the client will send no more.
class Transport {
 public:
  virtual ~Transport() = default;
  virtual ssize_t read(int fd, uint8_t* buf, size_t n) = 0;
  virtual ssize_t send(int fd, const uint8_t* p, size_t n) = 0;
  virtual void close(int fd) = 0;
};

class Server {
 public:
  Server(EventLoop& loop, Agent& agent, int listen_fd);
  ~Server();

  // Test seam: a server with no listening socket whose connections are added by adopt(),
  // move their bytes through `io` and are never watched by the event loop: the test calls
  // on_ready() where the loop would, with the events epoll would report.
  Server(EventLoop& loop, Agent& agent, Transport& io);
  std::shared_ptr<Connection> adopt(int fd, const PeerIdentity& peer,
                                    std::shared_ptr<const CallerInfo> caller);
  void on_ready(uint64_t id, uint32_t events);
  // How many accepted connections had their caller read from /proc (the others reused the
  // record of an earlier connection of the same process: caller_for). For tests; loop thread.
  uint64_t callers_read() const { return callers_read_; }
  // How many times freed memory was given back to the system (trim_soon). For tests.
  uint64_t trims() const { return trims_; }

 private:
  void accept_clients();
  std::shared_ptr<const CallerInfo> caller_for(const PeerIdentity& peer, int pidfd, bool gone);
  bool make_slot(pid_t pid);
  void on_event(const std::shared_ptr<Connection>& c, uint32_t events);
  bool read_input(const std::shared_ptr<Connection>& c, bool* more);
  void defer_read(const std::shared_ptr<Connection>& c);
  void arm_slice();
  void read_slice();
  bool append_input(const std::shared_ptr<Connection>& c, const uint8_t* p, size_t n);
  bool make_room(const std::shared_ptr<Connection>& c, size_t more);
  void process(const std::shared_ptr<Connection>& c);
  void on_reply(uint64_t id, Bytes message);
  bool flush(const std::shared_ptr<Connection>& c);
  void tidy(Connection& c);
  void account(Connection& c);
  void hold(Connection& c, size_t buffered, std::chrono::steady_clock::time_point partial);
  void arm_deadline();
  void sweep_deadlines();
  void update_interest(const Connection& c);
  void close_connection(const std::shared_ptr<Connection>& c);
  void release_buffers(Connection& c);
  void trim_soon();

  EventLoop& loop_;
  Agent& agent_;
  Transport& io_;
  const AgentOptions& limits_;
  int listen_fd_;
  uid_t uid_;
  uint64_t next_id_ = 1;
  uint64_t callers_read_ = 0;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> conns_;
  // By peer pid, while it has a connection open: how many (the slots), and who it is as read
  // at the first of them (caller_for's record to reuse).
  struct PeerProcess {
    size_t conns = 0;
    std::shared_ptr<const CallerInfo> caller;
  };
  std::unordered_map<pid_t, PeerProcess> per_process_;
  size_t buffered_ = 0;  // sum of every connection's `buffered`
  uint64_t deadline_timer_ = 0;
  uint64_t trim_timer_ = 0;
  uint64_t trims_ = 0;
  // Connections by what make_room would close first: the most buffered bytes, then the
  // oldest incomplete frame, then the oldest connection (open connections holding any).
  struct Holding {
    size_t buffered;
    std::chrono::steady_clock::time_point partial_since;
    uint64_t id;
    bool operator<(const Holding& o) const;
  };
  static Holding holding(const Connection& c) { return {c.buffered, c.partial_since, c.id}; }
  std::set<Holding> holders_;
  std::deque<uint64_t> slow_;  // connections whose incomplete frames are read in slices
  uint64_t slice_timer_ = 0;
};

}  // namespace skagent
