// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/get_assertion.h"

#include <gtest/gtest.h>

#include "vtoken/auth_data.h"
#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

Bytes make_cred(TokenFixture& t, std::string_view rp, bool rk, Bytes uid = {1},
                const Bytes& pin_token = {}) {
  cbor::MapBuilder m;
  Bytes cdh(32, 0x11);
  m.add(1, cbor::bytes(cdh));
  m.add(2, rp_entity(rp));
  m.add(3, user_entity(uid));
  m.add(4, alg_list(-7));
  if (rk) m.add(7, cbor::MapBuilder().add("rk", cbor::boolean(true)).build());
  if (!pin_token.empty()) {
    m.add(8, cbor::bytes(PinProtocol(2).authenticate(pin_token, cdh)));
    m.add(9, cbor::uint(2));
  }
  auto r = t.call(0x01, m.build());
  EXPECT_EQ(r.status, 0);
  auto item = cbor::decode(r.body);
  auto ad = AuthenticatorData::parse(*cbor::get_bytes(cbor::map_get(item->get(), 2), 1024));
  return ad->attested->credential_id;
}

TEST(VtokenGetAssertion, ParsesAndRefusesHostileRequests) {
  TokenFixture t;
  Bytes id = make_cred(t, "ssh:", false);
  auto ok = cbor::MapBuilder()
                .add(1, cbor::text("ssh:"))
                .add(2, cbor::bytes(Bytes(32, 2)))
                .add(3, descriptor_list({id}))
                .build();
  EXPECT_EQ(t.call(0x02, ok).status, 0);
  struct Case {
    const char* what;
    cbor::Item req;
    uint8_t status;
  };
  std::vector<Case> cases;
  cases.push_back({"no rp", cbor::MapBuilder().add(2, cbor::bytes(Bytes(32, 2))).build(),
                   ctap::kMissingParameter});
  cases.push_back(
      {"rp bytes",
       cbor::MapBuilder().add(1, cbor::bytes(Bytes{1})).add(2, cbor::bytes(Bytes(32, 2))).build(),
       ctap::kCborUnexpectedType});
  cases.push_back(
      {"no cdh", cbor::MapBuilder().add(1, cbor::text("ssh:")).build(), ctap::kMissingParameter});
  cases.push_back(
      {"cdh 33",
       cbor::MapBuilder().add(1, cbor::text("ssh:")).add(2, cbor::bytes(Bytes(33, 2))).build(),
       ctap::kLimitExceeded});
  cases.push_back({"allow list map",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(3, cbor::MapBuilder().build())
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back({"huge credential id",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(3, descriptor_list({Bytes(1024, 1)}))
                       .build(),
                   ctap::kLimitExceeded});
  cases.push_back({"rk option",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(5, cbor::MapBuilder().add("rk", cbor::boolean(true)).build())
                       .build(),
                   ctap::kInvalidOption});
  cases.push_back({"uv option",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(5, cbor::MapBuilder().add("uv", cbor::boolean(true)).build())
                       .build(),
                   ctap::kInvalidOption});
  cases.push_back({"extensions not a map",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(4, cbor::uint(1))
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back(
      {"no discoverable credentials",
       cbor::MapBuilder().add(1, cbor::text("ssh:")).add(2, cbor::bytes(Bytes(32, 2))).build(),
       ctap::kNoCredentials});
  cases.push_back({"foreign id",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(3, descriptor_list({Bytes(64, 1)}))
                       .build(),
                   ctap::kNoCredentials});
  cases.push_back({"other rp",
                   cbor::MapBuilder()
                       .add(1, cbor::text("ssh:x"))
                       .add(2, cbor::bytes(Bytes(32, 2)))
                       .add(3, descriptor_list({id}))
                       .build(),
                   ctap::kNoCredentials});
  for (const auto& c : cases) EXPECT_EQ(t.call(0x02, c.req).status, c.status) << c.what;
}

TEST(VtokenGetAssertion, NextAssertionWalksDiscoverableCredentials) {
  TokenFixture t;
  PinClient pc{2, nullptr, {}, {}};
  ASSERT_EQ(pc.set_pin(t, "1234").status, 0);
  Bytes token = pc.token(t, "1234", permission::kMakeCredential | permission::kGetAssertion);
  ASSERT_EQ(token.size(), 32u);
  make_cred(t, "ssh:", true, {1}, token);
  make_cred(t, "ssh:", true, {2}, token);
  make_cred(t, "ssh:", true, {3}, token);
  EXPECT_EQ(t.raw(0x08).status, ctap::kNotAllowed);  // nothing to continue
  Bytes cdh(32, 5);
  auto req = cbor::MapBuilder()
                 .add(1, cbor::text("ssh:"))
                 .add(2, cbor::bytes(cdh))
                 .add(6, cbor::bytes(PinProtocol(2).authenticate(token, cdh)))
                 .add(7, cbor::uint(2))
                 .build();
  auto first = t.call(0x02, req);
  ASSERT_EQ(first.status, 0);
  auto m = cbor::decode(first.body);
  EXPECT_EQ(*cbor::get_uint(cbor::map_get(m->get(), 5)), 3u);
  auto user = cbor::map_get(m->get(), 4);
  EXPECT_EQ(*cbor::get_bytes(cbor::map_get(user, "id"), 64), Bytes{3});  // most recent first
  EXPECT_EQ(*cbor::get_text(cbor::map_get(user, "name"), 64), "u");      // names after UV
  EXPECT_EQ(t.raw(0x08).status, 0);
  auto third = t.raw(0x08);
  ASSERT_EQ(third.status, 0);
  auto m3 = cbor::decode(third.body);
  EXPECT_EQ(*cbor::get_bytes(cbor::map_get(cbor::map_get(m3->get(), 4), "id"), 64), Bytes{1});
  EXPECT_EQ(cbor::map_get(m3->get(), 5), nullptr);
  EXPECT_EQ(t.raw(0x08).status, ctap::kNotAllowed);
  EXPECT_EQ(t.raw(0x08, Bytes{0xa0}).status, ctap::kInvalidLength);  // takes no parameters
  // Another command in between ends the sequence.
  ASSERT_EQ(t.call(0x02, req).status, 0);
  EXPECT_EQ(t.raw(0x04).status, 0);
  EXPECT_EQ(t.raw(0x08).status, ctap::kNotAllowed);
}

}  // namespace
}  // namespace skagent::vtoken::testing
