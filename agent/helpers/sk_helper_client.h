// SPDX-License-Identifier: BSD-2-Clause
// The agent's side of skagent-sk-helper: one persistent helper process per
// provider, started on first use and restarted after it dies. Requests are
// pipelined; replies come back in order. A helper that does not answer in time
// is killed, failing only the requests it held.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/helpers/helper_process.h"
#include "agent/log.h"
#include "fido/sk_helper_protocol.h"
#include "platform/event_loop.h"

namespace skagent {

class SkHelper {
 public:
  using Done = std::function<void(Result<SkSignResult>)>;
  // `vtokens`: skagent-vtoken sockets (AgentOptions::vtokens) for the built-in middleware.
  SkHelper(EventLoop& loop, const Logger& log, std::string helper_path, std::string provider,
           std::string vtokens = {});
  // Kills the helper; requests still waiting are dropped without a callback.
  ~SkHelper();

  void sign(const SkSignRequest& req, Done done);

  // While `wanted()` says so, asks the helper every kCardCheckInterval
  // whether a PC/SC card that signed there has left its reader, and calls
  // `left()` when one has, or when the helper is gone and cannot tell.
  // A later call replaces the callbacks.
  void watch_cards(std::function<bool()> wanted, std::function<void()> left);

  static constexpr auto kCardCheckInterval = std::chrono::seconds(2);
  // Long enough for a person to touch a token; a hung library is killed after.
  static constexpr auto kRequestTimeout = std::chrono::seconds(120);

 private:
  void check_cards();

  EventLoop& loop_;
  const Logger& log_;
  std::string provider_;
  uint64_t card_timer_ = 0;
  std::function<bool()> cards_wanted_;
  std::function<void()> card_left_;
  HelperProcess process_;  // after provider_, which names it; its guard covers this object too
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
