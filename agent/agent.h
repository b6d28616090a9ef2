// The agent: all of its state in one object, and the request dispatcher.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "agent/confirm_prompt.h"
#include "agent/connection.h"
#include "agent/identity_store.h"
#include "agent/key_shield.h"
#include "agent/lock_state.h"
#include "agent/log.h"
#include "agent/options.h"
#include "agent/sk_helper_client.h"
#include "agent/worker_pool.h"
#include "platform/event_loop.h"

namespace skagent {

struct Constraints;

using ReplyFn = std::function<void(Bytes message)>;

struct Request {
  std::shared_ptr<Connection> conn;
  uint8_t type = 0;
  ByteView body;  // valid only during the synchronous part of handling
  ReplyFn reply;  // call exactly once, possibly later
};

class Agent {
 public:
  Agent(const AgentOptions& options, const Logger& log, EventLoop& loop,
        std::string sk_helper_path);

  void dispatch(Request req);
  void remove_all_identities();  // SIGUSR1 and REMOVE_ALL

  const AgentOptions& options() const { return options_; }
  const Logger& log() const { return log_; }

 private:
  void list_identities(Request& req);
  void add_identity(Request& req);
  void remove_identity(Request& req);
  void smartcard(Request& req);
  void sign(Request& req);
  void lock(Request& req);
  void unlock(Request& req);
  void extension(Request& req);

  // Sign helpers (agent/sign_request.cc).
  void sign_permitted(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags, ReplyFn reply);
  void sign_software(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags, ReplyFn reply);
  void sign_security_key(std::shared_ptr<const Identity> id, Bytes data, ReplyFn reply);

  Status apply_constraints(Identity& id, const Constraints& c, bool remote) const;
  Status resolve_provider(const std::string& requested, bool remote, std::string& out) const;
  void schedule_expiry();
  std::string describe(const Identity& id) const;

  const AgentOptions& options_;
  const Logger& log_;
  EventLoop& loop_;
  IdentityStore ids_;
  LockState lock_;
  KeyShield shield_;
  WorkerPool workers_;
  Prompter prompter_;
  SkHelpers sk_helpers_;
  uint64_t expiry_timer_ = 0;
  std::optional<std::chrono::steady_clock::time_point> next_expiry_;
};

}  // namespace skagent
