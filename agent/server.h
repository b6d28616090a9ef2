// SPDX-License-Identifier: BSD-2-Clause
// Accepts clients on the listening socket, frames requests and replies, and
// keeps each connection's replies in order. Only root and the agent's own uid
// may connect. Buffers are bounded and the number of connections is capped.
#pragma once

#include <sys/types.h>

#include <memory>
#include <unordered_map>

#include "agent/agent.h"
#include "platform/event_loop.h"

namespace skagent {

class Server {
 public:
  static constexpr size_t kMaxConnections = 4096;

  Server(EventLoop& loop, Agent& agent, int listen_fd);
  ~Server();

 private:
  void accept_clients();
  void on_event(const std::shared_ptr<Connection>& c, uint32_t events);
  void process(const std::shared_ptr<Connection>& c);
  void send(const std::shared_ptr<Connection>& c, Bytes message);
  bool flush(const std::shared_ptr<Connection>& c);
  void update_interest(const Connection& c);
  void close_connection(const std::shared_ptr<Connection>& c);

  EventLoop& loop_;
  Agent& agent_;
  int listen_fd_;
  uid_t uid_;
  uint64_t next_id_ = 1;
  std::unordered_map<uint64_t, std::shared_ptr<Connection>> conns_;
};

}  // namespace skagent
