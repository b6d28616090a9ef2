// SPDX-License-Identifier: BSD-2-Clause
// A key that a connection's destination constraints hide is hidden for every request: a
// forwarded connection can neither list nor remove it (OpenSSH's process_remove_identity
// checks identity_permitted too). The mutation check (tests/mutation) found no test for the
// remove half.
#include <gtest/gtest.h>

#include "tests/agent/agent_harness.h"
#include "tests/agent/agent_test_util.h"

namespace skagent::testing {
namespace {

using test::bind_body;
using test::constraint_bytes;
using test::constraint_extension;
using test::generate;
using test::HopSpec;

TEST(ForwardedVisibility, AForwardedConnectionCannotRemoveAKeyItCannotSee) {
  AgentHarness agent;
  auto local = agent.client();
  PrivateKey key = generate();
  PrivateKey host_a = generate(), host_b = generate();
  HopSpec origin;
  HopSpec to_a{"", "hosta", {{host_a.public_key(), false}}, {}};
  Bytes only_to_a = constraint_extension("restrict-destination-v00@openssh.com",
                                         as_ssh_string(constraint_bytes(origin, to_a)));
  ASSERT_TRUE(local.call_ok(msg::kAddIdConstrained, add_body(key, "for hosta only", only_to_a)));

  // A connection forwarded to host B: the key may not be used there, so it is not there.
  auto forwarded = agent.client();
  Writer bind;
  bind.string("session-bind@openssh.com");
  bind.raw(bind_body(host_b, test::bytes_of("session-id-of-hostb"), true));
  ASSERT_TRUE(forwarded.call_ok(msg::kExtension, bind.bytes()));
  EXPECT_TRUE(identities_of(forwarded.call(msg::kRequestIdentities)).empty());
  Writer remove;
  remove.string(key.public_key().blob());
  EXPECT_TRUE(forwarded.call_failed(msg::kRemoveIdentity, remove.bytes()));

  // Still there for the local client.
  EXPECT_EQ(identities_of(local.call(msg::kRequestIdentities)).size(), 1u);
}

}  // namespace
}  // namespace skagent::testing
