// SPDX-License-Identifier: BSD-2-Clause
// restrict-destination-v00@openssh.com bodies (parse_destination_constraints) and whole
// constraint lists (read_constraints), then the hop checks against a fixed binding chain.
#include "agent/policy/constraints.h"
#include "agent/policy/destination_constraint.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

namespace {
std::vector<SessionBinding> chain() {
  static PrivateKey host = fuzz::read_key(fuzz::fixed_ed25519_private(40));
  std::vector<SessionBinding> b;
  b.push_back(SessionBinding{host.public_key(), to_bytes(view("session-1")), true});
  b.push_back(SessionBinding{host.public_key(), to_bytes(view("session-2")), false});
  return b;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<SessionBinding> bindings = chain();
  static const PrivateKey user = fuzz::read_key(fuzz::fixed_ed25519_private(80));
  ByteView in(data, size);
  auto list = parse_destination_constraints(in);
  if (list) {
    FUZZ_CHECK(list->size() <= kMaxDestinationConstraints);
    std::string who = "alice", last;
    (void)permitted_by_destinations(user.public_key(), *list, bindings, &who, &last);
    (void)permitted_by_destinations(user.public_key(), *list, {}, nullptr, nullptr);
    (void)identity_visible(*list, bindings);
    for (const auto& c : *list) (void)match_key_hop(user.public_key(), c.to, 1700000000);
  }
  Reader r(in);
  auto c = read_constraints(r);
  if (c && c->destinations) {
    (void)identity_visible(*c->destinations, bindings);
  }
  return 0;
}
