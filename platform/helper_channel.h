// The channel between the agent and a helper process (skagent-sk-helper,
// skagent-pkcs11-helper): a stream socket pair, the helper's end at fd 3,
// carrying frames of a 4-byte big-endian length and a body.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "ssh/bytes.h"
#include "ssh/error.h"

namespace skagent {

constexpr int kHelperChannelFd = 3;

// The agent's side: a started helper and its non-blocking end of the channel.
struct HelperChannel {
  pid_t pid = -1;
  int fd = -1;
};

// Starts `path arg` through spawn_process with the channel's other end at fd 3.
Result<HelperChannel> spawn_helper(const std::string& path, const std::string& arg);

// The helper's side, blocking: one frame's body into `body`, at most `max` bytes.
enum class FrameRead { ok, closed, broken };  // closed: EOF before a frame began
FrameRead read_frame(int fd, uint32_t max, Bytes& body);
bool write_all(int fd, ByteView bytes);

}  // namespace skagent
