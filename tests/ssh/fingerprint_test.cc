// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/fingerprint.h"

#include <gtest/gtest.h>

#include "ssh/key_file.h"
#include "tests/ssh/openssh_tools.h"

namespace skagent {
namespace {

namespace ot = openssh_tools;

PublicKey load_pub(const std::filesystem::path& file) {
  auto line = parse_public_key_line(ot::read_file(file));
  EXPECT_TRUE(line.ok()) << file << ": " << (line ? "" : line.error().message);
  return line ? line->key : PublicKey{};
}

// ssh-keygen -l's fingerprint field for a file.
std::string keygen_fingerprint(const std::filesystem::path& file, const char* hash) {
  auto r = ot::run(std::string("ssh-keygen -l -E ") + hash + " -f " + ot::quote(file.string()) +
                   " 2>/dev/null");
  EXPECT_EQ(r.status, 0) << file;
  return ot::field(r.output, 1);
}

TEST(Fingerprint, KnownEd25519Key) {
  auto line = parse_public_key_line(
      "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIaPzzIyrf+peHH0L56XpqGvsX4dedNVJA2zNcTrLK9 fixed");
  ASSERT_TRUE(line.ok());
  EXPECT_EQ(fingerprint(line->key, FingerprintHash::sha256),
            "SHA256:tXycvAJYM1X+3EZOeeIpP47GCnPNKF+f51SjT/nirZI");
  EXPECT_EQ(fingerprint(line->key, FingerprintHash::md5),
            "MD5:59:97:34:9a:4b:6c:29:6e:26:47:30:fc:7a:e7:c2:7c");
}

class FingerprintVsKeygen : public ::testing::TestWithParam<ot::KeySpec> {};

TEST_P(FingerprintVsKeygen, MatchesSshKeygenForKeyAndCertificate) {
  ot::TempDir dir;
  auto key = dir / "id";
  auto ca = dir / "ca";
  ASSERT_TRUE(ot::keygen(key, GetParam().type, GetParam().bits));
  ASSERT_TRUE(ot::keygen(ca, "ed25519", 0));
  ASSERT_EQ(ot::run("ssh-keygen -q -s " + ot::quote(ca.string()) + " -I cert-id -n alice " +
                    ot::quote(key.string() + ".pub") + " >/dev/null 2>&1")
                .status,
            0);
  PublicKey plain = load_pub(key.string() + ".pub");
  PublicKey cert = load_pub(key.string() + "-cert.pub");
  ASSERT_TRUE(cert.is_cert());
  for (auto [hash, name] :
       {std::pair{FingerprintHash::sha256, "sha256"}, std::pair{FingerprintHash::md5, "md5"}}) {
    std::string expect = keygen_fingerprint(key.string() + ".pub", name);
    ASSERT_FALSE(expect.empty());
    EXPECT_EQ(fingerprint(plain, hash), expect);
    // ssh-keygen -l prints the underlying key's fingerprint for a certificate.
    EXPECT_EQ(keygen_fingerprint(key.string() + "-cert.pub", name), expect);
    EXPECT_EQ(fingerprint(cert, hash), expect);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, FingerprintVsKeygen, ::testing::ValuesIn(ot::kAllKeySpecs),
                         [](const auto& param_info) { return ot::spec_name(param_info.param); });

// ssh-add -l, through a real ssh-agent that lives only as long as its command.
TEST(Fingerprint, CertificateInAgentListsPlainKeyFingerprint) {
  ot::TempDir dir;
  auto key = dir / "id";
  auto ca = dir / "ca";
  ASSERT_TRUE(ot::keygen(key, "ecdsa", 256, "", "agent key"));
  ASSERT_TRUE(ot::keygen(ca, "ed25519", 0));
  ASSERT_EQ(ot::run("ssh-keygen -q -s " + ot::quote(ca.string()) + " -I cert-id -n alice " +
                    ot::quote(key.string() + ".pub") + " >/dev/null 2>&1")
                .status,
            0);
  auto r = ot::run("ssh-agent -a " + ot::quote((dir / "sock").string()) +
                   " sh -c 'ssh-add \"$0\" >/dev/null 2>&1 && ssh-add -l' " +
                   ot::quote(key.string()) + " 2>/dev/null");
  ASSERT_EQ(r.status, 0) << r.output;
  std::string expect = fingerprint(load_pub(key.string() + "-cert.pub"), FingerprintHash::sha256);
  // Two lines: the key and its certificate, both with the plain fingerprint.
  size_t nl = r.output.find('\n');
  ASSERT_NE(nl, std::string::npos);
  EXPECT_EQ(ot::field(r.output.substr(0, nl), 1), expect);
  EXPECT_EQ(ot::field(r.output.substr(nl + 1), 1), expect);
  EXPECT_NE(r.output.find("(ECDSA-CERT)"), std::string::npos) << r.output;
}

TEST(Fingerprint, HashNames) {
  EXPECT_EQ(*fingerprint_hash_by_name("sha256"), FingerprintHash::sha256);
  EXPECT_EQ(*fingerprint_hash_by_name("SHA256"), FingerprintHash::sha256);
  EXPECT_EQ(*fingerprint_hash_by_name("md5"), FingerprintHash::md5);
  EXPECT_EQ(fingerprint_hash_by_name("sha1").error().code, Errc::unsupported);
  EXPECT_FALSE(fingerprint_hash_by_name("").ok());
}

}  // namespace
}  // namespace skagent
