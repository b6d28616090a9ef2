// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/constraints.h"

namespace skagent {

namespace {

constexpr uint8_t kLifetime = 1, kConfirm = 2, kExtension = 255;
constexpr size_t kMaxAssociatedCerts = 1024;

Error bad(const std::string& why) { return make_error(Errc::malformed, "constraint: " + why); }

Status read_associated_certs(Reader& r, Constraints& c) {
  bool certs_only = false;
  ByteView list;
  if (!r.boolean(certs_only) || !r.string(list)) return bad("truncated associated-certs");
  Reader lr(list);
  size_t listed = 0;  // plain keys count towards the limit too, as in OpenSSH
  while (!lr.empty()) {
    ByteView cert;
    if (!lr.string(cert)) return bad("truncated certificate list");
    if (++listed > kMaxAssociatedCerts) return bad("too many certificates");
    auto k = parse_public_key(cert);
    if (!k) return bad("bad associated key: " + k.error().message);
    if (auto s = check_public_key(*k); !s) return bad("bad associated key: " + s.error().message);
    // OpenSSH skips plain keys in the list (ssh-add sends them: agent-pkcs11-cert.sh).
    if (!k->is_cert()) continue;
    c.associated_certs.push_back(to_bytes(cert));
  }
  c.certs_only = certs_only;
  return {};
}

Status read_extension(Reader& r, Constraints& c) {
  std::string name;
  if (!r.cstring(name)) return bad("truncated extension name");
  if (name == "sk-provider@openssh.com") {
    std::string path;
    if (c.sk_provider || !r.cstring(path)) return bad("bad or repeated sk-provider");
    c.sk_provider = path;
    return {};
  }
  if (name == "restrict-destination-v00@openssh.com") {
    if (c.destinations) return bad("repeated restrict-destination");
    auto d = read_destination_constraints(r);
    if (!d) return d.error();
    c.destinations = std::move(*d);
    return {};
  }
  if (name == "associated-certs-v00@openssh.com") {
    if (c.certs_only) return bad("repeated associated-certs");
    return read_associated_certs(r, c);
  }
  return make_error(Errc::unsupported, "unsupported constraint extension \"" + name + "\"");
}

}  // namespace

Result<Constraints> read_constraints(Reader& r) {
  Constraints c;
  while (!r.empty()) {
    uint8_t type = 0;
    if (!r.u8(type)) return bad("truncated");
    switch (type) {
      case kLifetime: {
        uint32_t secs = 0;
        if (c.lifetime || !r.u32(secs)) return bad("bad or repeated lifetime");
        c.lifetime = secs;
        break;
      }
      case kConfirm:
        if (c.confirm) return bad("repeated confirm");
        c.confirm = true;
        break;
      case kExtension:
        if (auto s = read_extension(r, c); !s) return s.error();
        break;
      default:
        return make_error(Errc::unsupported, "unknown constraint type " + std::to_string(type));
    }
  }
  return c;
}

std::optional<std::chrono::steady_clock::time_point> expiry_of(
    const Constraints& c, uint32_t default_lifetime, std::chrono::steady_clock::time_point now) {
  if (c.lifetime) return now + std::chrono::seconds(*c.lifetime);
  if (default_lifetime != 0) return now + std::chrono::seconds(default_lifetime);
  return std::nullopt;
}

}  // namespace skagent
