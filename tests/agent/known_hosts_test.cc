// SPDX-License-Identifier: BSD-2-Clause
// The known_hosts matcher: plain and hashed host fields, wildcards, negation,
// [host]:port, @cert-authority and @revoked lines, and hostile input.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <thread>

#include "agent/policy/known_hosts.h"
#include "ssh/base64.h"
#include "ssh/key_file.h"
#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

using test::certify;
using test::CertSpec;
using test::generate;

std::string line_key(const PublicKey& k) { return format_public_key_line(k, ""); }

std::string hashed(std::string_view name, uint8_t salt_byte = 7) {
  Bytes salt(20, salt_byte);
  uint8_t mac[EVP_MAX_MD_SIZE];
  unsigned len = 0;
  HMAC(EVP_sha1(), salt.data(), int(salt.size()), reinterpret_cast<const uint8_t*>(name.data()),
       name.size(), mac, &len);
  return "|1|" + base64_encode(salt) + "|" + base64_encode(ByteView(mac, len));
}

// The ones of `names` that `kh` knows `key` for, space-separated: one check over a list of
// names that shows which ones it got wrong.
std::string known_among(const KnownHosts& kh, const PublicKey& key,
                        const std::vector<std::string>& names) {
  std::string known;
  for (const std::string& name : names) {
    if (kh.known_for(name, key)) known += (known.empty() ? "" : " ") + name;
  }
  return known;
}

class KnownHostsTest : public ::testing::Test {
 protected:
  PrivateKey host1 = generate(), host2 = generate(KeyType::ecdsa_p256), host3 = generate(),
             ca = generate(), other_ca = generate();
};

TEST_F(KnownHostsTest, PlainEntriesNameTheirKeys) {
  KnownHosts kh;
  EXPECT_EQ(
      kh.add_text("# comment\n\nhost1,Host1.Example.COM,192.0.2.1 " + line_key(host1.public_key()) +
                      "\n  host2 " + line_key(host2.public_key()) + " some comment\r\n",
                  "kh"),
      0u);
  ASSERT_EQ(kh.size(), 2u);
  auto n = kh.names_for(host1.public_key(), {});
  EXPECT_TRUE(n.known);
  EXPECT_FALSE(n.hashed_unresolved);
  EXPECT_EQ(n.names, (std::vector<std::string>{"host1", "host1.example.com", "192.0.2.1"}));
  EXPECT_TRUE(kh.known_for("HOST1.example.com", host1.public_key()));
  EXPECT_FALSE(kh.known_for("host2", host1.public_key()));
  EXPECT_TRUE(kh.known_for("host2", host2.public_key()));
  EXPECT_FALSE(kh.names_for(host3.public_key(), {"host1"}).known);
}

TEST_F(KnownHostsTest, WildcardsAndNegation) {
  KnownHosts kh;
  kh.add_text("*.example.com,!bad.example.com,build?? " + line_key(host1.public_key()) + "\n",
              "kh");
  EXPECT_EQ(known_among(kh, host1.public_key(),
                        {"web.example.com", "bad.example.com", "example.com", "build42", "build4"}),
            "web.example.com build42");
  // A wildcard says nothing about the name until a candidate confirms one.
  auto n = kh.names_for(host1.public_key(), {});
  EXPECT_TRUE(n.known);
  EXPECT_TRUE(n.hashed_unresolved);
  EXPECT_TRUE(n.names.empty());
  n = kh.names_for(host1.public_key(), {"bad.example.com", "web.example.com", "other.org"});
  EXPECT_EQ(n.names, (std::vector<std::string>{"web.example.com"}));
  EXPECT_FALSE(n.hashed_unresolved);
}

TEST_F(KnownHostsTest, PortsUseBracketedNames) {
  EXPECT_EQ(known_hosts_name("Host", 22), "host");
  EXPECT_EQ(known_hosts_name("host", 2222), "[host]:2222");
  KnownHosts kh;
  kh.add_text("[host3]:2222,[*.lab]:* " + line_key(host3.public_key()) + "\n", "kh");
  EXPECT_TRUE(kh.known_for(known_hosts_name("host3", 2222), host3.public_key()));
  EXPECT_FALSE(kh.known_for("host3", host3.public_key()));
  EXPECT_TRUE(kh.known_for(known_hosts_name("a.lab", 7), host3.public_key()));
  EXPECT_EQ(kh.names_for(host3.public_key(), {}).names, (std::vector<std::string>{"[host3]:2222"}));
}

