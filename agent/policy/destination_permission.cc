// SPDX-License-Identifier: BSD-2-Clause
// Enforcement of destination constraints against a connection's session
// bindings (OpenSSH identity_permitted, permitted_by_dest_constraints,
// match_key_hop; host certificates as in 10.3+).
#include <ctime>
#include <string>
#include <string_view>

#include "agent/policy/destination_constraint.h"
#include "agent/keys/key_equal.h"
#include "agent/policy/pattern_match.h"

namespace skagent {

namespace {

// OpenSSH's SSH_ALLOWED_CA_SIGALGS: no SHA-1 RSA, no DSA.
bool allowed_ca_signature_algorithm(std::string_view alg) {
  for (std::string_view ok :
       {"ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com", "rsa-sha2-512",
        "rsa-sha2-256"}) {
    if (alg == ok) return true;
  }
  return false;
}

// OpenSSH 10.3+ sshkey_cert_check_host (commit 5166b6cbf, after
// CVE-2024-7594): a host certificate without principals is valid for no
// host, and each principal is a pattern matched against the hop's hostname.
// (9.2 let a principal-less certificate match any host, and used the
// hostname as the pattern.)
bool principals_allow(const Certificate& cert, std::string_view hostname) {
  for (const auto& p : cert.principals) {
    if (match_pattern(hostname, p)) return true;
  }
  return false;
}

bool host_cert_valid(const Certificate& cert, std::string_view hostname, uint64_t now) {
  if (cert.cert_type != Certificate::kHost) return false;
  if (now < cert.valid_after || now >= cert.valid_before) return false;
  if (!principals_allow(cert, hostname)) return false;
  if (!cert.critical_options.empty()) return false;
  auto alg = signature_algorithm(cert.signature);
  return alg && allowed_ca_signature_algorithm(*alg);
}

bool cert_matches_ca(const PublicKey& key, const PublicKey& ca_key, std::string_view hostname,
                     uint64_t now) {
  const Certificate& cert = *key.cert;
  auto signer = parse_public_key(cert.signature_key);
  if (!signer || !key_equal(*signer, ca_key)) return false;
  if (!host_cert_valid(cert, hostname, now)) return false;
  // OpenSSH checks the CA signature whenever it parses a certificate.
  return verify_certificate_signature(cert).ok();
}

bool constraint_allows(const DestinationConstraint& d, const PublicKey* from, const PublicKey* to,
                       const std::string* user, uint64_t now) {
  if (from == nullptr) {
    if (!d.from.hostname.empty() || !d.from.keys.empty()) return false;  // not an origin hop
  } else if (!match_key_hop(*from, d.from, now)) {
    return false;
  }
  if (to != nullptr && !match_key_hop(*to, d.to, now)) return false;
  return d.to.user.empty() || user == nullptr || match_pattern(*user, d.to.user);
}

// OpenSSH's permitted_by_dest_constraints: the first constraint allowing the
// hop, or nullptr. A null `from` is the origin; a null `to` is "anywhere".
const DestinationConstraint* find_permitting(const std::vector<DestinationConstraint>& cs,
                                             const PublicKey* from, const PublicKey* to,
                                             const std::string* user, uint64_t now) {
  for (const auto& d : cs) {
    if (constraint_allows(d, from, to, user, now)) return &d;
  }
  return nullptr;
}

Error denied(const PublicKey& id_key, const std::string& why) {
  return make_error(Errc::denied, std::string(id_key.type_name()) +
                                      " key refused by destination constraints: " + why);
}

}  // namespace

bool match_key_hop(const PublicKey& key, const DestinationHop& hop, uint64_t now) {
  const std::string_view hostname =
      hop.hostname.empty() ? std::string_view("(ORIGIN)") : std::string_view(hop.hostname);
  for (const auto& hk : hop.keys) {
    if (!key.is_cert()) {
      if (!hk.is_ca && key_equal(key, hk.key)) return true;
    } else if (hk.is_ca && cert_matches_ca(key, hk.key, hostname, now)) {
      return true;
    }
  }
  return false;
}

Status permitted_by_destinations(const PublicKey& id_key,
                                 const std::vector<DestinationConstraint>& constraints,
                                 const std::vector<SessionBinding>& bindings,
                                 const std::string* user, std::string* last_hostname_out) {
  if (last_hostname_out != nullptr) last_hostname_out->clear();
  if (constraints.empty() || bindings.empty()) return {};  // unconstrained, or local use
  const uint64_t now = uint64_t(std::time(nullptr));
  const PublicKey* from = nullptr;
  std::string last_hostname;
  for (size_t i = 0; i < bindings.size(); ++i) {
    const SessionBinding& b = bindings[i];
    const bool last = i + 1 == bindings.size();
    // A user is known only for sign requests; signing needs an auth bind.
    if (last && b.forwarding && user != nullptr) return denied(id_key, "sign on a forwarding hop");
    if (!last && !b.forwarding) return denied(id_key, "forwarding through an authentication bind");
    const DestinationConstraint* d =
        find_permitting(constraints, from, &b.host_key, last ? user : nullptr, now);
    if (d == nullptr) {
      return denied(id_key, "hop " + std::to_string(i + 1) + " of " +
                                std::to_string(bindings.size()) + " not permitted");
    }
    if (last) last_hostname = d->to.hostname;
    from = &b.host_key;
  }
  // Listing on a forwarded connection: hide keys that may authenticate to
  // this host but not be used beyond it.
  if (bindings.back().forwarding && user == nullptr &&
      find_permitting(constraints, from, nullptr, nullptr, now) == nullptr) {
    return denied(id_key, "permitted at the host but not beyond it");
  }
  if (last_hostname_out != nullptr) *last_hostname_out = std::move(last_hostname);
  return {};
}

bool identity_visible(const std::vector<DestinationConstraint>& constraints,
                      const std::vector<SessionBinding>& bindings) {
  PublicKey unnamed;
  return permitted_by_destinations(unnamed, constraints, bindings, nullptr, nullptr).ok();
}

}  // namespace skagent
