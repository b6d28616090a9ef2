// SPDX-License-Identifier: BSD-2-Clause
// A security-key signature with a person in the loop (agent/helpers/sk_sign_flow.cc): the
// PIN of a verify-required key, the touch notice, and what a wrong PIN or a removed token
// means. Owns the sk helper processes, the PIN cache and the touch notifier; the Agent owns it
// and hands it one request at a time, on the agent's event loop.
#pragma once

#include <memory>
#include <string>

#include "agent/helpers/sk_helper_client.h"
#include "agent/keys/identity.h"
#include "agent/log.h"
#include "agent/options.h"
#include "agent/policy/policy.h"
#include "agent/prompts/confirm_prompt.h"
#include "agent/prompts/pin_cache.h"
#include "agent/prompts/request_context.h"
#include "agent/prompts/touch_notice.h"
#include "platform/event_loop.h"
#include "ssh/fingerprint.h"

namespace skagent {

struct SkAttempt;

class SkSignFlow {
 public:
  // `prompter`: the agent's, shared with the confirmations; `hash`: how keys are named in
  // the log.
  // `options`: the fingerprint hash for messages, the session bus for touch notices and the
  // virtual tokens the sk helpers are told about.
  SkSignFlow(EventLoop& loop, const Logger& log, Prompter& prompter, std::string sk_helper_path,
             const AgentOptions& options);

  // Signs `req` with the key `id` under its policy now: asks for the PIN when the key
  // needs one (or takes it from the PinCache), shows the touch notice, and calls `done`
  // once, with the helper's answer or why there is none. `ctx` records the outcome.
  void sign(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id, SkSignRequest req,
            const KeyPolicy& policy, SkHelper::Done done);

  size_t cached_pins() const { return pins_.size(); }
  void wipe_pins() { pins_.clear(); }  // lock, remove-all, policy reload

 private:
  void attempt(std::shared_ptr<SkAttempt> s);
  void send(std::shared_ptr<SkAttempt> s, std::unique_ptr<Secret> pin);
  void watch_cards_for(const std::string& provider);
  std::string describe(const Identity& id) const;

  const Logger& log_;
  Prompter& prompter_;
  FingerprintHash hash_;
  PinCache pins_;
  TouchNotifier notifier_;
  SkHelpers helpers_;
};

}  // namespace skagent
