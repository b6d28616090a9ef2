// SPDX-License-Identifier: BSD-2-Clause
// The agent's side of skagent-pkcs11-helper: one persistent helper process
// per PKCS#11 module, started by ssh-add -s and stopped by ssh-add -e.
// Requests are pipelined and answered in order; each has its own deadline
// (log-in 30 s, signature 10 s; SKAGENT_PKCS11_LOAD_TIMEOUT and
// SKAGENT_PKCS11_SIGN_TIMEOUT, in seconds, override them). A helper that
// misses one, crashes or says its token is gone is killed and reported
// through `on_death`, so the agent can drop the module's keys; it is never
// restarted behind the user's back (that would need the PIN again). Once
// none of a module's keys is left, its helper is stopped.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "agent/helpers/helper_process.h"
#include "agent/log.h"
#include "pkcs11/pkcs11_helper_protocol.h"
#include "platform/event_loop.h"

namespace skagent {

class Pkcs11Helper {
 public:
  using LoadDone = std::function<void(Result<pkcs11::LoadReply>)>;
  using SignDone = std::function<void(Result<Bytes>)>;
  using DeathFn = std::function<void(const std::string& why)>;

  static constexpr auto kLoadTimeout = std::chrono::seconds(30);
  static constexpr auto kSignTimeout = std::chrono::seconds(10);
  static constexpr auto kCheckTimeout = std::chrono::seconds(10);
  static constexpr auto kCheckInterval = std::chrono::seconds(5);
  static constexpr auto kStopGrace = std::chrono::milliseconds(2000);

  struct Timeouts {
    std::chrono::milliseconds load = kLoadTimeout, sign = kSignTimeout;
    // The defaults, or whole seconds (1 to 600) as main read them from
    // $SKAGENT_PKCS11_LOAD_TIMEOUT and $SKAGENT_PKCS11_SIGN_TIMEOUT (null: unset).
    static Timeouts from_text(const char* load, const char* sign);
    // The defaults, with each non-zero value given replacing its own (AgentOptions).
    static Timeouts given(std::chrono::milliseconds load, std::chrono::milliseconds sign);
  };

  Pkcs11Helper(EventLoop& loop, const Logger& log, std::string helper_path, std::string provider,
               Timeouts timeouts, DeathFn on_death);
  // Closes the helper's channel (it finalizes the module and exits). Requests
  // still waiting are dropped without a callback.
  ~Pkcs11Helper();
  Pkcs11Helper(const Pkcs11Helper&) = delete;
  Pkcs11Helper& operator=(const Pkcs11Helper&) = delete;

  // Starts the helper and logs in; after a successful load the helper checks
  // every kCheckInterval that its tokens are still there.
  void load(ByteView pin, LoadDone done);
  void sign(ByteView key_blob, ByteView data, uint32_t flags, SignDone done);

  // Stops the helper: its channel is closed so it can log out and finalize the
  // module, and it is killed if it has not exited kStopGrace later. What is
  // waiting fails (callbacks run from the loop, not from inside this call).
  void stop(const std::string& why);
  bool running() const { return process_.running(); }
  const std::string& provider() const { return provider_; }

 private:
  void die(const std::string& why);
  void schedule_check();

  EventLoop& loop_;
  const Logger& log_;
  std::string provider_;
  Timeouts timeouts_;
  uint64_t check_timer_ = 0;
  HelperProcess process_;  // after provider_, which names it; its guard covers this object too
};

}  // namespace skagent
