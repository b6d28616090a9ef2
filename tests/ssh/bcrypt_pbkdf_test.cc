// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/bcrypt_pbkdf.h"

#include <gtest/gtest.h>

#include <string>

#include "ssh/blowfish.h"
#include "tests/common/hex.h"

namespace skagent {
namespace {

using skagent::testing::from_hex;

uint32_t be32(const Bytes& b, size_t at) {
  return (uint32_t{b[at]} << 24) | (uint32_t{b[at + 1]} << 16) | (uint32_t{b[at + 2]} << 8) |
         b[at + 3];
}

// Eric Young's Blowfish ECB vectors (standard keying = fresh state + one expand).
TEST(Blowfish, StandardVectors) {
  struct V {
    const char *key, *plain, *cipher;
  } vectors[] = {
      {"0000000000000000", "0000000000000000", "4ef997456198dd78"},
      {"ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a"},
      {"3000000000000000", "1000000000000001", "7d856f9a613063f2"},
      {"1111111111111111", "1111111111111111", "2466dd878b963c9d"},
      {"0123456789abcdef", "1111111111111111", "61f9c3802281b096"},
      {"fedcba9876543210", "0123456789abcdef", "0aceab0fc6a0a28d"},
  };
  for (const V& v : vectors) {
    Blowfish bf;
    bf.expand(from_hex(v.key));
    Bytes p = from_hex(v.plain), c = from_hex(v.cipher);
    uint32_t l = be32(p, 0), r = be32(p, 4);
    bf.encrypt(l, r);
    EXPECT_EQ(l, be32(c, 0)) << v.key;
    EXPECT_EQ(r, be32(c, 4)) << v.key;
  }
}

struct PbkdfVector {
  std::string password, salt;
  uint32_t rounds;
  const char* out;
};

// OpenBSD's regress vectors for bcrypt_pbkdf (regress/lib/libutil/bcrypt_pbkdf).
const PbkdfVector kVectors[] = {
    {"password", "salt", 4, "5bbf0cc293587f1c3635555c27796598d47e579071bf427e9d8fbe842aba34d9"},
    {"password", std::string("\0", 1), 4, "c12b566235eee04c212598970a579a67"},
    {std::string("\0", 1), "salt", 4, "6051be18c2f4f82cbf0efee5471b4bb9"},
    {std::string("password\0", 9), std::string("salt\0", 5), 4,
     "7410e44cf4fa07bfaac8a928b1727fac001375e7bf7384370f48efd121743050"},
    {std::string("pass\0wor", 8), std::string("sa\0l", 4), 4, "c2bffd9db38f6569efef4372f4de83c0"},
    {std::string("pass\0word", 9), std::string("sa\0lt", 5), 4, "4ba4ac3925c0e8d7f0cdb6bb1684a56f"},
    {"password", "salt", 8,
     "e1367ec5151a33faac4cc1c144cd23fa15d5548493ecc99b9b5d9c0d3b27bec76227ea66088b849b20ab7aa478010"
     "2"
     "46e74bba51723fefa9f9474d6508845e8d"},
    {"password", "salt", 42, "833cf0dcf56db65608e8f0dc0ce882bd"},
    {"Lorem ipsum dolor sit amet, consectetur adipisicing elit, sed do eiusmod tempor incididunt "
     "ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud exercitation ullamco "
     "laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure dolor in reprehenderit in "
     "voluptate velit esse cillum dolore eu fugiat nulla pariatur. Excepteur sint occaecat "
     "cupidatat non proident, sunt in culpa qui officia deserunt mollit anim id est laborum.",
     std::string("salis\0", 6), 8, "10978b07253df57f71a162eb0e8ad30a"},
};

TEST(BcryptPbkdf, OpenBsdVectors) {
  for (const PbkdfVector& v : kVectors) {
    Bytes expect = from_hex(v.out);
    Bytes out(expect.size());
    ASSERT_TRUE(bcrypt_pbkdf(view(v.password), view(v.salt), out, v.rounds).ok());
    EXPECT_EQ(out, expect) << "password of length " << v.password.size() << ", rounds " << v.rounds;
  }
}

// The output interleaves blocks, so a longer request is not an extension of a
// shorter one; a request of one block size is.
TEST(BcryptPbkdf, LengthChangesTheStride) {
  Bytes a(32), b(48);
  ASSERT_TRUE(bcrypt_pbkdf(view("password"), view("salt"), a, 4).ok());
  ASSERT_TRUE(bcrypt_pbkdf(view("password"), view("salt"), b, 4).ok());
  EXPECT_EQ(a, from_hex(kVectors[0].out));
  EXPECT_NE(Bytes(a.begin(), a.begin() + 16), Bytes(b.begin(), b.begin() + 16));
  // With stride 2, even output bytes come from the first block.
  Bytes first16(16);
  ASSERT_TRUE(bcrypt_pbkdf(view("password"), view("salt"), first16, 4).ok());
  EXPECT_EQ(first16, Bytes(a.begin(), a.begin() + 16));
}

TEST(BcryptPbkdf, RejectsOutOfRangeParameters) {
  Bytes out(32, 0xaa), big(1025, 0xaa), max(1024);
  const Bytes untouched(32, 0xaa);
  std::string huge_salt((1 << 20) + 1, 's');
  EXPECT_EQ(bcrypt_pbkdf(view("pw"), view("salt"), out, 0).error().code, Errc::malformed);
  EXPECT_FALSE(bcrypt_pbkdf(view(""), view("salt"), out, 4).ok());
  EXPECT_FALSE(bcrypt_pbkdf(view("pw"), view(""), out, 4).ok());
  EXPECT_FALSE(bcrypt_pbkdf(view("pw"), view("salt"), std::span<uint8_t>(), 4).ok());
  EXPECT_FALSE(bcrypt_pbkdf(view("pw"), view("salt"), big, 1).ok());
  EXPECT_FALSE(bcrypt_pbkdf(view("pw"), view(huge_salt), out, 1).ok());
  EXPECT_EQ(out, untouched);
  EXPECT_TRUE(bcrypt_pbkdf(view("pw"), view("salt"), max, 1).ok());
}

}  // namespace
}  // namespace skagent
