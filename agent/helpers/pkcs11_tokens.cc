// SPDX-License-Identifier: BSD-2-Clause
// PKCS#11 modules, each loaded only inside its own skagent-pkcs11-helper process.
//
// As ssh-agent: the module path must match the -P allowlist after realpath,
// a forwarded connection may not name one unless -O allow-remote-pkcs11, keys
// already held are left as they are, and the add fails when it adds nothing.
// Lifetime, confirm and destination constraints apply to every key of the
// token; certificates sent with associated-certs-v00 are added for the token
// keys they certify (and only they, with certs_only).
//
// The helper runs a library we do not trust to be correct, so every signature
// it returns is verified against the key (and, for RSA, the algorithm the
// client asked for) before it reaches the client.
#include "agent/helpers/pkcs11_tokens.h"

#include <climits>
#include <cstdlib>

#include "agent/keys/constrained_sign.h"
#include "agent/policy/provider_allowlist.h"
#include "agent/protocol/messages.h"
#include "pkcs11/key_attributes.h"

namespace skagent {

Pkcs11Tokens::Pkcs11Tokens(EventLoop& loop, const Logger& log, const AgentOptions& options,
                           IdentityStore& ids, std::string helper_path,
                           std::function<void()> keys_changed)
    : loop_(loop),
      log_(log),
      options_(options),
      ids_(ids),
      helper_path_(std::move(helper_path)),
      keys_changed_(std::move(keys_changed)) {}

std::string Pkcs11Tokens::describe(const Identity& id) const {
  return describe_identity(id, options_.fingerprint_hash);
}

size_t Pkcs11Tokens::remove_identities(const std::string& provider) {
  std::vector<Bytes> blobs;
  for (const auto& id : ids_.all()) {
    if (id->pkcs11_provider == provider) blobs.push_back(id->blob);
  }
  for (const auto& b : blobs) ids_.remove(b);
  return blobs.size();
}

void Pkcs11Tokens::drop(const std::string& provider, uint64_t generation, const std::string& why) {
  auto it = providers_.find(provider);
  if (it == providers_.end() || it->second.generation != generation)
    return;  // already gone or re-added
  it->second.helper->stop(why);
  providers_.erase(it);
  size_t n = remove_identities(provider);
  log_.error("PKCS#11 provider " + provider + ": " + why + "; removed its " + std::to_string(n) +
             " keys (add them again with ssh-add -s)");
  keys_changed_();
}

void Pkcs11Tokens::stop_all(const std::string& why) {
  for (auto& [path, p] : providers_) p.helper->stop(why);
  providers_.clear();
}

void Pkcs11Tokens::stop_idle() {
  std::erase_if(providers_, [&](auto& entry) {
    auto& [path, p] = entry;
    if (p.loading) return false;
    for (const auto& id : ids_.all()) {
      if (id->pkcs11_provider == path) return false;
    }
    p.helper->stop("none of its keys is left");
    return true;
  });
}

void Pkcs11Tokens::add(const std::string& provider, ByteView pin, Constraints c, bool remote,
                       ReplyFn reply) {
  if (remote && !options_.allow_remote_providers) {
    return refuse(log_, reply,
                  "refusing PKCS#11 add of \"" + provider +
                      "\" from a forwarded connection: remote "
                      "addition of providers is disabled (-O allow-remote-pkcs11)");
  }
  auto canonical = canonical_provider_path(provider, options_.allowed_providers);
  if (!canonical) {
    return refuse(log_, reply, "refusing PKCS#11 add: " + canonical.error().message);
  }
  if (helper_path_.empty()) {
    return refuse(log_, reply,
                  "PKCS#11 add of " + *canonical + ": no skagent-pkcs11-helper configured");
  }
  if (auto it = providers_.find(*canonical); it != providers_.end()) {
    bool in_use = it->second.loading;
    for (const auto& id : ids_.all()) in_use = in_use || id->pkcs11_provider == *canonical;
    if (in_use) {
      return refuse(
          log_, reply,
          "PKCS#11 add: provider " + *canonical + " is already added (ssh-add -e removes it)");
    }
    it->second.helper->stop("replaced by a new add");  // none of its keys is left: start afresh
    providers_.erase(it);
  }

  std::string path = *canonical;
  uint64_t gen = ++generation_;
  auto helper = std::make_unique<Pkcs11Helper>(
      loop_, log_, helper_path_, path,
      Pkcs11Helper::Timeouts::given(options_.pkcs11_load_timeout, options_.pkcs11_sign_timeout),
      liveness_.guard([this, path, gen](const std::string& why) { drop(path, gen, why); }));
  Pkcs11Helper& h = *helper;
  providers_[path] = Provider{gen, true, std::move(helper)};
  log_.debug("loading PKCS#11 provider " + path);
  h.load(pin, liveness_.guard([this, path, gen, c = std::move(c),
                               reply = std::move(reply)](Result<pkcs11::LoadReply> res) {
    loaded(path, gen, c, std::move(res), reply);
  }));
}

void Pkcs11Tokens::loaded(const std::string& path, uint64_t gen, const Constraints& c,
                          Result<pkcs11::LoadReply> res, const ReplyFn& reply) {
  auto it = providers_.find(path);
  bool current = it != providers_.end() && it->second.generation == gen;
  if (!res) {
    if (current) {
      it->second.helper->stop("load failed");
      providers_.erase(it);
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
  auto add_key = [&](const PublicKey& key, const std::string& comment) {
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
      if (cert && cert->is_cert() && same_public_key(*cert, *key)) add_key(*cert, comment);
    }
    if (!c.certs_only.value_or(false)) add_key(*key, comment);
  }
  if (added == 0) {
    it->second.helper->stop("nothing added");
    providers_.erase(it);
    return refuse(
        log_, reply,
        "PKCS#11 add of " + path + ": no new keys (already held, or no certificate matched)");
  }
  it->second.loading = false;
  log_.info("added " + std::to_string(added) + " keys from PKCS#11 provider " + path);
  keys_changed_();
  reply(msg::status(true));
}

void Pkcs11Tokens::remove(const std::string& provider, const Connection& conn, ReplyFn reply) {
  // The module file may be gone by now; then the name it was added under is tried.
  char buf[PATH_MAX];
  std::string path = realpath(provider.c_str(), buf) != nullptr ? std::string(buf) : provider;
  auto it = providers_.find(path);
  bool any = false;
  for (const auto& id : ids_.all()) {
    if (id->pkcs11_provider != path) continue;
    any = true;
    if (!identity_visible_on(id->destinations, conn)) {
      return refuse(
          log_, reply,
          "PKCS#11 remove: provider " + path + " holds keys not visible on this connection");
    }
  }
  if (it == providers_.end() && !any) {
    return refuse(log_, reply, "PKCS#11 remove: provider " + path + " is not loaded");
  }
  size_t n = remove_identities(path);
  if (it != providers_.end()) {
    it->second.helper->stop("removed with ssh-add -e");
    providers_.erase(it);
  }
  log_.info("removed PKCS#11 provider " + path + " and its " + std::to_string(n) + " keys");
  keys_changed_();
  reply(msg::status(true));
}

void Pkcs11Tokens::sign(std::shared_ptr<const Identity> id, Bytes data, uint32_t flags,
                        ReplyFn reply) {
  auto it = providers_.find(id->pkcs11_provider);
  if (it == providers_.end() || !it->second.helper->running()) {
    return refuse(log_, reply, "sign: the PKCS#11 provider of " + describe(*id) + " is not loaded");
  }
  uint64_t gen = it->second.generation;
  PublicKey plain = id->key.plain();
  std::string alg = pkcs11::signature_algorithm_for(plain, flags);
  Bytes blob = plain.blob();
  Bytes request_data = data;  // the lambda below takes `data`: no view into it as an argument
  it->second.helper->sign(
      blob, request_data, flags,
      liveness_.guard([this, id, gen, plain = std::move(plain), alg, data = std::move(data),
                       reply = std::move(reply)](Result<Bytes> sig) {
        if (!sig) {
          const std::string why = "sign: PKCS#11 " + describe(*id) + ": " + sig.error().message;
          if (sig.error().code == Errc::not_found) {
            drop(id->pkcs11_provider, gen, "token removed (" + sig.error().message + ")");
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
      }));
}

}  // namespace skagent
