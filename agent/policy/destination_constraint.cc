// SPDX-License-Identifier: BSD-2-Clause
// Parsing of restrict-destination-v00@openssh.com bodies.
#include "agent/policy/destination_constraint.h"

#include <string>

namespace skagent {

namespace {

constexpr size_t kMaxUserPattern = 256;  // bytes, as OpenSSH 10.4 (AGENT_USER_CONSTRAINT_MAX_LEN)

Error malformed(const std::string& what) {
  return make_error(Errc::malformed, "restrict-destination: " + what);
}

Result<HopKey> read_hop_key(Reader& r) {
  ByteView blob;
  uint8_t is_ca = 0;
  if (!r.string(blob) || !r.u8(is_ca)) return malformed("truncated hop key");
  auto key = parse_public_key(blob);
  if (!key) return malformed("bad hop key: " + key.error().message);
  // A point off its curve never matches a real host key; OpenSSH refuses the add, so do we.
  if (auto s = check_public_key(*key); !s) return malformed("bad hop key: " + s.error().message);
  return HopKey{std::move(*key), is_ca != 0};
}

// Hop: string user, string hostname, string reserved, (string key, bool is_ca)*.
Result<DestinationHop> parse_hop(ByteView body) {
  Reader r(body);
  DestinationHop hop;
  ByteView reserved;
  if (!r.cstring(hop.user) || !r.cstring(hop.hostname) || !r.string(reserved)) {
    return malformed("truncated hop");
  }
  if (!reserved.empty()) {
    return make_error(Errc::unsupported, "restrict-destination: unsupported hop extensions");
  }
  // OpenSSH 10.4's cap: a pattern is matched against every login, keep it short.
  if (hop.user.size() > kMaxUserPattern) return malformed("user match pattern too long");
  while (!r.empty()) {
    auto k = read_hop_key(r);
    if (!k) return k.error();
    hop.keys.push_back(std::move(*k));
  }
  return hop;
}

Status check_consistency(const DestinationConstraint& c) {
  if (!c.from.user.empty() || c.from.hostname.empty() != c.from.keys.empty()) {
    return malformed("inconsistent \"from\" hop");
  }
  if (c.to.hostname.empty() || c.to.keys.empty()) return malformed("incomplete \"to\" hop");
  return {};
}

// Constraint: string{ string from_hop, string to_hop, string reserved }.
Result<DestinationConstraint> read_constraint(Reader& list) {
  ByteView body, from, to, reserved;
  if (!list.string(body)) return malformed("truncated constraint");
  Reader r(body);
  if (!r.string(from) || !r.string(to) || !r.string(reserved)) {
    return malformed("truncated constraint");
  }
  if (!r.empty()) return malformed("trailing bytes in constraint");
  DestinationConstraint c;
  auto f = parse_hop(from);
  if (!f) return f.error();
  auto t = parse_hop(to);
  if (!t) return t.error();
  if (!reserved.empty()) {
    return make_error(Errc::unsupported, "restrict-destination: unsupported constraint extensions");
  }
  c.from = std::move(*f);
  c.to = std::move(*t);
  if (auto s = check_consistency(c); !s) return s.error();
  return c;
}

}  // namespace

Result<std::vector<DestinationConstraint>> parse_destination_constraints(ByteView list) {
  Reader r(list);
  std::vector<DestinationConstraint> out;
  while (!r.empty()) {
    // OpenSSH 9.2 silently drops constraints past its limit; refusing is safer.
    if (out.size() >= kMaxDestinationConstraints) {
      return make_error(Errc::limit, "restrict-destination: more than " +
                                         std::to_string(kMaxDestinationConstraints) +
                                         " constraints");
    }
    auto c = read_constraint(r);
    if (!c) return c.error();
    out.push_back(std::move(*c));
  }
  return out;
}

Result<std::vector<DestinationConstraint>> read_destination_constraints(Reader& r) {
  ByteView list;
  if (!r.string(list)) return malformed("truncated constraint list");
  return parse_destination_constraints(list);
}

}  // namespace skagent
