// SPDX-License-Identifier: BSD-2-Clause
// ADD_SMARTCARD_KEY(_CONSTRAINED) and REMOVE_SMARTCARD_KEY: PKCS#11 modules,
// each loaded only inside its own skagent-pkcs11-helper process.
//
// As ssh-agent: the module path must match the -P allowlist after realpath,
// a forwarded connection may not name one unless -O allow-remote-pkcs11, keys
// already held are left as they are, and the add fails when it adds nothing.
// Lifetime, confirm and destination constraints apply to every key of the
// token; certificates sent with associated-certs-v00 are added for the token
// keys they certify (and only they, with certs_only).
#include <climits>
#include <cstdlib>

#include "agent/agent.h"
#include "agent/keys/constrained_sign.h"
#include "agent/policy/constraints.h"
#include "agent/protocol/messages.h"
#include "agent/policy/provider_allowlist.h"

namespace skagent {

void Agent::smartcard(Request& req) {
  if (req.type == msg::kRemoveSmartcardKey) return remove_smartcard(req);
  add_smartcard(req);
}

size_t Agent::remove_provider_identities(const std::string& provider) {
  std::vector<Bytes> blobs;
  for (const auto& id : ids_.all()) {
    if (id->pkcs11_provider == provider) blobs.push_back(id->blob);
  }
  for (const auto& b : blobs) ids_.remove(b);
  return blobs.size();
}

void Agent::drop_provider(const std::string& provider, uint64_t generation,
                          const std::string& why) {
  auto it = pkcs11_.find(provider);
  if (it == pkcs11_.end() || it->second.generation != generation)
    return;  // already gone or re-added
  it->second.helper->stop(why);
  pkcs11_.erase(it);
  size_t n = remove_provider_identities(provider);
  log_.error("PKCS#11 provider " + provider + ": " + why + "; removed its " + std::to_string(n) +
             " keys (add them again with ssh-add -s)");
  schedule_expiry();
}

void Agent::stop_pkcs11_helpers() {
  for (auto& [path, p] : pkcs11_) p.helper->stop("all identities removed");
  pkcs11_.clear();
}

void Agent::add_smartcard(Request& req) {
  Reader r(req.body);
  std::string provider;
  ByteView pin;
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
  if (req.conn->remote() && !options_.allow_remote_providers) {
    return refuse(log_, req.reply,
                  "refusing PKCS#11 add of \"" + provider +
                      "\" from a forwarded connection: remote "
                      "addition of providers is disabled (-O allow-remote-pkcs11)");
  }
  auto canonical = canonical_provider_path(provider, options_.allowed_providers);
  if (!canonical) {
    return refuse(log_, req.reply, "refusing PKCS#11 add: " + canonical.error().message);
  }
  if (pkcs11_helper_path_.empty()) {
    return refuse(log_, req.reply,
                  "PKCS#11 add of " + *canonical + ": no skagent-pkcs11-helper configured");
  }
  if (auto it = pkcs11_.find(*canonical); it != pkcs11_.end()) {
    bool in_use = it->second.loading;
    for (const auto& id : ids_.all()) in_use = in_use || id->pkcs11_provider == *canonical;
    if (in_use) {
      return refuse(
          log_, req.reply,
          "PKCS#11 add: provider " + *canonical + " is already added (ssh-add -e removes it)");
    }
    it->second.helper->stop("replaced by a new add");  // none of its keys is left: start afresh
    pkcs11_.erase(it);
  }

  std::string path = *canonical;
  uint64_t gen = ++pkcs11_generation_;
  auto helper = std::make_unique<Pkcs11Helper>(
      loop_, log_, pkcs11_helper_path_, path,
      Pkcs11Helper::Timeouts::given(options_.pkcs11_load_timeout, options_.pkcs11_sign_timeout),
      [this, path, gen](const std::string& why) { drop_provider(path, gen, why); });
  Pkcs11Helper& h = *helper;
  pkcs11_[path] = Pkcs11Provider{gen, true, std::move(helper)};
  log_.debug("loading PKCS#11 provider " + path);
  h.load(pin, [this, path, gen, c = std::move(*c),
               reply = std::move(req.reply)](Result<pkcs11::LoadReply> res) mutable {
    auto it = pkcs11_.find(path);
    bool current = it != pkcs11_.end() && it->second.generation == gen;
    if (!res) {
      if (current) {
        it->second.helper->stop("load failed");
        pkcs11_.erase(it);
      }
      return refuse(log_, reply, "PKCS#11 add of " + path + " failed: " + res.error().message);
    }
    if (!current) {
      return refuse(log_, reply,
                    "PKCS#11 add of " + path + ": the provider was removed while logging in");
    }
    for (const auto& note : res->notes) log_.info("PKCS#11 " + path + ": " + note);

    auto expires = expiry_of(c, options_.default_lifetime, std::chrono::steady_clock::now());
    size_t added = 0;
    auto add = [&](const PublicKey& key, const std::string& comment) {
      auto id = std::make_shared<Identity>();
      id->key = key;
      id->blob = key.blob();
      if (ids_.find(id->blob)) {
        log_.debug("PKCS#11 add: key already held: " + describe(*id));
        return;
      }
      id->comment = comment;
      id->pkcs11_provider = path;
      id->expires = expires;
      id->confirm = c.confirm;
      if (c.destinations) id->destinations = *c.destinations;
      log_.debug("add " + describe(*id));
      ids_.put(std::move(id));
      added++;
    };
    for (const auto& k : res->keys) {
      auto key = parse_public_key(k.blob);  // checked by the protocol decoder
      if (!key) continue;
      std::string comment = k.label.empty() ? path : k.label;
      for (const auto& cert_blob : c.associated_certs) {
        auto cert = parse_public_key(cert_blob);
        if (cert && cert->is_cert() && same_public_key(*cert, *key)) add(*cert, comment);
      }
      if (!c.certs_only.value_or(false)) add(*key, comment);
    }
    if (added == 0) {
      it->second.helper->stop("nothing added");
      pkcs11_.erase(it);
      return refuse(
          log_, reply,
          "PKCS#11 add of " + path + ": no new keys (already held, or no certificate matched)");
    }
    it->second.loading = false;
    log_.info("added " + std::to_string(added) + " keys from PKCS#11 provider " + path);
    schedule_expiry();
    reply(msg::status(true));
  });
}

void Agent::remove_smartcard(Request& req) {
  Reader r(req.body);
  std::string provider;
  ByteView pin;  // ignored, as by ssh-agent
  if (!r.cstring(provider) || !r.string(pin) || !r.empty()) {
    return refuse(log_, req.reply, "PKCS#11 remove: malformed request");
  }
  // The module file may be gone by now; then the name it was added under is tried.
  char buf[PATH_MAX];
  std::string path = realpath(provider.c_str(), buf) != nullptr ? std::string(buf) : provider;
  auto it = pkcs11_.find(path);
  bool any = false;
  for (const auto& id : ids_.all()) {
    if (id->pkcs11_provider != path) continue;
    any = true;
    if (!identity_visible_on(id->destinations, *req.conn)) {
      return refuse(
          log_, req.reply,
          "PKCS#11 remove: provider " + path + " holds keys not visible on this connection");
    }
  }
  if (it == pkcs11_.end() && !any) {
    return refuse(log_, req.reply, "PKCS#11 remove: provider " + path + " is not loaded");
  }
  size_t n = remove_provider_identities(path);
  if (it != pkcs11_.end()) {
    it->second.helper->stop("removed with ssh-add -e");
    pkcs11_.erase(it);
  }
  log_.info("removed PKCS#11 provider " + path + " and its " + std::to_string(n) + " keys");
  schedule_expiry();
  req.reply(msg::status(true));
}

}  // namespace skagent
