// Asks a person through an SSH_ASKPASS program, without blocking the loop:
// the askpass runs as a child process watched by the event loop. A prompt is
// refused when no prompter can be shown, when it times out, and when its
// requester goes away (the caller drops the handle, which kills the askpass).
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/log.h"
#include "platform/event_loop.h"

namespace skagent {

class ConfirmPrompt;

class Prompter {
 public:
  Prompter(EventLoop& loop, const Logger& log) : loop_(loop), log_(log) {}
  // Starts a yes/no prompt (SSH_ASKPASS_PROMPT=confirm). `done(true)` only on
  // an explicit yes. Dropping the returned handle cancels the prompt.
  std::shared_ptr<ConfirmPrompt> confirm(const std::string& text,
                                         std::function<void(bool)> done,
                                         std::chrono::seconds timeout = std::chrono::seconds(60));

 private:
  EventLoop& loop_;
  const Logger& log_;
};

class ConfirmPrompt : public std::enable_shared_from_this<ConfirmPrompt> {
 public:
  ConfirmPrompt(EventLoop& loop, const Logger& log, std::function<void(bool)> done);
  ~ConfirmPrompt();
  void start(const std::string& program, const std::string& text, std::chrono::seconds timeout);

 private:
  void finish(bool allowed);
  void on_output();
  void on_exit(int status);

  EventLoop& loop_;
  const Logger& log_;
  std::function<void(bool)> done_;
  pid_t pid_ = -1;
  int out_fd_ = -1;
  uint64_t timer_ = 0;
  std::string output_;
  bool exited_ = false;
  int status_ = -1;
  bool finished_ = false;
};

}  // namespace skagent
