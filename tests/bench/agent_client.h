// SPDX-License-Identifier: BSD-2-Clause
// A minimal blocking ssh-agent client over a UNIX socket: one request, then
// its reply, no pipelining. Kept small so that, when timing an agent, the
// client's own cost per request stays a few system calls.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::bench {

class AgentClient {
 public:
  static Result<AgentClient> connect(const std::string& socket_path);

  AgentClient(AgentClient&& other) noexcept;
  AgentClient& operator=(AgentClient&& other) noexcept;
  AgentClient(const AgentClient&) = delete;
  AgentClient& operator=(const AgentClient&) = delete;
  ~AgentClient();

  // Sends one message (type byte then payload) and returns the reply message
  // (type byte then payload) without its length prefix.
  Result<Bytes> call(ByteView message);

 private:
  explicit AgentClient(int fd);
  Status send_frame(ByteView message);
  Result<Bytes> receive_frame();
  Status fill(size_t want);

  int fd_ = -1;
  Bytes buf_;  // receive buffer; [begin_, end_) is not yet handed out
  size_t begin_ = 0, end_ = 0;
};

}  // namespace skagent::bench
