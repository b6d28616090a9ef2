// SPDX-License-Identifier: BSD-2-Clause
// The agent's PKCS#11 modules (agent/helpers/pkcs11_tokens.cc): each one added by ssh-add -s
// runs in its own skagent-pkcs11-helper (pkcs11_helper_client.h), its keys go into the agent's
// IdentityStore tagged with the module's canonical path, and it is removed by ssh-add -e,
// dropped with its keys when its helper dies or its token goes, and stopped once none of its
// keys is left. The Agent owns it; the protocol handlers (agent/protocol/smartcard_requests.cc,
// sign_request.cc) hand it one parsed request at a time, on the agent's event loop.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/connection.h"
#include "agent/helpers/pkcs11_helper_client.h"
#include "agent/keys/identity_store.h"
#include "agent/log.h"
#include "agent/options.h"
#include "agent/policy/constraints.h"
#include "agent/protocol/reply.h"
#include "base/liveness.h"
#include "platform/event_loop.h"

namespace skagent {

class Pkcs11Tokens {
 public:
  // `helper_path`: skagent-pkcs11-helper (empty: none, every add fails). `keys_changed`: told
  // after keys were added or dropped, so that the owner plans the next expiry again.
  Pkcs11Tokens(EventLoop& loop, const Logger& log, const AgentOptions& options, IdentityStore& ids,
               std::string helper_path, std::function<void()> keys_changed);

  // ADD_SMARTCARD_KEY(_CONSTRAINED): the module must pass the -P allowlist (after realpath) and,
  // from a forwarded (`remote`) connection, -O allow-remote-pkcs11; logs in with `pin` and adds
  // the token's keys (and the certificates of `c` that certify them) under `c`. `reply` gets
  // SUCCESS once keys were added, FAILURE with the reason logged otherwise.
  void add(const std::string& provider, ByteView pin, Constraints c, bool remote, ReplyFn reply);
  // REMOVE_SMARTCARD_KEY from `conn`: the module's helper and all its keys.
  void remove(const std::string& provider, const Connection& conn, ReplyFn reply);
  // A SIGN_RESPONSE made by the helper of `id`'s module, verified against the key.
  void sign(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags, ReplyFn reply);
  // Stops every helper (all identities were removed).
  void stop_all(const std::string& why);
  // Stops the modules none of whose keys is left (expired or removed); those still logging
  // in are left alone.
  void stop_idle();

 private:
  void loaded(const std::string& path, uint64_t generation, const Constraints& c,
              Result<pkcs11::LoadReply> res, const ReplyFn& reply);
  size_t remove_identities(const std::string& provider);
  void drop(const std::string& provider, uint64_t generation, const std::string& why);
  std::string describe(const Identity& id) const;

  EventLoop& loop_;
  const Logger& log_;
  const AgentOptions& options_;
  IdentityStore& ids_;
  std::string helper_path_;
  std::function<void()> keys_changed_;
  // The loaded modules, by canonical path. The generation tells a new add of the same module
  // from an old one whose helper died since.
  struct Provider {
    uint64_t generation = 0;
    bool loading = true;  // logging in; its keys are not in the store yet
    std::unique_ptr<Pkcs11Helper> helper;
  };
  std::map<std::string, Provider> providers_;
  uint64_t generation_ = 0;
  // A helper's failures are posted to the loop and may come due after this object is gone.
  Liveness liveness_;
};

}  // namespace skagent
