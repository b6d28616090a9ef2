// SPDX-License-Identifier: BSD-2-Clause
// REQUEST_IDENTITIES, ADD_IDENTITY(_CONSTRAINED), REMOVE_IDENTITY.
#include <climits>
#include <cstdlib>

#include "agent/agent.h"
#include "agent/keys/constrained_sign.h"
#include "agent/policy/constraints.h"
#include "agent/protocol/messages.h"
#include "agent/policy/provider_allowlist.h"
#include "ssh/private_key.h"

namespace skagent {

void Agent::list_identities(Request& req) {
  // The answer is sized first and written once: with 1,000 keys (about 75 KB) growing it
  // step by step copied and wiped it several times over.
  std::vector<const Identity*> visible;
  visible.reserve(ids_.size());
  size_t size = 1 + 4;
  for (const auto& id : ids_.all()) {
    if (!identity_visible_on(id->destinations, *req.conn)) continue;
    visible.push_back(id.get());
    size += 4 + id->blob.size() + 4 + id->comment.size();
  }
  Writer w;
  w.reserve(size);
  w.u8(msg::kIdentitiesAnswer);
  w.u32(uint32_t(visible.size()));
  for (const Identity* id : visible) {
    w.string(id->blob);
    w.string(id->comment);
  }
  req.reply(w.take());
}

// "internal" or a library path that, after realpath, matches the -P list.
// Libraries named by a forwarded connection are refused (they would run code
// chosen by a remote host) unless -O allow-remote-pkcs11.
Status Agent::resolve_provider(const std::string& requested, bool remote, std::string& out) const {
  if (requested == "internal") {
    out = requested;
    return {};
  }
  if (remote && !options_.allow_remote_providers) {
    return make_error(Errc::denied, "remote addition of providers is disabled");
  }
  auto canonical = canonical_provider_path(requested, options_.allowed_providers);
  if (!canonical) return canonical.error();
  out = *canonical;
  return {};
}

static Result<std::shared_ptr<Identity>> build_identity(const PrivateKey& key, std::string comment,
                                                        const KeyShield& shield) {
  if (auto v = key.validate(); !v) return v.error();
  auto id = std::make_shared<Identity>();
  id->key = key.public_key();
  // As OpenSSH (which verifies a certificate whenever it parses one): a certificate whose CA
  // signature does not verify is refused, not listed for servers to reject later.
  if (id->key.is_cert()) {
    if (auto v = verify_certificate_signature(*id->key.cert); !v) {
      return make_error(Errc::malformed,
                        "certificate's CA signature does not verify: " + v.error().message);
    }
  }
  id->blob = id->key.blob();
  id->comment = std::move(comment);
  Writer w;
  key.write(w);
  auto sealed = shield.shield(w.bytes());
  if (!sealed) return sealed.error();
  id->secret = std::move(*sealed);
  if (id->key.type == KeyType::rsa) id->rsa_blinding = std::make_shared<RsaBlinding>();
  return id;
}

void Agent::add_identity(Request& req) {
  Reader r(req.body);
  auto key = PrivateKey::read(r);
  std::string comment;
  if (!key || !r.cstring(comment)) {
    return refuse(log_, req.reply,
                  "add: " + (key ? std::string("missing comment") : key.error().message));
  }
  auto c =
      req.type == msg::kAddIdConstrained ? read_constraints(r) : Result<Constraints>(Constraints{});
  if (!c || !r.empty()) {
    return refuse(log_, req.reply,
                  "add: " + (c ? std::string("trailing bytes") : c.error().message));
  }
  auto id = build_identity(*key, std::move(comment), *shield_);
  if (!id) {
    return refuse(log_, req.reply, "add: " + id.error().message);
  }
  if (auto s = apply_constraints(**id, *c, req.conn->remote()); !s) {
    return refuse(log_, req.reply, "add: " + s.error().message);
  }
  if (auto existing = ids_.find((*id)->blob);
      existing && !identity_visible_on(existing->destinations, *req.conn)) {
    return refuse(log_, req.reply, "add: refusing to replace a key not visible on this connection");
  }
  log_.debug("add " + describe(**id));
  ids_.put(std::move(*id));
  schedule_expiry();
  req.reply(msg::status(true));
}

Status Agent::apply_constraints(Identity& id, const Constraints& c, bool remote) const {
  id.expires = expiry_of(c, options_.default_lifetime, std::chrono::steady_clock::now());
  id.confirm = c.confirm;
  if (c.destinations) id.destinations = *c.destinations;
  if (c.certs_only)
    return make_error(Errc::denied, "associated certificates are for smartcard keys only");
  bool sk = is_security_key(id.key.type);
  if (c.sk_provider && !sk)
    return make_error(Errc::denied, "sk-provider given for a key that is not a security key");
  if (sk) return resolve_provider(c.sk_provider.value_or("internal"), remote, id.sk_provider);
  return {};
}

void Agent::remove_identity(Request& req) {
  Reader r(req.body);
  ByteView blob;
  if (!r.string(blob) || !r.empty() || !parse_public_key(blob)) {
    return refuse(log_, req.reply, "remove: malformed key blob");
  }
  auto id = ids_.find(blob);
  if (!id || !identity_visible_on(id->destinations, *req.conn)) {
    return refuse(log_, req.reply, "remove: key not found", Logger::Level::debug);
  }
  ids_.remove(blob);
  schedule_expiry();
  req.reply(msg::status(true));
}

}  // namespace skagent
