// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/make_credential.h"

#include <gtest/gtest.h>

#include <chrono>

#include "vtoken/auth_data.h"
#include "vtoken/cose_key.h"
#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

cbor::MapBuilder base_request(int64_t alg = -7) {
  cbor::MapBuilder m;
  m.add(1, cbor::bytes(Bytes(32, 0xCD)));
  m.add(2, rp_entity("ssh:"));
  m.add(3, user_entity(Bytes{1, 2}));
  m.add(4, alg_list(alg));
  return m;
}

TEST(VtokenMakeCredential, ParsesAWellFormedRequest) {
  auto item = base_request()
                  .add(5, descriptor_list({Bytes{1}, Bytes{2}}))
                  .add(6, cbor::MapBuilder()
                              .add("credProtect", cbor::uint(2))
                              .add("hmac-secret", cbor::boolean(true))
                              .build())
                  .add(7, cbor::MapBuilder().add("rk", cbor::boolean(true)).build())
                  .add(8, cbor::bytes(Bytes(32, 1)))
                  .add(9, cbor::uint(2))
                  .build();
  auto r = MakeCredentialRequest::parse(item.get());
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->rp.id, "ssh:");
  EXPECT_EQ(r->user.id, (Bytes{1, 2}));
  EXPECT_EQ(r->algorithms, std::vector<int64_t>{-7});
  EXPECT_EQ(r->exclude_list.size(), 2u);
  EXPECT_EQ(*r->cred_protect, 2u);
  EXPECT_TRUE(*r->rk);
  EXPECT_EQ(*r->pin_uv_auth_protocol, 2);
}

