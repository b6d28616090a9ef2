// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/constraints.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

constexpr const char* kSkProvider = "sk-provider@openssh.com";
constexpr const char* kRestrict = "restrict-destination-v00@openssh.com";
constexpr const char* kCerts = "associated-certs-v00@openssh.com";

Bytes lifetime(uint32_t secs) {
  Writer w;
  w.u8(1);
  w.u32(secs);
  return w.take();
}

Bytes confirm() { return Bytes{2}; }

Bytes extension(std::string_view name, ByteView body) {
  return test::constraint_extension(name, body);
}

Bytes sk_provider(std::string_view path) {
  return extension(kSkProvider, as_ssh_string(view(path)));
}

Bytes restrict_destination(ByteView list) { return extension(kRestrict, as_ssh_string(list)); }

Bytes associated_certs(bool certs_only, const std::vector<Bytes>& certs) {
  Writer list;
  for (const auto& c : certs) list.string(c);
  Writer body;
  body.boolean(certs_only);
  body.string(list.bytes());
  return extension(kCerts, body.bytes());
}

Result<Constraints> parse(ByteView b) {
  Reader r(b);
  auto c = read_constraints(r);
  if (c.ok()) {
    EXPECT_TRUE(r.empty());
  }
  return c;
}

// How many constraints a result carries, to tell a prefix from the whole.
int count(const Constraints& c) {
  return int(c.lifetime.has_value()) + int(c.confirm) + int(c.sk_provider.has_value()) +
         int(c.destinations.has_value()) + int(c.certs_only.has_value());
}

class ConstraintsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    test::generate_keys({&host_, &ca_, &user_});
    test::CertSpec spec;
    spec.type = Certificate::kUser;
    spec.principals = {"alice"};
    cert_ = new PublicKey(test::certify(user_->public_key(), *ca_, spec));
  }
  static void TearDownTestSuite() {
    test::delete_keys({&host_, &ca_, &user_});
    delete cert_;
  }

  static Bytes destinations() {
    test::HopSpec to{"", "host_a", {{host_->public_key(), false}}, {}};
    return test::constraint_bytes({}, to);
  }
  static Bytes cert_blob() { return cert_->blob(); }

  // Every constraint once, with the offsets at which a prefix is complete.
  static std::vector<Bytes> all_parts() {
    return {lifetime(3600), confirm(), sk_provider("/usr/lib/libsk.so"),
            restrict_destination(destinations()), associated_certs(true, {cert_blob()})};
  }

  static inline PrivateKey *host_, *ca_, *user_;
  static inline PublicKey* cert_;
};

TEST_F(ConstraintsTest, EmptyMeansNone) {
  auto c = parse({});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(count(*c), 0);
  EXPECT_TRUE(c->associated_certs.empty());
}

TEST_F(ConstraintsTest, Lifetime) {
  auto c = parse(lifetime(3600));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->lifetime, 3600u);
  EXPECT_EQ(count(*c), 1);
  auto max = parse(lifetime(0xffffffff));
  ASSERT_TRUE(max.ok());
  EXPECT_EQ(max->lifetime, 0xffffffffu);
}

// Lifetime 0 expires at once, as in OpenSSH's agent; only no lifetime at all falls back to
// the default, and a default of 0 means never (differential finding B).
TEST_F(ConstraintsTest, ExpiryOfLifetimeZeroIsNow) {
  auto now = std::chrono::steady_clock::now();
  auto zero = parse(lifetime(0));
  ASSERT_TRUE(zero.ok());
  EXPECT_EQ(expiry_of(*zero, 0, now), now);
  EXPECT_EQ(expiry_of(*zero, 3600, now), now);
  auto hour = parse(lifetime(3600));
  ASSERT_TRUE(hour.ok());
  EXPECT_EQ(expiry_of(*hour, 60, now), now + std::chrono::seconds(3600));
  EXPECT_EQ(expiry_of(Constraints{}, 60, now), now + std::chrono::seconds(60));
  EXPECT_EQ(expiry_of(Constraints{}, 0, now), std::nullopt);
}

TEST_F(ConstraintsTest, Confirm) {
  auto c = parse(confirm());
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_TRUE(c->confirm);
  EXPECT_EQ(count(*c), 1);
}

TEST_F(ConstraintsTest, SkProvider) {
  auto c = parse(sk_provider("/usr/lib/libsk.so"));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->sk_provider, "/usr/lib/libsk.so");
  EXPECT_EQ(count(*c), 1);
}

TEST_F(ConstraintsTest, RestrictDestination) {
  auto c = parse(restrict_destination(destinations()));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->destinations.has_value());
  ASSERT_EQ(c->destinations->size(), 1u);
  EXPECT_EQ((*c->destinations)[0].to.hostname, "host_a");
  EXPECT_EQ(count(*c), 1);
}

