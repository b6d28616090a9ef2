// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/credential_management.h"

#include <gtest/gtest.h>

#include "vtoken/crypto.h"
#include "tests/vtoken/token_fixture.h"

namespace skagent::vtoken::testing {
namespace {

class Credman : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(pc_.set_pin(t_, "1234").status, 0);
    Bytes mc = pc_.token(t_, "1234", permission::kMakeCredential);
    for (auto [rp, uid] : {std::pair{"ssh:", 1}, {"ssh:", 2}, {"ssh:b", 3}}) {
      Bytes cdh(32, uint8_t(uid));
      auto r = t_.call(0x01, cbor::MapBuilder()
                                 .add(1, cbor::bytes(cdh))
                                 .add(2, rp_entity(rp))
                                 .add(3, user_entity(Bytes{uint8_t(uid)}))
                                 .add(4, alg_list(-7))
                                 .add(7, cbor::MapBuilder().add("rk", cbor::boolean(true)).build())
                                 .add(8, cbor::bytes(PinProtocol(2).authenticate(mc, cdh)))
                                 .add(9, cbor::uint(2))
                                 .build());
      ASSERT_EQ(r.status, 0);
      // The token is bound to its first RP: get another for the next one.
      mc = pc_.token(t_, "1234", permission::kMakeCredential);
    }
    token_ = pc_.token(t_, "1234", permission::kCredentialManagement);
    ASSERT_EQ(token_.size(), 32u);
  }
  CtapReply cm(uint8_t cmd, uint64_t sub, std::optional<cbor::Item> params = std::nullopt,
               bool authed = true) {
    cbor::MapBuilder m;
    m.add(1, cbor::uint(sub));
    Bytes msg = {uint8_t(sub)};
    if (params) {
      Bytes enc = cbor::encode(params->get());
      msg.insert(msg.end(), enc.begin(), enc.end());
      m.add(2, std::move(*params));
    }
    if (authed) {
      m.add(3, cbor::uint(2));
      m.add(4, cbor::bytes(PinProtocol(2).authenticate(token_, msg)));
    }
    return t_.call(cmd, m.build());
  }
  TokenFixture t_;
  PinClient pc_{2, nullptr, {}, {}};
  Bytes token_;
};

TEST_F(Credman, MetadataAndEnumerationAsBothCommandNumbers) {
  for (uint8_t cmd : {0x0A, 0x41}) {
    auto meta = cm(cmd, 1);
    ASSERT_EQ(meta.status, 0);
    auto m = cbor::decode(meta.body);
    EXPECT_EQ(*cbor::get_uint(cbor::map_get(m->get(), 1)), 3u);
    auto rps = cm(cmd, 2);
    ASSERT_EQ(rps.status, 0);
    auto r = cbor::decode(rps.body);
    EXPECT_EQ(*cbor::get_uint(cbor::map_get(r->get(), 5)), 2u);
    EXPECT_EQ(*cbor::get_text(cbor::map_get(cbor::map_get(r->get(), 3), "id"), 64), "ssh:");
    auto next = cm(cmd, 3, std::nullopt, false);
    ASSERT_EQ(next.status, 0);
    EXPECT_EQ(cm(cmd, 3, std::nullopt, false).status, ctap::kNotAllowed);
    auto creds = cm(cmd, 4, cbor::MapBuilder().add(1, cbor::bytes(sha256(view("ssh:")))).build());
    ASSERT_EQ(creds.status, 0);
    auto c = cbor::decode(creds.body);
    EXPECT_EQ(*cbor::get_uint(cbor::map_get(c->get(), 9)), 2u);
    EXPECT_EQ(*cbor::get_uint(cbor::map_get(c->get(), 0x0A)), 1u);
    EXPECT_EQ(cm(cmd, 5, std::nullopt, false).status, 0);
    EXPECT_EQ(cm(cmd, 5, std::nullopt, false).status, ctap::kNotAllowed);
  }
}

