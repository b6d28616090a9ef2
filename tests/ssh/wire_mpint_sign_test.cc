// SPDX-License-Identifier: BSD-2-Clause
// Reader::mpint and the sign bit: a negative mpint is refused (as OpenSSH's
// sshbuf_get_bignum2_bytes_direct does) and the failed read leaves the reader where it was.
// The mutation check (tests/mutation) found no test for the sign bit.
#include <gtest/gtest.h>

#include "base/wire.h"

namespace skagent {
namespace {

TEST(WireMpint, NegativeValuesAreRefusedAndTheReaderStays) {
  Writer w;
  w.string(Bytes{0x80, 0x01});
  w.u8(7);
  Reader r(w.bytes());
  ByteView m;
  EXPECT_FALSE(r.mpint(m));
  EXPECT_EQ(r.position(), 0u);
  Bytes copy;
  EXPECT_FALSE(r.mpint(copy));
  EXPECT_EQ(r.position(), 0u);
}

TEST(WireMpint, APositiveValueWithTheTopBitSetNeedsItsZero) {
  Writer w;
  w.string(Bytes{0x00, 0x80, 0x01});
  Reader r(w.bytes());
  ByteView m;
  ASSERT_TRUE(r.mpint(m));
  ASSERT_GE(m.size(), 2u);
  EXPECT_EQ(m[m.size() - 2], 0x80);
  EXPECT_EQ(m[m.size() - 1], 0x01);
  EXPECT_TRUE(r.empty());
}

}  // namespace
}  // namespace skagent
