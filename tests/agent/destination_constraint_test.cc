// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/destination_constraint.h"

#include <gtest/gtest.h>

#include <ctime>
#include <map>
#include <sstream>
#include <string>

#include "tests/agent/agent_test_util.h"

namespace skagent {
namespace {

using test::HopSpec;

// ---------------------------------------------------------------- parsing

class DestinationParseTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test::generate_keys({&host_, &ca_}); }
  static void TearDownTestSuite() { test::delete_keys({&host_, &ca_}); }
  static HopSpec to_host(std::string user = "") {
    return HopSpec{
        std::move(user), "host_a", {{host_->public_key(), false}, {ca_->public_key(), true}}, {}};
  }
  static HopSpec from_host() { return HopSpec{"", "host_b", {{host_->public_key(), false}}, {}}; }
  static inline PrivateKey *host_, *ca_;
};

TEST_F(DestinationParseTest, ParsesOriginAndHopConstraints) {
  Bytes list = test::concat({test::constraint_bytes({}, to_host("alice")),
                             test::constraint_bytes(from_host(), to_host())});
  auto r = parse_destination_constraints(list);
  ASSERT_TRUE(r.ok()) << r.error().message;
  ASSERT_EQ(r->size(), 2u);
  const auto& first = (*r)[0];
  EXPECT_TRUE(first.from.hostname.empty());
  EXPECT_TRUE(first.from.keys.empty());
  EXPECT_EQ(first.to.user, "alice");
  EXPECT_EQ(first.to.hostname, "host_a");
  ASSERT_EQ(first.to.keys.size(), 2u);
  EXPECT_FALSE(first.to.keys[0].is_ca);
  EXPECT_TRUE(first.to.keys[1].is_ca);
  EXPECT_TRUE(same_public_key(first.to.keys[1].key, ca_->public_key()));
  EXPECT_EQ((*r)[1].from.hostname, "host_b");
  EXPECT_TRUE((*r)[1].to.user.empty());
}

TEST_F(DestinationParseTest, ReadsOuterStringFromReader) {
  Bytes list = test::constraint_bytes({}, to_host());
  Writer w;
  w.string(list);
  w.u8(2);  // the next constraint type, left for the caller
  Reader r(w.bytes());
  auto c = read_destination_constraints(r);
  ASSERT_TRUE(c.ok()) << c.error().message;
  EXPECT_EQ(c->size(), 1u);
  EXPECT_EQ(r.remaining(), 1u);
}

TEST_F(DestinationParseTest, EmptyListMeansUnrestricted) {
  auto r = parse_destination_constraints({});
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->empty());
}

TEST_F(DestinationParseTest, ValidityRules) {
  auto refused = [](const HopSpec& from, const HopSpec& to) {
    auto r = parse_destination_constraints(test::constraint_bytes(from, to));
    return !r.ok() && r.error().code == Errc::malformed;
  };
  HopSpec from_user = from_host();
  from_user.user = "root";
  EXPECT_TRUE(refused(from_user, to_host()));
  HopSpec from_name_only{"", "host_b", {}, {}};
  EXPECT_TRUE(refused(from_name_only, to_host()));
  HopSpec from_keys_only{"", "", {{host_->public_key(), false}}, {}};
  EXPECT_TRUE(refused(from_keys_only, to_host()));
  HopSpec origin_with_user{"root", "", {}, {}};
  EXPECT_TRUE(refused(origin_with_user, to_host()));
  HopSpec to_no_name = to_host();
  to_no_name.hostname.clear();
  EXPECT_TRUE(refused({}, to_no_name));
  HopSpec to_no_keys = to_host();
  to_no_keys.keys.clear();
  EXPECT_TRUE(refused({}, to_no_keys));
}

// An ECDSA hop key whose point is off its curve (one bit of y flipped) parses as a key but is
// none: OpenSSH refuses the add (sshkey_froms validates the point), and so must skagent, for
// the "to" and the "from" hop (differential finding E). The same key unflipped is taken.
TEST_F(DestinationParseTest, RefusesAnEcdsaHopKeyOffItsCurve) {
  PublicKey good = test::generate(KeyType::ecdsa_p256).public_key();
  PublicKey bad = good;
  bad.point.back() ^= 1;
  auto as_to = [](const PublicKey& k) { return HopSpec{"", "host_c", {{k, false}}, {}}; };
  auto ok = parse_destination_constraints(test::constraint_bytes({}, as_to(good)));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  auto to = parse_destination_constraints(test::constraint_bytes({}, as_to(bad)));
  ASSERT_FALSE(to.ok());
  EXPECT_EQ(to.error().code, Errc::malformed);
  HopSpec from{"", "host_b", {{bad, false}}, {}};
  auto fr = parse_destination_constraints(test::constraint_bytes(from, to_host()));
  ASSERT_FALSE(fr.ok());
  EXPECT_EQ(fr.error().code, Errc::malformed);
}

