// SPDX-License-Identifier: BSD-2-Clause
// restrict-destination-v00@openssh.com (ssh-add -h): which hosts, reached by
// which path, a key may be used for. Parsing of the constraint body and the
// hop-by-hop check against a connection's session bindings, as OpenSSH 9.2's
// parse_dest_constraint / identity_permitted do.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "agent/protocol/session_binding.h"
#include "base/error.h"
#include "ssh/key.h"
#include "base/wire.h"

namespace skagent {

struct HopKey {
  PublicKey key;
  bool is_ca = false;  // a host CA: matches host certificates it signed
};

// One end of a hop. An empty hostname with no keys is the origin (the local
// machine) in `from`; an empty user matches any user.
struct DestinationHop {
  std::string user, hostname;
  std::vector<HopKey> keys;
};

struct DestinationConstraint {
  DestinationHop from, to;
};

inline constexpr size_t kMaxDestinationConstraints = 1024;  // per key, as OpenSSH

// Reads the constraint's body from `r`, positioned just after the extension
// name: string{ constraint* }. An empty list is valid and means "no
// restriction", as in OpenSSH.
Result<std::vector<DestinationConstraint>> read_destination_constraints(Reader& r);
// The same, given the contents of that outer string.
Result<std::vector<DestinationConstraint>> parse_destination_constraints(ByteView list);

// OpenSSH's identity_permitted: may a key with `constraints` be used over a
// connection with `bindings`? `user` is the target user of a sign request
// (nullptr when listing/removing keys, where no user is known). On success,
// `last_hostname_out` (if given) receives the hostname of the constraint that
// allowed the last hop (empty when unconstrained or unbound). `id_key` only
// names the key in messages.
Status permitted_by_destinations(const PublicKey& id_key,
                                 const std::vector<DestinationConstraint>& constraints,
                                 const std::vector<SessionBinding>& bindings,
                                 const std::string* user, std::string* last_hostname_out);

// Whether REQUEST_IDENTITIES lists the key on this connection (OpenSSH also
// uses this to refuse REMOVE_IDENTITY and re-adding over an invisible key).
bool identity_visible(const std::vector<DestinationConstraint>& constraints,
                      const std::vector<SessionBinding>& bindings);

// OpenSSH's match_key_hop: a plain `key` equal to a non-CA key of the hop, or
// a host certificate signed by one of the hop's CA keys, valid at `now` (Unix
// seconds), for the hop's hostname, with no critical options and an allowed
// CA signature algorithm.
bool match_key_hop(const PublicKey& key, const DestinationHop& hop, uint64_t now);

}  // namespace skagent
