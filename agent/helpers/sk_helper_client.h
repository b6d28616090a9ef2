// SPDX-License-Identifier: BSD-2-Clause
// The agent's side of skagent-sk-helper: one persistent helper process per
// provider, started on first use and restarted after it dies. Requests are
// pipelined; replies come back in order. A helper that does not answer in time
// is killed, failing only the requests it held.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/log.h"
#include "fido/sk_helper_protocol.h"
#include "platform/event_loop.h"
#include "platform/helper_channel.h"

namespace skagent {

class SkHelper {
 public:
  using Done = std::function<void(Result<SkSignResult>)>;
  // `vtokens`: skagent-vtoken sockets (AgentOptions::vtokens) for the built-in middleware.
  SkHelper(EventLoop& loop, const Logger& log, std::string helper_path, std::string provider,
           std::string vtokens = {});
  ~SkHelper();

  void sign(const SkSignRequest& req, Done done);

  // While `wanted()` says so, asks the helper every kCardCheckInterval
  // whether a PC/SC card that signed there has left its reader, and calls
  // `left()` when one has, or when the helper is gone and cannot tell.
  // A later call replaces the callbacks.
  void watch_cards(std::function<bool()> wanted, std::function<void()> left);

  static constexpr auto kCardCheckInterval = std::chrono::seconds(2);

 private:
  using ReplyFn = std::function<void(Result<Bytes> body)>;
  void call(ByteView request, ReplyFn done);
  void check_cards();
  Status start();
  void stop(const std::string& why);
  void on_event(uint32_t events);
  void flush();
  void arm_timeout();

  EventLoop& loop_;
  const Logger& log_;
  std::string helper_path_, provider_;
  std::string vtokens_;  // "" or "/a.sock,/b.sock": the helper's second argument
  pid_t pid_ = -1;
  int fd_ = -1;
  HelperStream stream_{kMaxHelperFrame};
  std::deque<ReplyFn> pending_;
  uint64_t timer_ = 0;
  uint64_t card_timer_ = 0;
  std::function<bool()> cards_wanted_;
  std::function<void()> card_left_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

class SkHelpers {
 public:
  SkHelpers(EventLoop& loop, const Logger& log, std::string helper_path, std::string vtokens = {})
      : loop_(loop),
        log_(log),
        helper_path_(std::move(helper_path)),
        vtokens_(std::move(vtokens)) {}
  SkHelper& for_provider(const std::string& provider);

 private:
  EventLoop& loop_;
  const Logger& log_;
  std::string helper_path_;
  std::string vtokens_;
  std::map<std::string, std::unique_ptr<SkHelper>> helpers_;
};

}  // namespace skagent