// OpenSSH 10.4: a user-name pattern longer than 256 bytes is refused (256 is fine).
TEST_F(DestinationParseTest, UserPatternCappedAt256Bytes) {
  auto r =
      parse_destination_constraints(test::constraint_bytes({}, to_host(std::string(256, 'u'))));
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ((*r)[0].to.user.size(), 256u);
  auto over =
      parse_destination_constraints(test::constraint_bytes({}, to_host(std::string(257, 'u'))));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.error().code, Errc::malformed);
}

TEST_F(DestinationParseTest, RefusesNonEmptyReserved) {
  HopSpec to = to_host();
  to.reserved = test::bytes_of("x");
  auto r = parse_destination_constraints(test::constraint_bytes({}, to));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::unsupported);
  HopSpec from{"", "", {}, test::bytes_of("x")};
  EXPECT_FALSE(parse_destination_constraints(test::constraint_bytes(from, to_host())).ok());
  auto c = parse_destination_constraints(test::constraint_bytes({}, to_host(), view("ext")));
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.error().code, Errc::unsupported);
}

TEST_F(DestinationParseTest, RefusesEveryTruncation) {
  Bytes first = test::constraint_bytes({}, to_host("alice"));
  Bytes list = test::concat({first, test::constraint_bytes(from_host(), to_host())});
  for (size_t n = 1; n < list.size(); ++n) {
    if (n == first.size()) continue;  // a complete one-constraint list
    EXPECT_FALSE(parse_destination_constraints(ByteView(list).first(n)).ok()) << "prefix " << n;
  }
  Writer w;
  w.string(list);
  Bytes outer = w.take();
  for (size_t n = 0; n < outer.size(); ++n) {
    Reader r(ByteView(outer).first(n));
    EXPECT_FALSE(read_destination_constraints(r).ok()) << "outer prefix " << n;
  }
}

TEST_F(DestinationParseTest, RefusesTrailingBytesInConstraint) {
  Writer inner;
  inner.string(HopSpec{}.build());
  inner.string(to_host().build());
  inner.string(Bytes{});
  inner.u8(0);  // after reserved
  Bytes list = as_ssh_string(inner.bytes());
  EXPECT_FALSE(parse_destination_constraints(list).ok());
}

TEST_F(DestinationParseTest, RefusesBadHopKeys) {
  // Key without its is_ca byte.
  Writer hop;
  hop.string(""), hop.string("host_a"), hop.string(Bytes{});
  hop.string(host_->public_key().blob());
  Writer inner;
  inner.string(HopSpec{}.build()), inner.string(hop.bytes()), inner.string(Bytes{});
  EXPECT_FALSE(parse_destination_constraints(as_ssh_string(inner.bytes())).ok());
  // A key blob that does not parse.
  Writer bad;
  bad.string(""), bad.string("host_a"), bad.string(Bytes{});
  bad.string(view("not a key")), bad.u8(0);
  Writer inner2;
  inner2.string(HopSpec{}.build()), inner2.string(bad.bytes()), inner2.string(Bytes{});
  EXPECT_FALSE(parse_destination_constraints(as_ssh_string(inner2.bytes())).ok());
}

TEST_F(DestinationParseTest, RefusesNulInNames) {
  HopSpec to = to_host();
  to.hostname = std::string("host\0a", 6);
  EXPECT_FALSE(parse_destination_constraints(test::constraint_bytes({}, to)).ok());
  to = to_host(std::string("al\0ce", 5));
  EXPECT_FALSE(parse_destination_constraints(test::constraint_bytes({}, to)).ok());
}

TEST_F(DestinationParseTest, RefusesLengthPastEnd) {
  Bytes list = test::constraint_bytes({}, to_host());
  list[0] = 0x10;  // constraint length far past the end
  EXPECT_FALSE(parse_destination_constraints(list).ok());
  Writer w;
  w.u32(0xffffffff);
  Reader r(w.bytes());
  EXPECT_FALSE(read_destination_constraints(r).ok());
}

