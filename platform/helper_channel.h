// SPDX-License-Identifier: BSD-2-Clause
// The channel between the agent and a helper process (skagent-sk-helper,
// skagent-pkcs11-helper): a stream socket pair, the helper's end at fd 3,
// carrying frames of a 4-byte big-endian length and a body.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent {

constexpr int kHelperChannelFd = 3;

// The agent's side: a started helper and its non-blocking end of the channel.
struct HelperChannel {
  pid_t pid = -1;
  int fd = -1;
};

// Starts `path args...` through spawn_process with the channel's other end at fd 3.
Result<HelperChannel> spawn_helper(const std::string& path, const std::vector<std::string>& args);

// Ends a helper at once; closing its channel instead asks it to finish its work and exit.
void kill_helper(pid_t pid);
// Closes the agent's end of a channel.
void close_helper_channel(int fd);
// "signal 11, Segmentation fault" when an exit status shows a death by a signal other than the
// SIGKILL the agent sends (a crash in the helper or its library); "" otherwise.
std::string helper_crash(int status);

// The agent's buffers for one channel, its end non-blocking. Frames may carry
// a PIN, so whatever either buffer lets go of is wiped at once.
class HelperStream {
 public:
  explicit HelperStream(uint32_t max_frame) : max_frame_(max_frame) {}

  void queue(ByteView body);  // one frame for the helper
  bool writing() const { return !out_.empty(); }
  // Writes what the channel takes now; false when it is broken.
  bool flush(int fd);
  // Reads what has arrived, up to a frame's worth more than is waiting (the
  // rest stays readable); false at EOF or on an error.
  bool fill(int fd);
  // The next whole frame's body, nullopt while none is complete; an error
  // when a length is over the limit.
  Result<std::optional<Bytes>> next();
  void clear();

 private:
  uint32_t max_frame_;
  Bytes in_, out_;
};

// `body` prefixed with its length.
Bytes helper_frame(ByteView body);

// The helper's side, blocking: one frame's body into `body`, at most `max` bytes.
enum class FrameRead { ok, closed, broken };  // closed: EOF before a frame began
// The buffer is wiped, capacity included, before the new frame is read into it.
FrameRead read_frame(int fd, uint32_t max, Bytes& body);
// Empties a frame buffer once it has been handled and wipes all it held (capacity included):
// a helper keeps its buffer between frames, so a PIN must not outlive its request.
void wipe_frame(Bytes& body);
bool write_all(int fd, ByteView bytes);
bool write_frame(int fd, ByteView body);

}  // namespace skagent