TEST_F(ConstraintsTest, RestrictDestinationEmptyList) {
  auto c = parse(restrict_destination({}));
  ASSERT_TRUE(c.ok()) << c.error().message;
  ASSERT_TRUE(c->destinations.has_value());
  EXPECT_TRUE(c->destinations->empty());
}

TEST_F(ConstraintsTest, AssociatedCerts) {
  for (bool only : {false, true}) {
    auto c = parse(associated_certs(only, {cert_blob(), cert_blob()}));
    ASSERT_TRUE(c.ok()) << c.error().message;
    EXPECT_EQ(c->certs_only, only);
    ASSERT_EQ(c->associated_certs.size(), 2u);
    EXPECT_TRUE(equal(c->associated_certs[0], cert_blob()));
    EXPECT_EQ(count(*c), 1);
  }
  auto none = parse(associated_certs(true, {}));
  ASSERT_TRUE(none.ok()) << none.error().message;
  EXPECT_EQ(none->certs_only, true);
  EXPECT_TRUE(none->associated_certs.empty());
}

// OpenSSH 9.6+ skips plain keys in the list (`if (!sshkey_is_cert(...)) continue;`), and
// ssh-add 10.5 sends them (agent-pkcs11-cert.sh): kept out, not refused.
TEST_F(ConstraintsTest, AssociatedCertsSkipsPlainKeys) {
  Bytes plain = user_->public_key().blob();
  auto only_plain = parse(associated_certs(false, {plain}));
  ASSERT_TRUE(only_plain.ok()) << only_plain.error().message;
  EXPECT_TRUE(only_plain->associated_certs.empty());
  auto mixed = parse(associated_certs(true, {plain, cert_blob(), plain}));
  ASSERT_TRUE(mixed.ok()) << mixed.error().message;
  ASSERT_EQ(mixed->associated_certs.size(), 1u);
  EXPECT_TRUE(equal(mixed->associated_certs[0], cert_blob()));
  EXPECT_TRUE(mixed->certs_only);
}

// A listed ECDSA key whose point is off its curve is refused, as OpenSSH's sshkey_froms
// refuses it (differential finding E); the same key on its curve is skipped as a plain key.
TEST_F(ConstraintsTest, AssociatedCertsRefusesAKeyOffItsCurve) {
  PublicKey good = test::generate(KeyType::ecdsa_p384).public_key();
  PublicKey bad = good;
  bad.point.back() ^= 1;
  EXPECT_TRUE(parse(associated_certs(false, {good.blob()})).ok());
  auto c = parse(associated_certs(false, {bad.blob()}));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::malformed);
}

TEST_F(ConstraintsTest, AssociatedCertsRefusesMalformedKeys) {
  EXPECT_FALSE(parse(associated_certs(false, {test::bytes_of("garbage")})).ok());
  EXPECT_FALSE(parse(associated_certs(false, {Bytes{}})).ok());
  Bytes trailing = cert_blob();
  trailing.push_back(0);
  EXPECT_FALSE(parse(associated_certs(false, {trailing})).ok());
  Bytes cut = cert_blob();
  cut.pop_back();
  EXPECT_FALSE(parse(associated_certs(false, {cut})).ok());
}

TEST_F(ConstraintsTest, AssociatedCertsListHostile) {
  // A list whose last entry is cut short.
  Writer list;
  list.string(cert_blob());
  list.u32(100);
  list.u8(0);
  Writer body;
  body.boolean(false);
  body.string(list.bytes());
  EXPECT_FALSE(parse(extension(kCerts, body.bytes())).ok());
  // The list's length runs past the end.
  Writer past;
  past.boolean(false);
  past.u32(0xffffffff);
  past.raw(cert_blob());
  EXPECT_FALSE(parse(extension(kCerts, past.bytes())).ok());
  // Only the flag, no list.
  EXPECT_FALSE(parse(extension(kCerts, Bytes{1})).ok());
  EXPECT_FALSE(parse(extension(kCerts, {})).ok());
}

TEST_F(ConstraintsTest, TooManyAssociatedCerts) {
  std::vector<Bytes> certs(1025, cert_blob());
  auto c = parse(associated_certs(false, certs));
  EXPECT_FALSE(c.ok());
  certs.pop_back();
  auto ok = parse(associated_certs(false, certs));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->associated_certs.size(), 1024u);
  // Skipped plain keys count towards the limit too (as in OpenSSH).
  std::vector<Bytes> mixed(1024, user_->public_key().blob());
  mixed.push_back(cert_blob());
  EXPECT_FALSE(parse(associated_certs(false, mixed)).ok());
}