TEST_F(Credman, RefusesWithoutProperAuthorization) {
  EXPECT_EQ(cm(0x0A, 1, std::nullopt, false).status, ctap::kPinRequired);
  Bytes saved = token_;
  token_[0] ^= 1;
  EXPECT_EQ(cm(0x0A, 1).status, ctap::kPinAuthInvalid);
  token_ = pc_.token(t_, "1234", permission::kGetAssertion);
  EXPECT_EQ(cm(0x0A, 1).status, ctap::kUnauthorizedPermission);
  // Next-RP without a begin.
  EXPECT_EQ(cm(0x0A, 3, std::nullopt, false).status, ctap::kNotAllowed);
  EXPECT_EQ(cm(0x0A, 5, std::nullopt, false).status, ctap::kNotAllowed);
}

TEST_F(Credman, HostileParameters) {
  EXPECT_EQ(cm(0x0A, 4, cbor::MapBuilder().build()).status, ctap::kMissingParameter);
  EXPECT_EQ(cm(0x0A, 4, cbor::MapBuilder().add(1, cbor::bytes(Bytes(31, 0))).build()).status,
            ctap::kCborUnexpectedType);
  EXPECT_EQ(cm(0x0A, 4, cbor::MapBuilder().add(1, cbor::bytes(Bytes(32, 0))).build()).status,
            ctap::kNoCredentials);
  EXPECT_EQ(cm(0x0A, 6, cbor::MapBuilder().add(2, cbor::uint(1)).build()).status,
            ctap::kCborUnexpectedType);
  EXPECT_EQ(cm(0x0A, 6,
               cbor::MapBuilder()
                   .add(2, cbor::MapBuilder()
                               .add("id", cbor::bytes(Bytes(64, 1)))
                               .add("type", cbor::text("public-key"))
                               .build())
                   .build())
                .status,
            ctap::kNoCredentials);
  EXPECT_EQ(cm(0x0A, 6).status, ctap::kMissingParameter);
  EXPECT_EQ(cm(0x0A, 99).status, 0x3E);
  EXPECT_EQ(
      t_.call(0x0A, cbor::MapBuilder().add(1, cbor::uint(1)).add(2, cbor::uint(1)).build()).status,
      ctap::kCborUnexpectedType);
  EXPECT_EQ(t_.call(0x0A, cbor::MapBuilder().add(2, cbor::MapBuilder().build()).build()).status,
            ctap::kMissingParameter);
}

TEST_F(Credman, DeleteAndUpdateUser) {
  auto creds = cm(0x0A, 4, cbor::MapBuilder().add(1, cbor::bytes(sha256(view("ssh:b")))).build());
  ASSERT_EQ(creds.status, 0);
  auto c = cbor::decode(creds.body);
  Bytes id = *cbor::get_bytes(cbor::map_get(cbor::map_get(c->get(), 7), "id"), 1023);
  auto desc = [&] {
    return cbor::MapBuilder()
        .add("id", cbor::bytes(id))
        .add("type", cbor::text("public-key"))
        .build();
  };
  auto upd = cm(0x0A, 7,
                cbor::MapBuilder()
                    .add(2, desc())
                    .add(3, cbor::MapBuilder()
                                .add("id", cbor::bytes(Bytes{3}))
                                .add("name", cbor::text("renamed"))
                                .build())
                    .build());
  EXPECT_EQ(upd.status, 0);
  auto wrong_user =
      cm(0x0A, 7, cbor::MapBuilder().add(2, desc()).add(3, user_entity(Bytes{9})).build());
  EXPECT_EQ(wrong_user.status, ctap::kInvalidParameter);
  EXPECT_EQ(cm(0x0A, 6, cbor::MapBuilder().add(2, desc()).build()).status, 0);
  EXPECT_EQ(cm(0x0A, 6, cbor::MapBuilder().add(2, desc()).build()).status, ctap::kNoCredentials);
  EXPECT_EQ(t_.auth().summary().resident_credentials, 2u);
}

}  // namespace
}  // namespace skagent::vtoken::testing