TEST_F(KnownHostsTest, HashedEntriesMatchOnlyTheirName) {
  KnownHosts kh;
  kh.add_text(hashed("host1") + " " + line_key(host1.public_key()) + "\n" +
                  hashed("[host2]:2200", 9) + " " + line_key(host2.public_key()) + "\n",
              "kh");
  ASSERT_EQ(kh.size(), 2u);
  // Names are lower-cased first.
  EXPECT_EQ(known_among(kh, host1.public_key(), {"host1", "HOST1", "host2"}), "host1 HOST1");
  EXPECT_EQ(known_among(kh, host2.public_key(), {"[host2]:2200", "host2"}), "[host2]:2200");
  auto n = kh.names_for(host1.public_key(), {});
  EXPECT_TRUE(n.known);
  EXPECT_TRUE(n.hashed_unresolved);
  n = kh.names_for(host1.public_key(), {"nothost", "host1"});
  EXPECT_EQ(n.names, (std::vector<std::string>{"host1"}));
  EXPECT_FALSE(n.hashed_unresolved);
  // A candidate that matches the hash of another key's entry does not name this key.
  EXPECT_TRUE(kh.names_for(host2.public_key(), {"host1"}).names.empty());
}

// The same hashes as OpenSSH writes them (ssh-keygen -H).
TEST_F(KnownHostsTest, HashesMatchSshKeygen) {
  auto dir = std::filesystem::temp_directory_path() / ("kh-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto file = dir / "known_hosts";
  std::ofstream(file) << "gitlab.example.org " << line_key(host1.public_key()) << "\n"
                      << "[10.1.2.3]:2022 " << line_key(host2.public_key()) << "\n";
  std::string cmd = "ssh-keygen -q -H -f " + file.string() + " >/dev/null 2>&1";
  ASSERT_EQ(system(cmd.c_str()), 0);
  std::ifstream in(file);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  std::filesystem::remove_all(dir);
  ASSERT_EQ(text.find("gitlab"), std::string::npos) << text;
  KnownHosts kh;
  kh.add_text(text, "kh");
  ASSERT_EQ(kh.size(), 2u);
  EXPECT_TRUE(kh.entries()[0].hashed);
  EXPECT_TRUE(kh.known_for("gitlab.example.org", host1.public_key()));
  EXPECT_TRUE(kh.known_for(known_hosts_name("10.1.2.3", 2022), host2.public_key()));
  EXPECT_FALSE(kh.known_for("10.1.2.3", host2.public_key()));
}

TEST_F(KnownHostsTest, CertificateAuthoritiesNameTheirHostCertificates) {
  KnownHosts kh;
  kh.add_text("@cert-authority *.corp,build1 " + line_key(ca.public_key()) + "\n", "kh");
  CertSpec spec;
  spec.principals = {"build1", "build1.corp", "elsewhere.org"};
  PublicKey cert = certify(host1.public_key(), ca, spec);
  auto n = kh.names_for(cert, {});
  EXPECT_TRUE(n.known);
  EXPECT_TRUE(n.via_ca);
  EXPECT_EQ(n.names, (std::vector<std::string>{"build1", "build1.corp"}));
  EXPECT_TRUE(kh.known_for("build1.corp", cert));
  EXPECT_FALSE(kh.known_for("elsewhere.org", cert));  // the CA line does not cover it
  EXPECT_FALSE(kh.known_for("build2.corp", cert));    // not a principal
  // The plain key, a cert from another CA, an expired cert and a user cert are not.
  EXPECT_FALSE(kh.names_for(host1.public_key(), {"build1"}).known);
  EXPECT_FALSE(kh.names_for(certify(host1.public_key(), other_ca, spec), {}).known);
  CertSpec expired = spec;
  expired.valid_before = 1000;
  EXPECT_FALSE(kh.names_for(certify(host1.public_key(), ca, expired), {}).known);
  CertSpec user = spec;
  user.type = Certificate::kUser;
  EXPECT_FALSE(kh.known_for("build1", certify(host1.public_key(), ca, user)));
  // No principals: valid for any name the CA line covers.
  auto any = certify(host2.public_key(), ca, CertSpec{});
  EXPECT_TRUE(kh.known_for("x.corp", any));
  EXPECT_EQ(kh.names_for(any, {"x.corp", "x.org"}).names, (std::vector<std::string>{"x.corp"}));
}

TEST_F(KnownHostsTest, HashedCertificateAuthorityLines) {
  KnownHosts kh;
  kh.add_text("@cert-authority " + hashed("build1") + " " + line_key(ca.public_key()) + "\n", "kh");
  CertSpec spec;
  spec.principals = {"other", "build1"};
  PublicKey cert = certify(host1.public_key(), ca, spec);
  EXPECT_EQ(kh.names_for(cert, {}).names, (std::vector<std::string>{"build1"}));
  EXPECT_TRUE(kh.known_for("build1", cert));
  EXPECT_FALSE(kh.known_for("other", cert));
}

TEST_F(KnownHostsTest, RevokedKeysAndCAs) {
  KnownHosts kh;
  CertSpec spec;
  spec.principals = {"build1"};
  PublicKey cert = certify(host2.public_key(), ca, spec);
  kh.add_text("host1 " + line_key(host1.public_key()) + "\n@revoked * " +
                  line_key(host1.public_key()) + "\n@cert-authority * " +
                  line_key(ca.public_key()) + "\n",
              "kh");
  auto n = kh.names_for(host1.public_key(), {});
  EXPECT_TRUE(n.revoked);
  EXPECT_FALSE(kh.known_for("host1", host1.public_key()));
  EXPECT_TRUE(kh.known_for("build1", cert));
  kh.add_text("@revoked * " + line_key(ca.public_key()) + "\n", "kh2");
  EXPECT_TRUE(kh.revoked(cert));
  EXPECT_FALSE(kh.known_for("build1", cert));
}

TEST_F(KnownHostsTest, BadLinesAreSkipped) {
  KnownHosts kh;
  std::string good = "good " + line_key(host1.public_key()) + "\n";
  std::string text = "@unknown-marker host " + line_key(host1.public_key()) + "\n" +
                     "host ssh-ed25519 not-base64!!\n" + "host ssh-rsa " +
                     base64_encode(host1.public_key().blob()) + "\n" +  // type mismatch
                     "|1|c2FsdA==|aGFzaA== " + line_key(host1.public_key()) +
                     "\n" +  // short salt/hash
                     "|2|x|y " + line_key(host1.public_key()) + "\n" + "onlyhost\n" + "@revoked\n" +
                     "@cert-authority * " + line_key(certify(host2.public_key(), ca, CertSpec{})) +
                     "\n" +  // a CA that is a cert
                     std::string(70000, 'x') + " " + line_key(host1.public_key()) + "\n" + good;
  EXPECT_EQ(kh.add_text(text, "kh"), 9u);
  ASSERT_EQ(kh.size(), 1u);
  EXPECT_TRUE(kh.known_for("good", host1.public_key()));
}

TEST_F(KnownHostsTest, HostileTextNeverCrashes) {
  std::string seed = "host1 " + line_key(host1.public_key()) + "\n@cert-authority *.x " +
                     line_key(ca.public_key()) + "\n" + hashed("h") + " " +
                     line_key(host2.public_key()) + "\n";
  uint32_t x = 12345;
  for (int round = 0; round < 2000; round++) {
    std::string t = seed;
    for (int k = 0; k < 8; k++) {
      x = x * 1103515245 + 12345;
      size_t pos = (x >> 8) % t.size();
      t[pos] = char(x >> 24);
    }
    KnownHosts kh;
    kh.add_text(t, "fuzz");
    (void)kh.names_for(host1.public_key(), {"host1", "h", "a.x"});
    (void)kh.known_for("h", host2.public_key());
  }
}

TEST_F(KnownHostsTest, FilesAreReReadWhenTheyChange) {
  auto dir = std::filesystem::temp_directory_path() / ("khf-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  auto a = dir / "a", b = dir / "missing";
  std::ofstream(a) << "one " << line_key(host1.public_key()) << "\n";
  KnownHostsFiles files;
  files.set_paths({a.string(), b.string()});
  EXPECT_TRUE(files.get().known_for("one", host1.public_key()));
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  std::ofstream(a) << "two " << line_key(host1.public_key()) << "\n"
                   << "three " << line_key(host2.public_key()) << "\n";
  EXPECT_TRUE(files.get().known_for("two", host1.public_key()));
  EXPECT_FALSE(files.get().known_for("one", host1.public_key()));
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skagent