TEST_F(ConstraintsTest, AllCombined) {
  auto parts = all_parts();
  auto c = parse(test::concat(parts));
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->lifetime, 3600u);
  EXPECT_TRUE(c->confirm);
  EXPECT_EQ(c->sk_provider, "/usr/lib/libsk.so");
  ASSERT_TRUE(c->destinations.has_value());
  EXPECT_EQ(c->destinations->size(), 1u);
  EXPECT_EQ(c->certs_only, true);
  EXPECT_EQ(c->associated_certs.size(), 1u);
  // Order does not matter.
  std::vector<Bytes> reversed(parts.rbegin(), parts.rend());
  auto r = parse(test::concat(reversed));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(count(*r), 5);
}

TEST_F(ConstraintsTest, EveryTruncationOfCombinedBlob) {
  auto parts = all_parts();
  Bytes full = test::concat(parts);
  std::set<size_t> boundaries{0};
  size_t off = 0;
  for (const auto& p : parts) boundaries.insert(off += p.size());
  for (size_t len = 0; len < full.size(); len++) {
    auto c = parse(ByteView(full.data(), len));
    if (boundaries.count(len)) {
      ASSERT_TRUE(c.ok()) << "prefix " << len << ": " << c.error().message;
      EXPECT_EQ(count(*c), int(std::distance(boundaries.begin(), boundaries.find(len))));
    } else {
      EXPECT_FALSE(c.ok()) << "prefix of " << len << " of " << full.size() << " bytes accepted";
    }
  }
}

TEST_F(ConstraintsTest, DuplicatesRefused) {
  auto parts = all_parts();
  for (size_t i = 0; i < parts.size(); i++) {
    EXPECT_FALSE(parse(test::concat({parts[i], parts[i]})).ok()) << "part " << i;
    // Also when not adjacent.
    std::vector<Bytes> with_dup = parts;
    with_dup.push_back(parts[i]);
    EXPECT_FALSE(parse(test::concat(with_dup)).ok()) << "part " << i;
  }
  // A second value differing from the first is still a repeat.
  EXPECT_FALSE(parse(test::concat({lifetime(1), lifetime(2)})).ok());
  EXPECT_FALSE(parse(test::concat({sk_provider("/a"), sk_provider("/b")})).ok());
  EXPECT_FALSE(
      parse(test::concat({restrict_destination({}), restrict_destination(destinations())})).ok());
  EXPECT_FALSE(parse(test::concat({associated_certs(false, {}), associated_certs(true, {})})).ok());
}

TEST_F(ConstraintsTest, UnknownTypeRefused) {
  for (int t = 0; t < 256; t++) {
    if (t == 1 || t == 2 || t == 255) continue;
    Bytes b{uint8_t(t)};
    auto c = parse(b);
    ASSERT_FALSE(c.ok()) << t;
    EXPECT_EQ(c.error().code, Errc::unsupported) << t;
    // After a valid constraint, too.
    EXPECT_FALSE(parse(test::concat({confirm(), b})).ok()) << t;
  }
}

TEST_F(ConstraintsTest, UnknownExtensionRefused) {
  for (const char* name : {"", "sk-provider", "SK-PROVIDER@openssh.com",
                           "restrict-destination@openssh.com", "unknown@example.com"}) {
    auto c = parse(extension(name, as_ssh_string(view("x"))));
    ASSERT_FALSE(c.ok()) << name;
    EXPECT_EQ(c.error().code, Errc::unsupported) << name;
  }
}

TEST_F(ConstraintsTest, HostileExtensionFields) {
  // Extension name with a NUL, name length past the end, huge length.
  EXPECT_FALSE(
      parse(extension(std::string_view("sk-provider@openssh.com\0", 24), as_ssh_string(view("/x"))))
          .ok());
  EXPECT_FALSE(parse(Bytes{255, 0, 0, 0, 40, 's', 'k'}).ok());
  EXPECT_FALSE(parse(Bytes{255, 0xff, 0xff, 0xff, 0xff}).ok());
  // sk-provider path with a NUL, or missing.
  EXPECT_FALSE(parse(sk_provider(std::string_view("/a\0b", 4))).ok());
  EXPECT_FALSE(parse(extension(kSkProvider, {})).ok());
  // restrict-destination list length past the end, or malformed contents.
  Writer w;
  w.u32(0x7fffffff);
  EXPECT_FALSE(parse(extension(kRestrict, w.bytes())).ok());
  EXPECT_FALSE(parse(restrict_destination(test::bytes_of("garbage"))).ok());
  // Lifetime cut short.
  EXPECT_FALSE(parse(Bytes{1, 0, 0, 0}).ok());
}

}  // namespace
}  // namespace skagent
