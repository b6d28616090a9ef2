// SPDX-License-Identifier: BSD-2-Clause
// ADD_SMARTCARD_KEY(_CONSTRAINED) and REMOVE_SMARTCARD_KEY: the request is read here; the
// modules, their helpers and their keys are agent/helpers/pkcs11_tokens.h's.
#include "agent/agent.h"
#include "agent/policy/constraints.h"
#include "agent/protocol/messages.h"

namespace skagent {

void Agent::smartcard(Request& req) {
  Reader r(req.body);
  std::string provider;
  ByteView pin;  // ignored by REMOVE, as by ssh-agent
  if (req.type == msg::kRemoveSmartcardKey) {
    if (!r.cstring(provider) || !r.string(pin) || !r.empty()) {
      return refuse(log_, req.reply, "PKCS#11 remove: malformed request");
    }
    return pkcs11_.remove(provider, *req.conn, std::move(req.reply));
  }
  if (!r.cstring(provider) || !r.string(pin)) {
    return refuse(log_, req.reply, "PKCS#11 add: malformed request");
  }
  auto c = req.type == msg::kAddSmartcardKeyConstrained ? read_constraints(r)
                                                        : Result<Constraints>(Constraints{});
  if (!c || !r.empty()) {
    return refuse(log_, req.reply,
                  "PKCS#11 add: " + (c ? std::string("trailing bytes") : c.error().message));
  }
  if (c->sk_provider) {
    return refuse(log_, req.reply,
                  "PKCS#11 add: sk-provider constraint given for a PKCS#11 module");
  }
  pkcs11_.add(provider, pin, std::move(*c), req.conn->remote(), std::move(req.reply));
}

}  // namespace skagent