TEST(VtokenMakeCredential, HostileRequestsGetStatuses) {
  TokenFixture t;
  struct Case {
    const char* what;
    cbor::Item req;
    uint8_t status;
  };
  std::vector<Case> cases;
  cases.push_back({"no cdh",
                   cbor::MapBuilder()
                       .add(2, rp_entity("a"))
                       .add(3, user_entity(Bytes{1}))
                       .add(4, alg_list(-7))
                       .build(),
                   ctap::kMissingParameter});
  cases.push_back({"short cdh",
                   cbor::MapBuilder()
                       .add(1, cbor::bytes(Bytes(31, 0)))
                       .add(2, rp_entity("a"))
                       .add(3, user_entity(Bytes{1}))
                       .add(4, alg_list(-7))
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back({"rp not a map",
                   cbor::MapBuilder()
                       .add(1, cbor::bytes(Bytes(32, 0)))
                       .add(2, cbor::text("x"))
                       .add(3, user_entity(Bytes{1}))
                       .add(4, alg_list(-7))
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back({"rp id not text",
                   cbor::MapBuilder()
                       .add(1, cbor::bytes(Bytes(32, 0)))
                       .add(2, cbor::MapBuilder().add("id", cbor::uint(1)).build())
                       .add(3, user_entity(Bytes{1}))
                       .add(4, alg_list(-7))
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back({"user id too long",
                   cbor::MapBuilder()
                       .add(1, cbor::bytes(Bytes(32, 0)))
                       .add(2, rp_entity("a"))
                       .add(3, user_entity(Bytes(65, 1)))
                       .add(4, alg_list(-7))
                       .build(),
                   ctap::kLimitExceeded});
  cases.push_back({"rp id too long",
                   cbor::MapBuilder()
                       .add(1, cbor::bytes(Bytes(32, 0)))
                       .add(2, rp_entity(std::string(300, 'a')))
                       .add(3, user_entity(Bytes{1}))
                       .add(4, alg_list(-7))
                       .build(),
                   ctap::kLimitExceeded});
  cases.push_back({"algs not array",
                   cbor::MapBuilder()
                       .add(1, cbor::bytes(Bytes(32, 0)))
                       .add(2, rp_entity("a"))
                       .add(3, user_entity(Bytes{1}))
                       .add(4, cbor::uint(7))
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back({"only RS256", base_request(-257).build(), ctap::kUnsupportedAlgorithm});
  cases.push_back({"exclude list not array", base_request().add(5, cbor::uint(1)).build(),
                   ctap::kCborUnexpectedType});
  {
    cbor::ArrayBuilder many;
    for (int i = 0; i < 65; i++)
      many.add(cbor::MapBuilder()
                   .add("id", cbor::bytes(Bytes{1}))
                   .add("type", cbor::text("public-key"))
                   .build());
    cases.push_back({"exclude list too long", base_request().add(5, many.build()).build(),
                     ctap::kLimitExceeded});
  }
  cases.push_back(
      {"descriptor without id",
       base_request()
           .add(5, cbor::ArrayBuilder()
                       .add(cbor::MapBuilder().add("type", cbor::text("public-key")).build())
                       .build())
           .build(),
       ctap::kMissingParameter});
  cases.push_back({"credProtect text",
                   base_request()
                       .add(6, cbor::MapBuilder().add("credProtect", cbor::text("2")).build())
                       .build(),
                   ctap::kCborUnexpectedType});
  cases.push_back(
      {"credProtect 4",
       base_request().add(6, cbor::MapBuilder().add("credProtect", cbor::uint(4)).build()).build(),
       ctap::kInvalidOption});
  cases.push_back(
      {"option not bool",
       base_request().add(7, cbor::MapBuilder().add("rk", cbor::uint(1)).build()).build(),
       ctap::kCborUnexpectedType});
  cases.push_back(
      {"up false",
       base_request().add(7, cbor::MapBuilder().add("up", cbor::boolean(false)).build()).build(),
       ctap::kInvalidOption});
  cases.push_back(
      {"uv without pin",
       base_request().add(7, cbor::MapBuilder().add("uv", cbor::boolean(true)).build()).build(),
       ctap::kInvalidOption});
  cases.push_back({"pin auth without protocol",
                   base_request().add(8, cbor::bytes(Bytes(32, 0))).build(),
                   ctap::kMissingParameter});
  cases.push_back({"pin protocol 3",
                   base_request().add(8, cbor::bytes(Bytes(32, 0))).add(9, cbor::uint(3)).build(),
                   ctap::kInvalidParameter});
  cases.push_back({"no pin token yet",
                   base_request().add(8, cbor::bytes(Bytes(32, 0))).add(9, cbor::uint(2)).build(),
                   ctap::kPinAuthInvalid});
  cases.push_back({"empty pin auth: touch-to-select",
                   base_request().add(8, cbor::bytes({})).add(9, cbor::uint(2)).build(),
                   ctap::kPinNotSet});
  cases.push_back({"ok", base_request(-8).build(), ctap::kOk});
  for (const auto& c : cases) {
    EXPECT_EQ(t.call(0x01, c.req).status, c.status) << c.what;
  }
}

TEST(VtokenMakeCredential, ResponseCarriesAttestedDataAndCredProtect) {
  TokenFixture t;
  auto r = t.call(0x01, base_request(-8)
                            .add(6, cbor::MapBuilder().add("credProtect", cbor::uint(3)).build())
                            .build());
  ASSERT_EQ(r.status, 0);
  auto m = cbor::decode(r.body);
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*cbor::get_text(cbor::map_get(m->get(), 1), 16), "packed");
  auto ad = AuthenticatorData::parse(*cbor::get_bytes(cbor::map_get(m->get(), 2), 1024));
  ASSERT_TRUE(ad.ok()) << ad.error().message;
  EXPECT_EQ(ad->flags & 0x41, 0x41);
  ASSERT_TRUE(ad->attested);
  EXPECT_EQ(ad->attested->credential_id.size(), 64u);
  auto key = cbor::decode(ad->attested->public_key);
  ASSERT_TRUE(key.ok());
  auto cose = CoseKey::parse(key->get());
  ASSERT_TRUE(cose.ok());
  EXPECT_EQ(cose->alg, -8);
  auto ext = cbor::decode(ad->extensions);
  ASSERT_TRUE(ext.ok());
  EXPECT_EQ(*cbor::get_uint(cbor::map_get(ext->get(), "credProtect")), 3u);
  const cbor_item_t* att = cbor::map_get(m->get(), 3);
  EXPECT_EQ(*cbor::get_int(cbor::map_get(att, "alg")), -8);
  EXPECT_EQ(cbor::get_bytes(cbor::map_get(att, "sig"), 128)->size(), 64u);
}

TEST(VtokenMakeCredential, ResidentStoreFullAndReplacement) {
  TokenConfig cfg;
  cfg.max_resident = 2;
  TokenFixture t(cfg);
  auto req = [](Bytes uid) {
    cbor::MapBuilder m;
    m.add(1, cbor::bytes(Bytes(32, 1)));
    m.add(2, rp_entity("ssh:"));
    m.add(3, user_entity(uid));
    m.add(4, alg_list(-7));
    m.add(7, cbor::MapBuilder().add("rk", cbor::boolean(true)).build());
    return m.build();
  };
  EXPECT_EQ(t.call(0x01, req(Bytes{1})).status, 0);
  EXPECT_EQ(t.call(0x01, req(Bytes{2})).status, 0);
  EXPECT_EQ(t.call(0x01, req(Bytes{1})).status, 0);  // same user: replaced
  EXPECT_EQ(t.call(0x01, req(Bytes{3})).status, ctap::kKeyStoreFull);
  EXPECT_EQ(t.auth().summary().resident_credentials, 2u);
}

TEST(VtokenMakeCredential, TokenWithoutRkRefusesResidentCredentials) {
  TokenConfig cfg;
  cfg.resident_keys = false;
  TokenFixture t(cfg);
  auto rk =
      base_request().add(7, cbor::MapBuilder().add("rk", cbor::boolean(true)).build()).build();
  EXPECT_EQ(t.call(0x01, rk).status, ctap::kUnsupportedOption);
  EXPECT_EQ(t.touch().touches(), 0u);
  EXPECT_EQ(t.call(0x01, base_request().build()).status, 0);
  auto info = cbor::decode(t.raw(0x04).body);
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(*cbor::get_bool(cbor::map_get(cbor::map_get(info->get(), 4), "rk")));
}

TEST(VtokenMakeCredential, TokenWithoutCredProtectIgnoresIt) {
  TokenConfig cfg;
  cfg.cred_protect = false;
  TokenFixture t(cfg);
  auto r = t.call(
      0x01,
      base_request().add(6, cbor::MapBuilder().add("credProtect", cbor::uint(3)).build()).build());
  ASSERT_EQ(r.status, 0);
  auto m = cbor::decode(r.body);
  ASSERT_TRUE(m.ok());
  auto ad = AuthenticatorData::parse(*cbor::get_bytes(cbor::map_get(m->get(), 2), 1024));
  ASSERT_TRUE(ad.ok()) << ad.error().message;
  EXPECT_TRUE(ad->extensions.empty());
  EXPECT_EQ(ad->flags & 0x80, 0);  // no ED flag
  auto info = cbor::decode(t.raw(0x04).body);
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(cbor::map_get(info->get(), 2), nullptr);  // no extensions listed
}

TEST(VtokenMakeCredential, ProcessingDelayRunsAfterTheTouchAndCanBeCancelled) {
  TokenConfig cfg;
  cfg.processing_delay_ms = 250;
  TokenFixture t(cfg);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(t.call(0x01, base_request().build()).status, 0);
  EXPECT_GE(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(250));
  // A platform that cancels while the token works gets KEEPALIVE_CANCEL.
  struct Cancelling : PresenceWait {
    int touch_waits = 0, processing_waits = 0;
    bool cancelled(int) override { return ++touch_waits > 100; }
    bool processing(int) override { return ++processing_waits >= 2; }
  } wait;
  Bytes req = {0x01};
  Bytes params = cbor::encode(base_request().build().get());
  req.insert(req.end(), params.begin(), params.end());
  EXPECT_EQ(t.auth().handle(req, wait).status, ctap::kKeepaliveCancel);
  EXPECT_EQ(wait.processing_waits, 2);
  EXPECT_EQ(wait.touch_waits, 0);  // immediate touch: no touch wait
  EXPECT_EQ(t.touch().touches(), 2u);
}

TEST(VtokenMakeCredential, TouchOutcomes) {
  TokenFixture t({}, TouchPolicy{TouchMode::refuse, 0});
  EXPECT_EQ(t.call(0x01, base_request().build()).status, ctap::kOperationDenied);
  t.touch().set_policy(TouchPolicy{TouchMode::never, 0});
  t.touch().set_timeout_ms(50);
  EXPECT_EQ(t.call(0x01, base_request().build()).status, ctap::kUserActionTimeout);
  EXPECT_EQ(t.touch().touches(), 0u);
}

}  // namespace
}  // namespace skagent::vtoken::testing
