// SPDX-License-Identifier: BSD-2-Clause
// The person's side of SIGN_REQUEST (agent/policy/sign_guard.cc): the request's context
// (caller, hops, what is signed), the policy's decision, the confirmation prompt with that
// context in it, remembered approvals (ApproveFor), and one audit line per decision. The Agent
// owns it and asks it, for each SIGN_REQUEST, whether and when the signature may be made; what
// signs (software, security key, PKCS#11) stays with the Agent, behind `Permitted`.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "agent/connection.h"
#include "agent/keys/identity.h"
#include "agent/log.h"
#include "agent/options.h"
#include "agent/policy/known_hosts.h"
#include "agent/policy/policy.h"
#include "agent/prompts/confirm_prompt.h"
#include "agent/prompts/pin_cache.h"
#include "agent/prompts/request_context.h"
#include "agent/protocol/reply.h"

namespace skagent {

// What a person approves with ApproveFor: this key, for this very process (pid and start
// time) running this program (executable and command line), through the same hops, for the
// same kind of signature. Empty when no approval may apply (the caller unknown, exited, or
// running another program since it connected).
std::string approval_key(const SignContext& c);

class SignGuard {
 public:
  // Signs `data` with `id` once the policy, a person or a remembered approval allowed it.
  using Permitted =
      std::function<void(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                         Bytes data, uint32_t flags, ReplyFn reply)>;

  // `policy`: the policy file's store; null (embedded agents, tests): the one the options name,
  // else the defaults.
  SignGuard(const AgentOptions& options, const Logger& log, Prompter& prompter,
            std::shared_ptr<PolicyStore> policy);
  SignGuard(const SignGuard&) = delete;
  SignGuard& operator=(const SignGuard&) = delete;

  // Who asks, through which hosts, to sign what, for the policy, the prompts and the audit.
  std::shared_ptr<SignContext> context(const std::shared_ptr<Connection>& conn, const Identity& id,
                                       ByteView data);
  // `reply`, writing the audit line of `ctx` (its decision and reason) when it is called.
  ReplyFn audited(std::shared_ptr<SignContext> ctx, ReplyFn reply);
  // Refuses the signature of `ctx` for `why` (logged, audited, FAILURE).
  void refuse(SignContext& ctx, const std::string& why, const ReplyFn& reply);
  // The policy's decision for `ctx`: refused, permitted at once, permitted by a remembered
  // approval, or asked of a person first; `permitted` is called once it is allowed.
  void check(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id, Bytes data,
             uint32_t flags, ReplyFn reply, Permitted permitted);
  KeyPolicy key_policy(const SignContext& ctx) const;

  size_t approvals() const { return approvals_.size(); }
  void forget_approvals() { approvals_.clear(); }
  PolicyStore& policy() { return *policy_; }

 private:
  void write_audit(SignContext& ctx);

  const AgentOptions& options_;
  const Logger& log_;
  Prompter& prompter_;
  std::shared_ptr<PolicyStore> policy_;
  KnownHostsFiles known_hosts_;
  ApprovalCache approvals_;
};

}  // namespace skagent
