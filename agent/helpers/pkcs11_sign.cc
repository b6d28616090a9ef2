// SPDX-License-Identifier: BSD-2-Clause
// Signatures with PKCS#11 token keys, made by the module's helper process.
// The helper runs a library we do not trust to be correct, so every
// signature it returns is verified against the key (and, for RSA, the
// algorithm the client asked for) before it reaches the client.
#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "pkcs11/key_attributes.h"

namespace skagent {

void Agent::sign_pkcs11(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags,
                        ReplyFn reply) {
  auto it = pkcs11_.find(id->pkcs11_provider);
  if (it == pkcs11_.end() || !it->second.helper->running()) {
    return refuse(log_, reply, "sign: the PKCS#11 provider of " + describe(*id) + " is not loaded");
  }
  uint64_t gen = it->second.generation;
  PublicKey plain = id->key.plain();
  std::string alg = pkcs11::signature_algorithm_for(plain, flags);
  Bytes blob = plain.blob();
  Bytes request_data = data;  // the lambda below takes `data`: no view into it as an argument
  it->second.helper->sign(
      blob, request_data, flags,
      [this, id, gen, plain = std::move(plain), alg, data = std::move(data),
       reply = std::move(reply)](Result<Bytes> sig) {
        if (!sig) {
          const std::string why = "sign: PKCS#11 " + describe(*id) + ": " + sig.error().message;
          if (sig.error().code == Errc::not_found) {
            drop_provider(id->pkcs11_provider, gen, "token removed (" + sig.error().message + ")");
          }
          return refuse(log_, reply, why);
        }
        if (auto v = verify_signature(plain, *sig, data, plain.type == KeyType::rsa ? alg : "");
            !v) {
          return refuse(log_, reply,
                        "sign: PKCS#11 module made a bad signature for " + describe(*id) + ": " +
                            v.error().message);
        }
        Writer w;
        w.u8(msg::kSignResponse);
        w.string(*sig);
        reply(w.take());
      });
}

}  // namespace skagent