TEST_F(DestinationParseTest, AtMost1024Constraints) {
  Bytes one = test::constraint_bytes({}, to_host());
  std::vector<Bytes> many(kMaxDestinationConstraints, one);
  auto ok = parse_destination_constraints(test::concat(many));
  ASSERT_TRUE(ok.ok()) << ok.error().message;
  EXPECT_EQ(ok->size(), kMaxDestinationConstraints);
  many.push_back(one);
  auto r = parse_destination_constraints(test::concat(many));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::limit);
}

// ------------------------------------------------------------ enforcement
//
// Mirrors OpenSSH's regress/agent-restrict.sh: hosts a, b, c, x have plain
// host keys listed in known_hosts; d and e present host certificates from a
// CA trusted by "@cert-authority host_* ca". Constraints are written as
// ssh-add -h ... -H known_hosts writes them and parsed back.

class DestinationEnforceTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    keys_ = new std::map<std::string, PrivateKey>;
    bound_ = new std::map<std::string, PublicKey>;
    for (const char* n : {"a", "b", "c", "d", "e", "x", "ca", "user"}) {
      keys_->emplace(n, test::generate());
    }
    for (const char* n : {"a", "b", "c", "x"}) bound_->emplace(n, key(n).public_key());
    for (const char* n : {"d", "e"}) {
      test::CertSpec spec;
      spec.principals = {std::string("host_") + n};
      bound_->emplace(n, test::certify(key(n).public_key(), key("ca"), spec));
    }
  }
  static void TearDownTestSuite() { delete keys_, delete bound_; }

  static const PrivateKey& key(const std::string& n) { return keys_->at(n); }
  static const PublicKey& hostkey(const std::string& n) { return bound_->at(n); }

  // The hop ssh-add builds for "[user@]host_<n>" from known_hosts.
  static HopSpec hop(const std::string& n, const std::string& user = "") {
    HopSpec h{user, "host_" + n, {}, {}};
    if (n != "d" && n != "e") h.keys.push_back({key(n).public_key(), false});
    h.keys.push_back({key("ca").public_key(), true});
    return h;
  }

  // Parses ssh-add style specs: "a" (from origin), "a>b", "a>alice@b".
  static std::vector<DestinationConstraint> restrict(const std::vector<std::string>& specs) {
    std::vector<Bytes> parts;
    for (const auto& s : specs) {
      auto gt = s.find('>');
      std::string to = gt == std::string::npos ? s : s.substr(gt + 1);
      std::string user;
      if (auto at = to.rfind('@'); at != std::string::npos) {
        user = to.substr(0, at);
        to = to.substr(at + 1);
      }
      HopSpec from = gt == std::string::npos ? HopSpec{} : hop(s.substr(0, gt));
      parts.push_back(test::constraint_bytes(from, hop(to, user)));
    }
    auto r = parse_destination_constraints(test::concat(parts));
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error().message);
    return r.ok() ? std::move(*r) : std::vector<DestinationConstraint>{};
  }

  // Bindings seen by the agent when ssh at the end of the path "a b c"
  // talks to it: forwarding binds for every hop but the last, which is an
  // authentication bind when `auth` (ssh about to sign) or a forwarding
  // bind (ssh-add -L on that host).
  static std::vector<SessionBinding> chain(const std::string& path, bool auth) {
    std::istringstream in(path);
    std::vector<SessionBinding> out;
    std::string h;
    int i = 0;
    while (in >> h) out.push_back(test::binding(hostkey(h), "sid-" + std::to_string(i++), true));
    if (auth) out.back().forwarding = false;
    return out;
  }

  static bool can_sign(const std::vector<DestinationConstraint>& c, const std::string& path,
                       const std::string& user = "alice") {
    return permitted_by_destinations(key("user").public_key(), c, chain(path, true), &user, nullptr)
        .ok();
  }
  // ssh-add -L on the last host of `path` (a forwarded connection).
  static bool listed(const std::vector<DestinationConstraint>& c, const std::string& path) {
    return identity_visible(c, chain(path, false));
  }
  // ssh's own listing right after its authentication bind.
  static bool listed_for_auth(const std::vector<DestinationConstraint>& c,
                              const std::string& path) {
    return identity_visible(c, chain(path, true));
  }

  static std::map<std::string, PrivateKey>* keys_;
  static std::map<std::string, PublicKey>* bound_;
};
std::map<std::string, PrivateKey>* DestinationEnforceTest::keys_;
std::map<std::string, PublicKey>* DestinationEnforceTest::bound_;

