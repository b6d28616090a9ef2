// SPDX-License-Identifier: BSD-2-Clause
// Reader::mpint accepts exactly what OpenSSH's sshbuf_get_bignum2_bytes_direct
// accepts (issue 13 defect 1): leading zero bytes are stripped, negative and
// over-long values refused; the writer stays canonical. Signatures, keys and
// certificates that carry padded mpints verify as they do in OpenSSH.
#include <gtest/gtest.h>

#include "ssh/key.h"
#include "ssh/private_key.h"
#include "base/wire.h"
#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

Bytes mp(Bytes raw) { return as_ssh_string(raw); }

std::optional<Bytes> read_mpint(const Bytes& wire) {
  Reader r(wire);
  Bytes out;
  if (!r.mpint(out)) {
    EXPECT_EQ(r.position(), 0u) << "a failed read must undo itself";
    return std::nullopt;
  }
  EXPECT_TRUE(r.empty());
  return out;
}

TEST(WireMpint, AcceptsWhatOpenSSHAccepts) {
  EXPECT_EQ(read_mpint(mp({})), Bytes{});   // zero
  EXPECT_EQ(read_mpint(mp({0})), Bytes{});  // zero, padded
  EXPECT_EQ(read_mpint(mp({0, 0, 0})), Bytes{});
  EXPECT_EQ(read_mpint(mp({0x7f})), (Bytes{0x7f}));
  EXPECT_EQ(read_mpint(mp({0, 0x80})), (Bytes{0x80}));        // canonical
  EXPECT_EQ(read_mpint(mp({0, 0x01, 0x02})), (Bytes{1, 2}));  // one zero too many
  EXPECT_EQ(read_mpint(mp({0, 0, 0x80, 0x01})), (Bytes{0x80, 1}));
  // The largest: 2048 bytes, or 2049 with a zero in front.
  Bytes big(2048, 0x7f);
  EXPECT_EQ(read_mpint(mp(big)), big);
  Bytes big_padded = big;
  big_padded.insert(big_padded.begin(), 0);
  EXPECT_EQ(read_mpint(mp(big_padded)), big);
}

TEST(WireMpint, RefusesWhatOpenSSHRefuses) {
  EXPECT_FALSE(read_mpint(mp({0x80})));        // negative
  EXPECT_FALSE(read_mpint(mp({0xff, 0x00})));  // negative
  Bytes over(2049, 0x01);                      // 2049 bytes, no zero in front
  EXPECT_FALSE(read_mpint(mp(over)));
  Bytes way_over(2050, 0);
  way_over.back() = 1;  // even if it is mostly zeros
  EXPECT_FALSE(read_mpint(mp(way_over)));
  EXPECT_FALSE(read_mpint(Bytes{0, 0, 0, 2, 0}));  // truncated
}

TEST(WireMpint, WriterStaysCanonical) {
  const std::pair<Bytes, Bytes> table[] = {
      {{}, {0, 0, 0, 0}},
      {{0}, {0, 0, 0, 0}},
      {{0, 0, 1}, {0, 0, 0, 1, 1}},
      {{0x80}, {0, 0, 0, 2, 0, 0x80}},
      {{0, 0, 0x80, 5}, {0, 0, 0, 3, 0, 0x80, 5}},
  };
  for (const auto& [in, want] : table) {
    Writer w;
    w.mpint(in);
    EXPECT_EQ(w.take(), want);
  }
}

// An ECDSA signature whose r carries extra leading zero bytes verifies, as in
// OpenSSH (the KEX signature a server sends, and its session-bind).
TEST(WireMpint, PaddedEcdsaSignatureVerifies) {
  for (KeyType t : {KeyType::ecdsa_p256, KeyType::ecdsa_p384, KeyType::ecdsa_p521}) {
    PrivateKey k = test::generate(t);
    Bytes data = test::bytes_of("session id");
    Bytes sig = test::sign(k, data);
    for (size_t extra : {1, 2, 5}) {
      Bytes padded = test::pad_ecdsa_r(sig, extra);
      EXPECT_TRUE(verify_signature(k.public_key(), padded, data).ok()) << int(t) << " +" << extra;
      padded.back() ^= 1;  // still a real check
      EXPECT_FALSE(verify_signature(k.public_key(), padded, data).ok());
    }
  }
}

// A host certificate whose CA signature has a padded r parses and its CA
// signature verifies; the re-serialised key is canonical.
TEST(WireMpint, CertificateWithPaddedCaSignature) {
  PrivateKey ca = test::generate(KeyType::ecdsa_p256);
  PrivateKey host = test::generate();
  test::CertSpec spec;
  spec.principals = {"host"};
  spec.pad_ca_r = 2;
  PublicKey cert = test::certify(host.public_key(), ca, spec);
  ASSERT_TRUE(cert.is_cert());
  EXPECT_TRUE(verify_certificate_signature(*cert.cert).ok());
}

// A key blob with padded mpints parses to the same key, and writes back canonical.
TEST(WireMpint, PaddedRsaKeyBlob) {
  PrivateKey k = test::generate(KeyType::rsa, 2048);
  PublicKey pub = k.public_key();
  Writer w;
  w.string("ssh-rsa");
  Bytes e(3, 0), n(2, 0);
  e.insert(e.end(), pub.rsa_e.begin(), pub.rsa_e.end());
  n.insert(n.end(), pub.rsa_n.begin(), pub.rsa_n.end());
  w.string(e);
  w.string(n);
  auto parsed = parse_public_key(w.bytes());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  EXPECT_EQ(parsed->blob(), pub.blob());
}

// A list of 1,000 keys is written in 2,000 small steps: reserved up front, the buffer is
// allocated once (no copy-and-wipe per doubling), and what is written is unchanged.
TEST(WireWriter, ReserveKeepsOneBufferForManySmallWrites) {
  Writer w;
  w.u8(12);
  w.reserve(1000 * (4 + 51));
  const uint8_t* start = w.bytes().data();
  Bytes blob(51, 0xab);
  for (int i = 0; i < 1000; i++) w.string(blob);
  EXPECT_EQ(w.bytes().data(), start);
  ASSERT_EQ(w.size(), 1u + 1000 * (4 + 51));
  Reader r(w.bytes());
  uint8_t type = 0;
  ByteView got;
  ASSERT_TRUE(r.u8(type) && r.string(got));
  EXPECT_EQ(type, 12);
  EXPECT_TRUE(equal(got, blob));
}

}  // namespace
}  // namespace skagent
