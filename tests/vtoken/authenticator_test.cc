// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/authenticator.h"

#include <gtest/gtest.h>

#include <random>

#include "vtoken/get_info.h"
#include "tests/vtoken/token_fixture.h"
#include "tests/common/mutate.h"

namespace skagent::vtoken::testing {
namespace {

TEST(VtokenAuthenticator, DispatchRefusesBrokenRequests) {
  TokenFixture t;
  SleepingWait w;
  EXPECT_EQ(t.auth().handle({}, w).status, ctap::kInvalidLength);
  EXPECT_EQ(t.raw(0x55).status, ctap::kInvalidCommand);
  EXPECT_EQ(t.raw(0x04, Bytes{0xa0}).status, ctap::kInvalidLength);  // getInfo takes nothing
  EXPECT_EQ(t.raw(0x01).status, ctap::kMissingParameter);
  EXPECT_EQ(t.raw(0x01, Bytes{0x80}).status, ctap::kCborUnexpectedType);  // an array
  for (const Bytes& bad :
       {Bytes{0xbf, 0x01, 0x02, 0xff},                                // indefinite map
        Bytes{0xa1, 0x01},                                            // truncated
        Bytes{0xa2, 0x02, 0x00, 0x01, 0x00},                          // keys out of order
        Bytes{0xa1, 0x01, 0x00, 0x00},                                // trailing
        Bytes{0xbb, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},  // huge count
        Bytes{0xa1, 0x01, 0x5a, 0xff, 0xff, 0xff, 0xff}}) {           // huge string
    for (uint8_t cmd : {0x01, 0x02, 0x06, 0x0A, 0x41})
      EXPECT_EQ(t.raw(cmd, bad).status, ctap::kInvalidCbor);
  }
  Bytes big(kMaxMsgSize + 1, 0);
  EXPECT_EQ(t.auth().handle(big, w).status, ctap::kRequestTooLarge);
}

TEST(VtokenAuthenticator, GetInfoDescribesTheToken) {
  TokenConfig cfg;
  cfg.pin_protocols = {1};
  TokenFixture t(cfg);
  auto r = t.raw(0x04);
  ASSERT_EQ(r.status, 0);
  EXPECT_TRUE(cbor::check_canonical(r.body).ok());
  auto m = cbor::decode(r.body);
  const cbor_item_t* opts = cbor::map_get(m->get(), 4);
  EXPECT_FALSE(*cbor::get_bool(cbor::map_get(opts, "clientPin")));
  EXPECT_TRUE(*cbor::get_bool(cbor::map_get(opts, "credMgmt")));
  EXPECT_TRUE(*cbor::get_bool(cbor::map_get(opts, "rk")));
  EXPECT_EQ(cbor_array_size(cbor::map_get(m->get(), 6)), 1u);
  EXPECT_EQ(*cbor::get_uint(cbor::map_get(m->get(), 8)), 64u);
}

TEST(VtokenAuthenticator, SelectionWaitsForATouch) {
  TokenFixture t({}, TouchPolicy{TouchMode::refuse, 0});
  EXPECT_EQ(t.raw(0x0B).status, ctap::kOperationDenied);
  t.touch().set_policy({});
  EXPECT_EQ(t.raw(0x0B).status, 0);
}

// Mutations of valid requests: every answer is a status, never a crash or a
// hang, and the state file stays loadable.
TEST(VtokenAuthenticator, MutatedRequestsNeverCrash) {
  TokenFixture t;
  PinClient pc{2, nullptr, {}, {}};
  ASSERT_EQ(pc.set_pin(t, "1234").status, 0);
  std::vector<std::pair<uint8_t, Bytes>> seeds;
  auto add = [&](uint8_t cmd, cbor::Item item) {
    seeds.emplace_back(cmd, cbor::encode(item.get()));
  };
  add(0x01, cbor::MapBuilder()
                .add(1, cbor::bytes(Bytes(32, 1)))
                .add(2, rp_entity("ssh:"))
                .add(3, user_entity(Bytes{1}))
                .add(4, alg_list(-8))
                .add(5, descriptor_list({Bytes(64, 1)}))
                .add(6, cbor::MapBuilder().add("credProtect", cbor::uint(2)).build())
                .add(7, cbor::MapBuilder()
                            .add("rk", cbor::boolean(false))
                            .add("up", cbor::boolean(true))
                            .build())
                .build());
  add(0x02, cbor::MapBuilder()
                .add(1, cbor::text("ssh:"))
                .add(2, cbor::bytes(Bytes(32, 2)))
                .add(3, descriptor_list({Bytes(64, 2)}))
                .add(5, cbor::MapBuilder().add("up", cbor::boolean(false)).build())
                .build());
  add(0x06, cbor::MapBuilder()
                .add(1, cbor::uint(2))
                .add(2, cbor::uint(9))
                .add(3, pc.cose.to_cbor())
                .add(6, cbor::bytes(Bytes(32, 3)))
                .add(9, cbor::uint(3))
                .add(10, cbor::text("ssh:"))
                .build());
  add(0x0A, cbor::MapBuilder()
                .add(1, cbor::uint(4))
                .add(2, cbor::MapBuilder().add(1, cbor::bytes(Bytes(32, 0))).build())
                .add(3, cbor::uint(2))
                .add(4, cbor::bytes(Bytes(32, 0)))
                .build());
  std::mt19937 rng(2024);
  for (int i = 0; i < 3000; i++) {
    auto [cmd, body] = seeds[size_t(i) % seeds.size()];
    skagent::testing::mutate(body, rng, /*truncate=*/true);
    auto r = t.raw(cmd, body);
    if (r.status == 0) {
      EXPECT_TRUE(r.body.empty() || cbor::check_canonical(r.body).ok());
    }
  }
  StateFile file(t.state_path());
  EXPECT_TRUE(file.load_or_create().ok());
}

}  // namespace
}  // namespace skagent::vtoken::testing
