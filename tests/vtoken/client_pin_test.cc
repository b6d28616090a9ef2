// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/client_pin.h"

#include <gtest/gtest.h>

#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

TEST(VtokenClientPin, HostileRequests) {
  TokenFixture t;
  PinClient pc{2, nullptr, {}, {}};
  ASSERT_TRUE(pc.agree(t));
  struct Case {
    const char* what;
    cbor::Item req;
    uint8_t status;
  };
  std::vector<Case> cases;
  cases.push_back(
      {"no subcommand", cbor::MapBuilder().add(1, cbor::uint(2)).build(), ctap::kMissingParameter});
  cases.push_back({"negative subcommand", cbor::MapBuilder().add(2, cbor::integer(-1)).build(),
                   ctap::kCborUnexpectedType});
  cases.push_back({"unknown subcommand",
                   cbor::MapBuilder().add(1, cbor::uint(2)).add(2, cbor::uint(0x42)).build(),
                   ctap::kInvalidSubcommand});
  cases.push_back({"key agreement without protocol",
                   cbor::MapBuilder().add(2, cbor::uint(2)).build(), ctap::kMissingParameter});
  cases.push_back({"protocol 7",
                   cbor::MapBuilder().add(1, cbor::uint(7)).add(2, cbor::uint(2)).build(),
                   ctap::kInvalidParameter});
  cases.push_back({"key agreement not a map",
                   cbor::MapBuilder()
                       .add(1, cbor::uint(2))
                       .add(2, cbor::uint(3))
                       .add(3, cbor::bytes(Bytes{1}))
                       .build(),
                   ctap::kCborUnexpectedType});
  {
    CoseKey off = pc.cose;
    off.y[5] ^= 1;  // not on the curve
    Bytes npe = pc.enc(pc.padded("1234"));
    cases.push_back({"point off the curve",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, off.to_cbor())
                         .add(4, cbor::bytes(pc.auth(npe)))
                         .add(5, cbor::bytes(npe))
                         .build(),
                     ctap::kInvalidParameter});
    CoseKey ed = pc.cose;
    ed.kty = cose::kKtyOkp;
    cases.push_back({"wrong key type",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, ed.to_cbor())
                         .add(4, cbor::bytes(pc.auth(npe)))
                         .add(5, cbor::bytes(npe))
                         .build(),
                     ctap::kCborUnexpectedType});
    cases.push_back({"set pin without auth",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, pc.cose.to_cbor())
                         .add(5, cbor::bytes(npe))
                         .build(),
                     ctap::kMissingParameter});
    Bytes bad_auth = pc.auth(npe);
    bad_auth[0] ^= 1;
    cases.push_back({"set pin bad auth",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, pc.cose.to_cbor())
                         .add(4, cbor::bytes(bad_auth))
                         .add(5, cbor::bytes(npe))
                         .build(),
                     ctap::kPinAuthInvalid});
    Bytes short_npe = pc.enc(Bytes(32, 0x31));
    cases.push_back({"newPinEnc wrong size",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, pc.cose.to_cbor())
                         .add(4, cbor::bytes(pc.auth(short_npe)))
                         .add(5, cbor::bytes(short_npe))
                         .build(),
                     ctap::kInvalidParameter});
    Bytes too_short_pin = pc.enc(pc.padded("123"));
    cases.push_back({"PIN of 3",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, pc.cose.to_cbor())
                         .add(4, cbor::bytes(pc.auth(too_short_pin)))
                         .add(5, cbor::bytes(too_short_pin))
                         .build(),
                     ctap::kPinPolicyViolation});
    Bytes unpadded = pc.enc(Bytes(64, 0x31));
    cases.push_back({"PIN of 64",
                     cbor::MapBuilder()
                         .add(1, cbor::uint(2))
                         .add(2, cbor::uint(3))
                         .add(3, pc.cose.to_cbor())
                         .add(4, cbor::bytes(pc.auth(unpadded)))
                         .add(5, cbor::bytes(unpadded))
                         .build(),
                     ctap::kPinPolicyViolation});
  }
  cases.push_back({"token before a PIN",
                   cbor::MapBuilder()
                       .add(1, cbor::uint(2))
                       .add(2, cbor::uint(5))
                       .add(3, pc.cose.to_cbor())
                       .add(6, cbor::bytes(pc.enc(pin_hash_of("1234"))))
                       .build(),
                   ctap::kPinNotSet});
  cases.push_back({"change before a PIN",
                   cbor::MapBuilder()
                       .add(1, cbor::uint(2))
                       .add(2, cbor::uint(4))
                       .add(3, pc.cose.to_cbor())
                       .add(4, cbor::bytes(Bytes(32, 0)))
                       .add(5, cbor::bytes(Bytes(80, 0)))
                       .add(6, cbor::bytes(Bytes(32, 0)))
                       .build(),
                   ctap::kPinNotSet});
  for (const auto& c : cases) EXPECT_EQ(t.call(0x06, c.req).status, c.status) << c.what;
  EXPECT_FALSE(t.auth().summary().pin_set);
}

