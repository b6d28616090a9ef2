// SPDX-License-Identifier: BSD-2-Clause
// The agent's side of skagent-sk-helper: persistent helper processes per provider, started on
// first use and restarted after they die. Requests are pipelined; each helper answers in order.
// A helper that does not answer in time is killed, failing only the requests it held.
//
// One helper reaches the tokens, and a token signs one request at a time: a second request on
// the same token would find it busy and fail, so for a token the requests wait in that
// helper's queue. A provider that signs without any
// token (a software one such as OpenSSH's sk-dummy) is CPU-bound instead, and one helper makes
// all clients wait for each other. So while the main helper is busy, a request without a PIN
// may go to a spare helper started with --no-token (fido/sk_helper_main.cc): it can open no
// device node and make no socket, so it cannot touch a token whatever the provider does. A
// request that fails in a spare is sent again to the main helper; when it signs there (a
// provider that needs its token), that provider's requests stay with the main helper from then
// on. The failed try reached no token, so no touch, PIN try or notice is spent twice; a request
// that fails in both (a key handle the provider refuses) leaves the spares in use.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/helpers/helper_process.h"
#include "agent/log.h"
#include "base/liveness.h"
#include "fido/sk_helper_protocol.h"
#include "platform/event_loop.h"

namespace skagent {

class SkHelper {
 public:
  using Done = std::function<void(Result<SkSignResult>)>;
  // `vtokens`: skagent-vtoken sockets (AgentOptions::vtokens) for the built-in middleware.
  // `spares`: how many token-free spare helpers it may start (none for provider "internal").
  SkHelper(EventLoop& loop, const Logger& log, std::string helper_path, std::string provider,
           std::string vtokens = {}, size_t spares = default_spares());
  // Kills the helpers; requests still waiting are dropped without a callback.
  ~SkHelper();

  void sign(const SkSignRequest& req, Done done);

  // While `wanted()` says so, asks the helper every kCardCheckInterval
  // whether a PC/SC card that signed there has left its reader, and calls
  // `left()` when one has, or when the helper is gone and cannot tell.
  // A later call replaces the callbacks.
  void watch_cards(std::function<bool()> wanted, std::function<void()> left);

  // One spare per core beyond the first, at most 3: more processes than cores only queue.
  static size_t default_spares();

  static constexpr auto kCardCheckInterval = std::chrono::seconds(2);
  // Long enough for a person to touch a token; a hung library is killed after.
  static constexpr auto kRequestTimeout = std::chrono::seconds(120);
  // A spare waits for no touch (it reaches no token): a provider stuck there is killed sooner,
  // and its request goes to the main helper.
  static constexpr auto kSpareTimeout = std::chrono::seconds(10);

 private:
  void check_cards();
  void sign_on(size_t index, const SkSignRequest& req, Done done);
  size_t pick(const SkSignRequest& req) const;

  EventLoop& loop_;
  const Logger& log_;
  std::string provider_;
  uint64_t card_timer_ = 0;
  std::function<bool()> cards_wanted_;
  std::function<void()> card_left_;
  // [0]: the main helper (tokens, PINs, cards); then the spares, started on first use.
  std::vector<std::unique_ptr<HelperProcess>> processes_;
  std::vector<size_t> in_flight_;  // requests each one holds
  bool spares_refused_ = false;    // a spare failed: this provider needs its token
  Liveness liveness_;              // last: callbacks left with the loop check it first
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