TEST_F(DestinationEnforceTest, UnconstrainedKeyIsUsableEverywhere) {
  EXPECT_TRUE(can_sign({}, "a"));
  EXPECT_TRUE(can_sign({}, "a b c d e"));
  EXPECT_TRUE(listed({}, "a b c d e"));
}

TEST_F(DestinationEnforceTest, LocalUseOfConstrainedKeyIsAllowed) {
  auto c = restrict({"a"});
  std::string user = "alice";
  EXPECT_TRUE(permitted_by_destinations(key("user").public_key(), c, {}, &user, nullptr).ok());
  EXPECT_TRUE(identity_visible(c, {}));
}

TEST_F(DestinationEnforceTest, BasicRestrict) {
  for (std::string h : {"a", "b", "c", "d", "e"}) {
    auto c = restrict({h});
    EXPECT_TRUE(can_sign(c, h)) << h;
    EXPECT_TRUE(listed_for_auth(c, h)) << h;
    std::string wrong = h == "e" ? "a" : "e";
    EXPECT_FALSE(can_sign(c, wrong)) << h;
  }
}

TEST_F(DestinationEnforceTest, KeylistOnForwardedConnectionHidesHostOnlyKeys) {
  // "keylist (basic restrict)": ssh-add -L on host_h sees only unrestricted keys.
  for (std::string h : {"a", "b", "c", "d", "e"}) {
    EXPECT_FALSE(listed(restrict({h}), h)) << h;
    EXPECT_TRUE(listed({}, h)) << h;
  }
}

TEST_F(DestinationEnforceTest, Usernames) {
  for (std::string h : {"a", "d"}) {
    EXPECT_TRUE(can_sign(restrict({"alice@" + h}), h)) << h;
    EXPECT_TRUE(can_sign(restrict({"*@" + h}), h)) << h;
    EXPECT_TRUE(can_sign(restrict({"al?ce@" + h}), h)) << h;
    auto bad = restrict({"--BADUSER@" + h});
    EXPECT_FALSE(can_sign(bad, h)) << h;
    EXPECT_TRUE(listed_for_auth(bad, h)) << h;  // no user is known when listing
  }
}

TEST_F(DestinationEnforceTest, CertificatePrincipalIsHonoured) {
  // ssh-add -h host_e ... user_d; connecting to host_d must fail.
  auto c = restrict({"e"});
  EXPECT_FALSE(can_sign(c, "d"));
  EXPECT_TRUE(can_sign(c, "e"));
}

TEST_F(DestinationEnforceTest, MultihopRestricted) {
  auto c = restrict({"a", "a>b", "b>c", "c>d", "d>e"});
  for (std::string path : {"a", "a b", "a b c", "a b c d", "a b c d e"}) {
    EXPECT_TRUE(can_sign(c, path)) << path;
  }
  // "filtered": the key is listed at every host that may forward it on,
  // but not at the last one.
  for (std::string path : {"a", "a b", "a b c", "a b c d"}) {
    EXPECT_TRUE(listed(c, path)) << path;
  }
  EXPECT_FALSE(listed(c, "a b c d e"));
  for (std::string path : {"a", "a b", "a b c d e"}) {
    EXPECT_TRUE(listed_for_auth(c, path)) << path;
  }
  // Keys bound to an unused host are neither listed nor usable remotely.
  auto x = restrict({"x"});
  EXPECT_FALSE(listed(x, "a"));
  EXPECT_FALSE(listed(x, "a b"));
  EXPECT_FALSE(can_sign(x, "a b"));
  // Skipping a hop is not allowed.
  EXPECT_FALSE(can_sign(c, "a c"));
  EXPECT_FALSE(can_sign(c, "b"));
}

TEST_F(DestinationEnforceTest, MultihopUsernames) {
  EXPECT_TRUE(
      can_sign(restrict({"a", "a>alice@b", "b>alice@c", "c>alice@d", "d>alice@e"}), "a b c d e"));
  EXPECT_TRUE(can_sign(restrict({"a", "a>*@b", "b>*@c", "c>*@d", "d>*@e"}), "a b c d e"));
  auto bad = restrict({"a", "a>*@b", "b>*@c", "c>--BADUSER@d", "d>*@e"});
  EXPECT_TRUE(can_sign(bad, "a b c"));
  EXPECT_FALSE(can_sign(bad, "a b c d"));   // the user is checked at the last hop...
  EXPECT_TRUE(can_sign(bad, "a b c d e"));  // ...and only there
}