TEST(VtokenClientPin, BothProtocolsAndPermissions) {
  for (uint8_t v : {1, 2}) {
    TokenFixture t;
    PinClient pc{v, nullptr, {}, {}};
    ASSERT_EQ(pc.set_pin(t, "12345678").status, 0) << int(v);
    EXPECT_EQ(pc.set_pin(t, "87654321").status, ctap::kPinAuthInvalid);  // already set
    uint8_t st = 0;
    EXPECT_TRUE(pc.token(t, "12345678", 0, &st).empty());
    EXPECT_EQ(st, ctap::kInvalidParameter);  // no permissions
    EXPECT_TRUE(pc.token(t, "12345678", 0x08, &st).empty());
    EXPECT_EQ(st, ctap::kUnauthorizedPermission);  // bio enrollment
    Bytes token = pc.token(t, "12345678", permission::kGetAssertion, &st);
    ASSERT_EQ(token.size(), 32u) << int(st);
    // A token for assertions is refused for makeCredential.
    Bytes cdh(32, 3);
    auto mc = cbor::MapBuilder()
                  .add(1, cbor::bytes(cdh))
                  .add(2, rp_entity("ssh:"))
                  .add(3, user_entity(Bytes{1}))
                  .add(4, alg_list(-7))
                  .add(8, cbor::bytes(PinProtocol(v).authenticate(token, cdh)))
                  .add(9, cbor::uint(v))
                  .build();
    EXPECT_EQ(t.call(0x01, mc).status, ctap::kUnauthorizedPermission);
    auto retries =
        t.call(0x06, cbor::MapBuilder().add(1, cbor::uint(v)).add(2, cbor::uint(1)).build());
    ASSERT_EQ(retries.status, 0);
    auto m = cbor::decode(retries.body);
    EXPECT_EQ(*cbor::get_uint(cbor::map_get(m->get(), 3)), 8u);
  }
}

TEST(VtokenClientPin, RetryCounterIsSavedBeforeTheCompare) {
  TokenFixture t;
  PinClient pc{2, nullptr, {}, {}};
  ASSERT_EQ(pc.set_pin(t, "1234").status, 0);
  uint8_t st = 0;
  pc.token(t, "9999", permission::kGetAssertion, &st);
  EXPECT_EQ(st, ctap::kPinInvalid);
  StateFile file(t.state_path());
  auto saved = file.load_or_create();
  ASSERT_TRUE(saved.ok());
  EXPECT_EQ(saved->pin_retries, 7);
  // Wrong-size pinHashEnc is refused without costing a retry.
  ASSERT_TRUE(pc.agree(t));
  auto r = t.call(0x06, cbor::MapBuilder()
                            .add(1, cbor::uint(2))
                            .add(2, cbor::uint(9))
                            .add(3, pc.cose.to_cbor())
                            .add(6, cbor::bytes(Bytes(17, 0)))
                            .add(9, cbor::uint(2))
                            .build());
  EXPECT_EQ(r.status, ctap::kInvalidParameter);
  EXPECT_EQ(t.auth().summary().pin_retries, 7);
}

TEST(VtokenClientPin, SetPinDirectlyChecksTheLength) {
  TokenState s = TokenState::fresh();
  EXPECT_FALSE(set_pin_directly(s, "123").ok());
  EXPECT_FALSE(set_pin_directly(s, std::string(64, '1')).ok());
  EXPECT_FALSE(set_pin_directly(s, std::string("12\0"
                                               "34",
                                               5))
                   .ok());
  EXPECT_TRUE(set_pin_directly(s, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9").ok());  // 4 code points
  EXPECT_EQ(s.pin_hash, pin_hash_of("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"));
}

}  // namespace
}  // namespace skagent::vtoken::testing
