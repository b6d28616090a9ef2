// SPDX-License-Identifier: BSD-2-Clause
// The agent: all of its state in one object, and the request dispatcher.
#pragma once

#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/prompts/confirm_prompt.h"
#include "agent/connection.h"
#include "agent/keys/identity_store.h"
#include "agent/keys/key_shield.h"
#include "agent/keys/lock_gate.h"
#include "agent/log.h"
#include "agent/options.h"
#include "agent/helpers/pkcs11_tokens.h"
#include "agent/policy/policy.h"
#include "agent/policy/sign_guard.h"
#include "agent/prompts/request_context.h"
#include "agent/helpers/sk_sign_flow.h"
#include "agent/protocol/reply.h"
#include "agent/worker_pool.h"
#include "platform/event_loop.h"

namespace skagent {

struct Constraints;

struct Request {
  std::shared_ptr<Connection> conn;
  uint8_t type = 0;
  ByteView body;  // valid only during the synchronous part of handling
  ReplyFn reply;  // call exactly once, possibly later
};

class Agent {
 public:
  // Fails when the key shield cannot be made (no locked memory or randomness).
  static Result<std::unique_ptr<Agent>> create(const AgentOptions& options, const Logger& log,
                                               EventLoop& loop, std::string sk_helper_path,
                                               std::string pkcs11_helper_path = {},
                                               std::shared_ptr<PolicyStore> policy = nullptr);
  // Cancels the expiry timer: the loop outlives the agent and must not call into it.
  ~Agent();
  Agent(const Agent&) = delete;
  Agent& operator=(const Agent&) = delete;

  void dispatch(Request req);
  void remove_all_identities();  // SIGUSR1 and REMOVE_ALL
  // SIGHUP: re-reads the policy file and returns true when one is in use;
  // false (nothing done) otherwise, and the caller exits as ssh-agent does.
  bool reload_policy();

  const AgentOptions& options() const { return options_; }
  const Logger& log() const { return log_; }

 private:
  Agent(const AgentOptions& options, const Logger& log, EventLoop& loop,
        std::unique_ptr<KeyShield> shield, std::string sk_helper_path,
        std::string pkcs11_helper_path, std::shared_ptr<PolicyStore> policy);

  void list_identities(Request& req);
  void add_identity(Request& req);
  void remove_identity(Request& req);
  void smartcard(Request& req);
  void sign(Request& req);
  void lock(Request& req);
  void unlock(Request& req);
  void extension(Request& req);

  // Sign helpers (agent/protocol/sign_request.cc).
  void sign_permitted(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                      Bytes data, uint32_t flags, ReplyFn reply);
  void sign_software(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags, ReplyFn reply);
  void sign_security_key(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                         Bytes data, ReplyFn reply);

  void wipe_secrets(const std::string& why);  // cached PINs and approvals

  Status apply_constraints(Identity& id, const Constraints& c, bool remote) const;
  Status resolve_provider(const std::string& requested, bool remote, std::string& out) const;
  void schedule_expiry();
  std::string describe(const Identity& id) const;

  const AgentOptions& options_;
  const Logger& log_;
  EventLoop& loop_;
  IdentityStore ids_;
  LockGate lock_;  // the lock and the queue of UNLOCK attempts
  std::unique_ptr<KeyShield> shield_;
  WorkerPool workers_;
  Prompter prompter_;
  SignGuard guard_;      // context, policy, confirmation, approvals and audit of each signature
  SkSignFlow sk_;        // security keys: helpers, PINs, touch notices
  Pkcs11Tokens pkcs11_;  // PKCS#11 modules: their helpers and keys (after ids_, which it uses)
  uint64_t expiry_timer_ = 0;
  std::optional<std::chrono::steady_clock::time_point> next_expiry_;
};

}  // namespace skagent