TEST_F(DestinationEnforceTest, MultihopCycle) {
  auto deny = restrict({"a", "a>b", "b>c", "c>d", "d>e"});
  EXPECT_FALSE(can_sign(deny, "a b a"));
  auto allow = restrict({"a", "a>b", "b>c", "c>d", "d>e", "b>a", "a>a", "a>c"});
  for (std::string path :
       {"a", "a b", "a b a", "a b a a", "a b a a c", "a b a a c d", "a b a a c d e"}) {
    EXPECT_TRUE(can_sign(allow, path)) << path;
  }
}

TEST_F(DestinationEnforceTest, NoSigningOnForwardingBind) {
  auto c = restrict({"a", "a>b"});
  std::string user = "alice";
  auto s =
      permitted_by_destinations(key("user").public_key(), c, chain("a b", false), &user, nullptr);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::denied);
}

TEST_F(DestinationEnforceTest, NoForwardingThroughAuthenticationBind) {
  auto c = restrict({"a", "a>b"});
  auto bindings = chain("a b", true);
  bindings[0].forwarding = false;
  std::string user = "alice";
  EXPECT_FALSE(
      permitted_by_destinations(key("user").public_key(), c, bindings, &user, nullptr).ok());
  EXPECT_FALSE(identity_visible(c, bindings));
}

TEST_F(DestinationEnforceTest, ReportsLastHostname) {
  auto c = restrict({"a", "a>b"});
  std::string user = "alice", last = "stale";
  ASSERT_TRUE(
      permitted_by_destinations(key("user").public_key(), c, chain("a b", true), &user, &last)
          .ok());
  EXPECT_EQ(last, "host_b");
  ASSERT_FALSE(
      permitted_by_destinations(key("user").public_key(), c, chain("b", true), &user, &last).ok());
  EXPECT_TRUE(last.empty());
}

// ------------------------------------------------------- match_key_hop

class MatchKeyHopTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { test::generate_keys({&host_, &ca_, &other_ca_}); }
  static void TearDownTestSuite() { test::delete_keys({&host_, &ca_, &other_ca_}); }
  static DestinationHop ca_hop(const std::string& hostname, const PrivateKey& ca) {
    return DestinationHop{"", hostname, {{ca.public_key(), true}}};
  }
  static PublicKey cert(const test::CertSpec& spec, const PrivateKey& ca = *ca_) {
    return test::certify(host_->public_key(), ca, spec);
  }
  static test::CertSpec spec(std::vector<std::string> principals = {"host_d"}) {
    test::CertSpec s;
    s.principals = std::move(principals);
    return s;
  }
  static constexpr uint64_t kNow = 1700000000;
  static inline PrivateKey *host_, *ca_, *other_ca_;
};

TEST_F(MatchKeyHopTest, PlainKeys) {
  const PublicKey& k = host_->public_key();
  EXPECT_TRUE(match_key_hop(k, {"", "h", {{k, false}}}, kNow));
  EXPECT_FALSE(match_key_hop(k, {"", "h", {{k, true}}}, kNow));  // a CA entry is not the key
  EXPECT_FALSE(match_key_hop(k, {"", "h", {{ca_->public_key(), false}}}, kNow));
  EXPECT_FALSE(match_key_hop(k, {"", "h", {}}, kNow));
  EXPECT_TRUE(match_key_hop(k, {"", "h", {{ca_->public_key(), false}, {k, false}}}, kNow));
}

TEST_F(MatchKeyHopTest, HostCertificate) {
  PublicKey c = cert(spec());
  EXPECT_TRUE(match_key_hop(c, ca_hop("host_d", *ca_), kNow));
  EXPECT_FALSE(match_key_hop(c, ca_hop("host_e", *ca_), kNow));
  EXPECT_FALSE(match_key_hop(c, ca_hop("host_d", *other_ca_), kNow));
  // The certified key listed as a plain key does not match a certificate.
  EXPECT_FALSE(match_key_hop(c, {"", "host_d", {{host_->public_key(), false}}}, kNow));
  // Nor does the CA listed without is_ca.
  EXPECT_FALSE(match_key_hop(c, {"", "host_d", {{ca_->public_key(), false}}}, kNow));
  EXPECT_TRUE(match_key_hop(
      c, {"", "host_d", {{other_ca_->public_key(), true}, {ca_->public_key(), true}}}, kNow));
}

