// SPDX-License-Identifier: BSD-2-Clause
// One helper process (skagent-sk-helper, skagent-pkcs11-helper) seen from the agent's loop:
// started on the first request, fed length-prefixed frames over its channel, answering them in
// order. Each request has its own deadline, counted while it is the oldest one waiting; a helper
// that misses it, crashes, hangs up or breaks the framing is killed, failing what it held.
// Every callback runs from the loop (posted), never inside the call or the event that caused it,
// so a callback may start, stop or destroy this object. Requests still waiting when the object
// is destroyed are dropped without a callback. The protocol layers (sk_helper_client.h,
// pkcs11_helper_client.h) only encode requests and decode replies.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "agent/log.h"
#include "base/liveness.h"
#include "platform/event_loop.h"
#include "platform/helper_channel.h"

namespace skagent {

class HelperProcess {
 public:
  using Reply = std::function<void(Result<Bytes> body)>;
  using Spawn = std::function<Result<HelperChannel>()>;
  using Failed = std::function<void(const std::string& why)>;

  struct Options {
    std::string name;  // "sk helper for PROVIDER": leads its log lines and errors
    uint32_t max_frame = 0;
    // After it ended, the next request starts it again (sk). Otherwise an ended helper stays
    // ended and requests fail at once (PKCS#11: a new one would need the PIN again).
    bool restart = false;
    // Zero: stop() and the destructor kill it. Otherwise stop() closes the channel so it can
    // clean up (a PKCS#11 helper logs out and finalizes its module) and kills it if it has not
    // exited this much later; the destructor only closes the channel.
    std::chrono::milliseconds stop_grace{0};
  };

  // `spawn` starts the program (see program()); `on_failure` hears, after the failed requests,
  // why a running helper was killed; it is not told of stop().
  HelperProcess(EventLoop& loop, const Logger& log, Options options, Spawn spawn,
                Failed on_failure = {});
  ~HelperProcess();
  HelperProcess(const HelperProcess&) = delete;
  HelperProcess& operator=(const HelperProcess&) = delete;

  // The real program: `path args...` with the channel at fd 3.
  static Spawn program(std::string path, std::vector<std::string> args);

  // Sends one frame; `done` gets the reply's body, or an error when the helper cannot answer.
  void call(ByteView request, std::chrono::milliseconds deadline, Reply done);
  // Asked to end: what is waiting fails; a later request restarts it only with `restart`.
  void stop(const std::string& why);
  // Something went wrong: killed at once, what is waiting fails, `on_failure` is told.
  void fail(const std::string& why);
  bool running() const { return fd_ >= 0; }

  // `fn`, run only while this object (and so the protocol layer holding it) lives.
  template <typename Fn>
  auto guard(Fn fn) const {
    return liveness_.guard(std::move(fn));
  }

 private:
  struct Pending {
    std::chrono::milliseconds deadline;
    Reply done;
  };

  Status start();
  void end(const std::string& why, bool failed);
  void close_channel();
  void on_event(uint32_t events);
  void flush();
  void arm_deadline();
  void post_error(Reply done, Error e);

  EventLoop& loop_;
  const Logger& log_;
  Options opts_;
  Spawn spawn_;
  Failed on_failure_;
  pid_t pid_ = -1;
  std::shared_ptr<bool> exited_ = std::make_shared<bool>(false);  // reaped: its pid may be reused
  int fd_ = -1;
  bool ended_ = false;  // was started, or stopped, and is not running now
  HelperStream stream_;
  std::deque<Pending> pending_;
  uint64_t timer_ = 0;
  Liveness liveness_;
};

}  // namespace skagent
