// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/cbor.h"

#include <gtest/gtest.h>

#include <optional>
#include <random>

#include "tests/common/hex.h"

namespace skagent::vtoken::cbor {
namespace {

using skagent::testing::from_hex;

TEST(VtokenCbor, AcceptsCanonicalItems) {
  for (const char* h : {"00",
                        "17",
                        "1818",
                        "190100",
                        "1a00010000",
                        "1b0000000100000000",
                        "20",
                        "3818",
                        "40",
                        "4401020304",
                        "60",
                        "6161",
                        "80",
                        "820102",
                        "a0",
                        "a201020304",
                        "a2616101616202",
                        "f4",
                        "f5",
                        "f6",
                        "a301022003616104"}) {
    EXPECT_TRUE(check_canonical(from_hex(h)).ok()) << h;
  }
}

TEST(VtokenCbor, RefusesNonCanonicalOrUnsupportedItems) {
  for (const char* h : {
           "",                    // nothing
           "1817",                // 23 in two bytes
           "190017",              // 23 in three bytes
           "1a000000ff",          // 255 in five bytes
           "1b00000000ffffffff",  // 2^32-1 in nine bytes
           "5f4101ff",            // indefinite byte string
           "9f01ff",              // indefinite array
           "bf0101ff",            // indefinite map
           "7f6161ff",            // indefinite text
           "ff",                  // break alone
           "1c",
           "1d",
           "1e",        // reserved additional info
           "c0616161",  // tag
           "f93c00",
           "fa3f800000",
           "fb3ff0000000000000",  // floats
           "f0",
           "f818",            // other simple values
           "a202010102",      // keys out of order (2 before 1)
           "a201010102",      // duplicate key
           "a2616201616102",  // text keys out of order
           "a26161012002",    // -1 (1 byte) after "a" (2 bytes): shorter keys sort first
           "0000",            // trailing bytes
       }) {
    EXPECT_FALSE(check_canonical(from_hex(h)).ok()) << h;
  }
}

TEST(VtokenCbor, RefusesTruncatedAndLyingLengths) {
  for (const char* h : {"18", "19", "1901", "1a000100", "1b00000001000000", "42", "4201", "6301",
                        "81", "8201", "a1", "a101", "5a7fffffff", "9b7fffffffffffffff",
                        "bb7fffffffffffffff", "9a7fffffff", "ba7fffffff", "7b7fffffffffffffff00"}) {
    EXPECT_FALSE(check_canonical(from_hex(h)).ok()) << h;
    EXPECT_FALSE(decode(from_hex(h)).ok()) << h;
  }
}

TEST(VtokenCbor, BoundsDepthAndItemCount) {
  Bytes deep(100, 0x81);  // [[[[...]]]]
  deep.push_back(0x00);
  EXPECT_FALSE(check_canonical(deep).ok());
  Bytes ok_depth(8, 0x81);
  ok_depth.push_back(0x00);
  EXPECT_TRUE(check_canonical(ok_depth).ok());
  Bytes many = {0x99, 0x27, 0x10};  // array of 10000 zeros
  many.insert(many.end(), 10000, 0x00);
  EXPECT_FALSE(check_canonical(many).ok());
  Limits big;
  big.max_items = 20000;
  EXPECT_TRUE(check_canonical(many, big).ok());
}

TEST(VtokenCbor, MapBuilderSortsKeysCanonically) {
  MapBuilder m;
  m.add("type", text("public-key"));
  m.add("id", bytes(Bytes{1}));
  Bytes enc = encode(m.build().get());
  EXPECT_TRUE(check_canonical(enc).ok());
  EXPECT_EQ(enc, from_hex("a2626964410164747970656a7075626c69632d6b6579"));
  MapBuilder ints;
  ints.add(-3, uint(3)).add(-1, uint(1)).add(3, uint(0)).add(1, uint(2)).add(-2, uint(4));
  EXPECT_EQ(encode(ints.build().get()), from_hex("a501020300200121042203"));
}

TEST(VtokenCbor, IntegersEncodeInShortestForm) {
  EXPECT_EQ(encode(uint(23).get()), from_hex("17"));
  EXPECT_EQ(encode(uint(24).get()), from_hex("1818"));
  EXPECT_EQ(encode(uint(256).get()), from_hex("190100"));
  EXPECT_EQ(encode(uint(65536).get()), from_hex("1a00010000"));
  EXPECT_EQ(encode(integer(-1).get()), from_hex("20"));
  EXPECT_EQ(encode(integer(-25).get()), from_hex("3818"));
  EXPECT_EQ(encode(integer(-257).get()), from_hex("390100"));
}

TEST(VtokenCbor, AccessorsCheckTypesAndBounds) {
  auto m = decode(from_hex("a3016161024201020382f5f4"));
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(*get_text(map_get(m->get(), 1), 10), "a");
  EXPECT_FALSE(get_bytes(map_get(m->get(), 1), 10).ok());
  EXPECT_EQ(get_bytes(map_get(m->get(), 2), 2)->size(), 2u);
  EXPECT_EQ(get_bytes(map_get(m->get(), 2), 1).error().code, Errc::limit);
  EXPECT_FALSE(get_int(map_get(m->get(), 3)).ok());
  EXPECT_TRUE(is_array(map_get(m->get(), 3)));
  EXPECT_EQ(map_get(m->get(), 4), nullptr);
  EXPECT_EQ(required_bytes(m->get(), 9, 4, "x").error().code, Errc::not_found);
  auto big = decode(from_hex("1bffffffffffffffff"));
  ASSERT_TRUE(big.ok());
  EXPECT_FALSE(get_int(big->get()).ok());
  EXPECT_EQ(*get_uint(big->get()), UINT64_MAX);
  EXPECT_EQ(map_get(nullptr, 1), nullptr);
  EXPECT_FALSE(get_bool(nullptr).ok());
}

TEST(VtokenCbor, FieldReadersLeaveAbsentFieldsAndNameBadOnes) {
  // {1: "a", 2: h'0102', "id": h'07'}
  auto m = decode(from_hex("a3016161024201026269644107"));
  ASSERT_TRUE(m.ok());
  std::optional<Bytes> b;
  std::optional<int64_t> i;
  std::optional<std::string> t;
  ASSERT_TRUE(optional_bytes(m->get(), 2, 2, b).ok());
  EXPECT_EQ(b, (Bytes{1, 2}));
  ASSERT_TRUE(optional_int(m->get(), 9, i).ok());  // absent: left empty
  EXPECT_FALSE(i.has_value());
  EXPECT_EQ(optional_int(m->get(), 1, i).error().code, Errc::malformed);  // text, not an int
  EXPECT_EQ(optional_bytes(m->get(), 2, 1, b).error().code, Errc::limit);
  ASSERT_TRUE(optional_text(m->get(), 1, 1, t).ok());
  EXPECT_EQ(t, "a");
  EXPECT_EQ(*required_bytes(m->get(), "id", 1, "user.id"), Bytes{7});
  auto missing = required_text(m->get(), "name", 8, "rp.name");
  EXPECT_EQ(missing.error().code, Errc::not_found);
  EXPECT_EQ(missing.error().message, "missing rp.name");
  auto wrong = required_text(m->get(), "id", 8, "rp.id");
  EXPECT_EQ(wrong.error().code, Errc::malformed);
  EXPECT_EQ(wrong.error().message.rfind("rp.id: ", 0), 0u);
}

TEST(VtokenCbor, CanonicalPrefixFindsTheFirstItem) {
  Bytes b = from_hex("a2010203040000");
  auto n = canonical_prefix(b);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(*n, 5u);
}

TEST(VtokenCbor, RandomBytesNeverCrashTheDecoder) {
  std::mt19937 rng(12345);
  for (int i = 0; i < 20000; i++) {
    Bytes b(rng() % 40);
    for (auto& x : b) x = uint8_t(rng());
    auto d = decode(b);
    if (d.ok()) {
      EXPECT_EQ(encode(d->get()), b);  // canonical input round-trips
    }
  }
}

}  // namespace
}  // namespace skagent::vtoken::cbor