TEST_F(MatchKeyHopTest, CertificateValidityPeriod) {
  test::CertSpec s = spec();
  s.valid_after = kNow - 10;
  s.valid_before = kNow + 10;
  PublicKey c = cert(s);
  EXPECT_TRUE(match_key_hop(c, ca_hop("host_d", *ca_), kNow));
  EXPECT_TRUE(match_key_hop(c, ca_hop("host_d", *ca_), kNow - 10));
  EXPECT_FALSE(match_key_hop(c, ca_hop("host_d", *ca_), kNow - 11));
  EXPECT_FALSE(match_key_hop(c, ca_hop("host_d", *ca_), kNow + 10));
  // The public entry point uses the real clock: an expired cert never matches.
  s.valid_after = 0;
  s.valid_before = uint64_t(std::time(nullptr)) - 60;
  PublicKey expired = cert(s);
  DestinationConstraint dc{{}, ca_hop("host_d", *ca_)};
  std::vector<SessionBinding> b{test::binding(expired, "sid", false)};
  std::string user = "alice";
  EXPECT_FALSE(permitted_by_destinations(expired, {dc}, b, &user, nullptr).ok());
  b[0].host_key = cert(spec());
  EXPECT_TRUE(permitted_by_destinations(expired, {dc}, b, &user, nullptr).ok());
}

TEST_F(MatchKeyHopTest, UserCertificateIsNotAHostCertificate) {
  test::CertSpec s = spec();
  s.type = Certificate::kUser;
  EXPECT_FALSE(match_key_hop(cert(s), ca_hop("host_d", *ca_), kNow));
}

TEST_F(MatchKeyHopTest, CriticalOptionsRefused) {
  test::CertSpec s = spec();
  Writer opts;
  opts.string("force-command"), opts.string(as_ssh_string(view("true")));
  s.critical = opts.take();
  EXPECT_FALSE(match_key_hop(cert(s), ca_hop("host_d", *ca_), kNow));
}

TEST_F(MatchKeyHopTest, PrincipalsFollowOpenSSH103) {
  // No principals: valid for NO host (OpenSSH 10.3+, after CVE-2024-7594;
  // 9.2 matched any host), not even one named by a wildcard or "(ORIGIN)".
  EXPECT_FALSE(match_key_hop(cert(spec({})), ca_hop("anything", *ca_), kNow));
  EXPECT_FALSE(match_key_hop(cert(spec({})), ca_hop("*", *ca_), kNow));
  EXPECT_FALSE(match_key_hop(cert(spec({})), ca_hop("", *ca_), kNow));
  // The principal is the pattern, the hop hostname the string.
  EXPECT_FALSE(match_key_hop(cert(spec({"host_d"})), ca_hop("host_*", *ca_), kNow));
  EXPECT_TRUE(match_key_hop(cert(spec({"host_*"})), ca_hop("host_d", *ca_), kNow));
  EXPECT_FALSE(match_key_hop(cert(spec({"host_*"})), ca_hop("other", *ca_), kNow));
  EXPECT_TRUE(match_key_hop(cert(spec({"x", "host_d"})), ca_hop("host_d", *ca_), kNow));
  EXPECT_FALSE(match_key_hop(cert(spec({"x", "y"})), ca_hop("host_d", *ca_), kNow));
}

TEST_F(MatchKeyHopTest, ForgedCertificateRefused) {
  Bytes blob = cert(spec()).blob();
  blob[blob.size() - 1] ^= 1;
  auto forged = parse_public_key(blob);
  ASSERT_TRUE(forged.ok());
  EXPECT_FALSE(match_key_hop(*forged, ca_hop("host_d", *ca_), kNow));
}

TEST_F(MatchKeyHopTest, Sha1RsaCaSignatureRefused) {
  PrivateKey rsa_ca = test::generate(KeyType::rsa, 2048);
  test::CertSpec s = spec();
  s.ca_hash = RsaHash::sha1;
  EXPECT_FALSE(match_key_hop(cert(s, rsa_ca), ca_hop("host_d", rsa_ca), kNow));
  s.ca_hash = RsaHash::sha256;
  EXPECT_TRUE(match_key_hop(cert(s, rsa_ca), ca_hop("host_d", rsa_ca), kNow));
}

}  // namespace
}  // namespace skagent
