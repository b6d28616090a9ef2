// SPDX-License-Identifier: BSD-2-Clause
// fido/ against lying and broken tokens (tests/fido/hostile_token.h): every
// one ends in an error within the operation's time, never a crash or a hang.
#include <gtest/gtest.h>
#include <openssl/sha.h>

#include <algorithm>
#include <chrono>
#include <map>
#include <vector>

#include "fido/enroll.h"
#include "fido/resident_keys.h"
#include "fido/sign.h"
#include "vtoken/cbor.h"
#include "vtoken/credential_key.h"
#include "keygen/manage_token.h"
#include "tests/fido/hostile_token.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::fido::testing {
namespace {

using Clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

long ms_since(Clock::time_point t) {
  return long(std::chrono::duration_cast<milliseconds>(Clock::now() - t).count());
}

const Bytes kKeyHandle(64, 0x5A);

Bytes rp_hash(std::string_view rp) {
  Bytes h(32);
  SHA256(reinterpret_cast<const uint8_t*>(rp.data()), rp.size(), h.data());
  return h;
}

Options options_for(const HostileToken& t, milliseconds timeout = milliseconds(3000)) {
  Options o;
  o.device = t.device();
  o.timeout = timeout;
  return o;
}

Result<Signature> sign_with(const HostileToken& t, uint32_t alg = kAlgEd25519,
                            milliseconds timeout = milliseconds(3000)) {
  Bytes data = to_bytes(view("data to sign"));
  SignRequest r;
  r.alg = alg;
  r.data = data;
  r.application = "ssh:";
  r.key_handle = kKeyHandle;
  r.flags = kUserPresenceRequired;
  return sign(options_for(t, timeout), r);
}

// An enrolment (challenge of 0x01 bytes, default flags) with a token that follows `sc`.
Result<EnrolledKey> enroll_with(const HostileToken::Script& sc) {
  HostileToken t(sc);
  Bytes chal(32, 1);
  EnrollRequest r;
  r.challenge = chal;
  return enroll(options_for(t), r);
}

HostileToken::Script answering(std::function<Bytes()> assertion) {
  HostileToken::Script s;
  s.answer = [assertion](uint8_t cmd, ByteView) -> std::optional<Bytes> {
    if (cmd == 0x02) return assertion();
    return std::nullopt;
  };
  return s;
}

// A signature from a token that answers with a well-formed assertion for "ssh:" that carries
// `flags`, `counter` and `sig`.
Result<Signature> sign_asserting(uint8_t flags, uint32_t counter, const Bytes& sig,
                                 uint32_t alg = kAlgEd25519) {
  HostileToken t(answering([=] {
    return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), flags, counter, sig);
  }));
  return sign_with(t, alg);
}

TEST(FidoHostileToken, AnHonestAnswerSigns) {
  // The scripted token itself works: a well-formed assertion is accepted.
  auto s = sign_asserting(0x01, 7, Bytes(64, 9));
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_EQ(s->counter, 7u);
  EXPECT_EQ(s->sig_r, Bytes(64, 9));
}

TEST(FidoHostileToken, WrongLengthEd25519SignatureIsRefused) {
  auto s = sign_asserting(0x01, 1, Bytes(70, 9));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::malformed);
}

TEST(FidoHostileToken, GarbageEcdsaSignatureIsRefused) {
  auto s = sign_asserting(0x01, 1, Bytes(70, 0x30), kAlgEcdsaP256);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::malformed);
}

TEST(FidoHostileToken, MissingUserPresenceIsRefused) {
  auto s = sign_asserting(0x00, 1, Bytes(64, 9));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::denied);
  EXPECT_NE(s.error().message.find("touch"), std::string::npos);
}

TEST(FidoHostileToken, GarbageCborIsAnError) {
  HostileToken t(answering([] { return Bytes{0x00, 0xff, 0xff, 0x13, 0x37}; }));
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
}

TEST(FidoHostileToken, TruncatedCborIsAnError) {
  HostileToken t(answering([] {
    Bytes b = HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 0x01, 1, Bytes(64, 9));
    b.resize(b.size() - 20);
    return b;
  }));
  EXPECT_FALSE(sign_with(t).ok());
}

TEST(FidoHostileToken, EmptyAnswerIsAnError) {
  HostileToken t(answering([] { return Bytes{}; }));
  EXPECT_FALSE(sign_with(t).ok());
}

TEST(FidoHostileToken, CtapErrorStatusIsMapped) {
  HostileToken t(answering([] { return Bytes{0x2E}; }));
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
}

TEST(FidoHostileToken, KeepalivesForeverEndWithCancelAtTheDeadline) {
  HostileToken t({.keepalive_forever = true});
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(400));
  long took = ms_since(t0);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_EQ(t.cancels(), 1);
  EXPECT_GE(took, 350);
  EXPECT_LT(took, 3000);
}

TEST(FidoHostileToken, TokenIgnoringCancelStillCannotHangUs) {
  HostileToken t({.keepalive_forever = true, .honour_cancel = false});
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(200));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_GE(t.cancels(), 1);
  EXPECT_LT(ms_since(t0), 15000);  // libfido2's own limit (timeout + 5 s) ends the read
}

TEST(FidoHostileToken, SilentTokenEndsAtTheDeadline) {
  HostileToken t({.silent = true});
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(200));
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::timeout);
  EXPECT_LT(ms_since(t0), 15000);
}

TEST(FidoHostileToken, HangingUpMidAnswerIsAnError) {
  HostileToken::Script sc = answering([] {
    return HostileToken::assertion_reply(kKeyHandle, rp_hash("ssh:"), 1, 1, Bytes(64, 9));
  });
  sc.close_mid_reply = true;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_LT(ms_since(t0), 10000);
}

TEST(FidoHostileToken, ClaimedLengthThatNeverComesEndsAtTheDeadline) {
  HostileToken::Script sc = answering([] { return Bytes{0x00, 0xA0}; });
  sc.claimed_length = 1500;
  HostileToken t(sc);
  auto t0 = Clock::now();
  auto s = sign_with(t, kAlgEd25519, milliseconds(300));
  ASSERT_FALSE(s.ok());
  EXPECT_LT(ms_since(t0), 15000);
  HostileToken::Script huge = answering([] { return Bytes{0x00, 0xA0}; });
  huge.claimed_length = 0xffff;  // more than any CTAP message
  HostileToken t2(huge);
  EXPECT_FALSE(sign_with(t2, kAlgEd25519, milliseconds(300)).ok());
}

TEST(FidoHostileToken, WrongNonceMeansNoDevice) {
  HostileToken t({.bad_nonce = true});
  auto s = sign_with(t);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, Errc::not_found);
  EXPECT_EQ(t.requests(), 0);
}

TEST(FidoHostileToken, EnrollAgainstGarbageFails) {
  HostileToken::Script sc;
  sc.answer = [](uint8_t cmd, ByteView) -> std::optional<Bytes> {
    if (cmd == 0x01)
      return Bytes{0x00, 0xA3, 0x01, 0x64, 'n', 'o', 'n', 'e', 0x02, 0x41, 0x00, 0x03, 0xA0};
    return std::nullopt;
  };
  auto k = enroll_with(sc);
  ASSERT_FALSE(k.ok());
}

TEST(FidoHostileToken, EnrollErrorsKeepTheirMeaning) {
  for (auto [status, code] :
       {std::pair{uint8_t(0x19), Errc::exists}, std::pair{uint8_t(0x2B), Errc::unsupported},
        std::pair{uint8_t(0x36), Errc::pin_required}, std::pair{uint8_t(0x2F), Errc::timeout}}) {
    HostileToken::Script sc;
    sc.answer = [s = status](uint8_t cmd, ByteView) -> std::optional<Bytes> {
      if (cmd == 0x01) return Bytes{s};
      return std::nullopt;
    };
    auto k = enroll_with(sc);
    ASSERT_FALSE(k.ok());
    EXPECT_EQ(k.error().code, code) << int(status) << ": " << k.error().message;
  }
}

TEST(FidoHostileToken, ResidentKeysFromATokenWithoutCredentialManagement) {
  HostileToken t(HostileToken::Script{});  // getInfo names no credMgmt
  auto keys = load_resident_keys(options_for(t), "1234");
  ASSERT_FALSE(keys.ok());
  EXPECT_EQ(keys.error().code, Errc::unsupported);
}

// ---- credential management (resident keys) from a lying token

namespace vc = vtoken::cbor;

// What a scripted token claims to hold: relying parties with credentials.
struct ClaimedCredential {
  Bytes user_id;
  Bytes id;
  Bytes public_key;  // COSE
};
struct ClaimedRp {
  std::string id;
  std::vector<ClaimedCredential> credentials;
};
struct Claims {
  bool delete_lies = false;  // deleteCredential answers success and deletes nothing
  uint64_t existing = 0;     // getCredsMetadata
  uint64_t total_rps = 0;    // enumerateRPsBegin
  std::optional<uint64_t> total_credentials;  // enumerateCredentialsBegin; default: the real count
  std::vector<ClaimedRp> rps;
};

// Claims that count what `rps` holds: as many relying parties and credentials as there are.
Claims claiming(std::vector<ClaimedRp> rps) {
  Claims c;
  c.total_rps = rps.size();
  for (const ClaimedRp& rp : rps) c.existing += rp.credentials.size();
  c.rps = std::move(rps);
  return c;
}

Bytes ok(const vc::Item& m) {
  Bytes b = {0x00};
  Bytes body = vc::encode(m.get());
  b.insert(b.end(), body.begin(), body.end());
  return b;
}

Bytes cose_ed25519() {
  auto k = vtoken::CredentialKey::generate(vtoken::cose::kAlgEdDsa);
  return k->public_key()->encode();
}

// A token with a PIN and credential management that answers the PIN protocol
// honestly enough for libfido2 and the enumeration from `claims`. `rp_hashes`
// collects the RP hashes the platform enumerated credentials for.
HostileToken::Script credman_token(Claims claims, std::vector<Bytes>* rp_hashes) {
  auto agreement = vtoken::p256_generate();
  auto xy = vtoken::p256_public_xy(agreement->get());
  vtoken::CoseKey cose{vtoken::cose::kKtyEc2, vtoken::cose::kAlgEcdhEsHkdf256,
                       vtoken::cose::kCrvP256, xy->first, xy->second};
  Bytes cose_bytes = cose.encode();
  HostileToken::Script s;
  auto next_rp = std::make_shared<size_t>(0);
  auto cursor = std::make_shared<std::pair<size_t, size_t>>(0, 0);  // rp, credential
  s.answer = [=](uint8_t cmd, ByteView params) -> std::optional<Bytes> {
    if (cmd == 0x04) {
      vc::MapBuilder opts;
      opts.add("rk", vc::boolean(true))
          .add("up", vc::boolean(true))
          .add("clientPin", vc::boolean(true));
      opts.add("credMgmt", vc::boolean(true));
      vc::MapBuilder m;
      m.add(1, vc::ArrayBuilder().add(vc::text("FIDO_2_0")).add(vc::text("FIDO_2_1_PRE")).build());
      m.add(3, vc::bytes(Bytes(16, 0x42)));
      m.add(4, opts.build());
      m.add(6, vc::ArrayBuilder().add(vc::uint(1)).build());
      return ok(m.build());
    }
    auto req = vc::decode(params);
    if (!req) return Bytes{0x12};
    auto sub = vc::get_uint(vc::map_get(req->get(), cmd == 0x06 ? 2 : 1));
    if (!sub) return Bytes{0x14};
    if (cmd == 0x06) {  // clientPIN
      if (*sub == 2) {
        auto key = vc::decode(cose_bytes);
        return ok(vc::MapBuilder().add(1, std::move(*key)).build());
      }
      if (*sub == 5 || *sub == 9)
        return ok(vc::MapBuilder().add(2, vc::bytes(Bytes(32, 0x77))).build());
      if (*sub == 1) return ok(vc::MapBuilder().add(3, vc::uint(8)).build());  // retries
      return Bytes{0x01};
    }
    if (cmd != 0x0A && cmd != 0x41) return Bytes{0x01};
    auto rp_answer = [&](size_t i) {
      vc::MapBuilder m;
      m.add(3, vc::MapBuilder().add("id", vc::text(claims.rps[i].id)).build());
      Bytes h(32);
      SHA256(reinterpret_cast<const uint8_t*>(claims.rps[i].id.data()), claims.rps[i].id.size(),
             h.data());
      m.add(4, vc::bytes(h));
      return m;
    };
    auto credential_answer = [&](const ClaimedCredential& c) {
      vc::MapBuilder m;
      m.add(6, vc::MapBuilder().add("id", vc::bytes(c.user_id)).build());
      m.add(
          7,
          vc::MapBuilder().add("id", vc::bytes(c.id)).add("type", vc::text("public-key")).build());
      auto key = vc::decode(c.public_key);
      m.add(8, key ? std::move(*key) : vc::bytes(c.public_key));
      m.add(0x0A, vc::uint(2));
      return m;
    };
    switch (*sub) {
      case 0x01:
        return ok(vc::MapBuilder().add(1, vc::uint(claims.existing)).add(2, vc::uint(10)).build());
      case 0x02: {
        if (claims.rps.empty()) return Bytes{0x2E};  // no credentials
        *next_rp = 1;
        return ok(rp_answer(0).add(5, vc::uint(claims.total_rps)).build());
      }
      case 0x03: {
        if (*next_rp >= claims.rps.size()) return Bytes{0x30};  // not allowed: nothing more
        return ok(rp_answer((*next_rp)++).build());
      }
      case 0x04: {
        auto hash = vc::get_bytes(vc::map_get(vc::map_get(req->get(), 2), 1), 32);
        if (!hash) return Bytes{0x14};
        rp_hashes->push_back(*hash);
        for (size_t i = 0; i < claims.rps.size(); i++) {
          Bytes h(32);
          SHA256(reinterpret_cast<const uint8_t*>(claims.rps[i].id.data()), claims.rps[i].id.size(),
                 h.data());
          if (h != *hash || claims.rps[i].credentials.empty()) continue;
          *cursor = {i, 1};
          uint64_t total = claims.total_credentials.value_or(claims.rps[i].credentials.size());
          return ok(
              credential_answer(claims.rps[i].credentials[0]).add(9, vc::uint(total)).build());
        }
        return Bytes{0x2E};
      }
      case 0x05: {
        auto& [rp, next] = *cursor;
        if (rp >= claims.rps.size() || next >= claims.rps[rp].credentials.size())
          return Bytes{0x30};
        return ok(credential_answer(claims.rps[rp].credentials[next++]).build());
      }
      case 0x06:
        return claims.delete_lies ? Bytes{0x00} : Bytes{0x2E};
      default:
        return Bytes{0x3E};
    }
  };
  return s;
}

// The resident keys read (PIN 1234) from a token that claims `c`; the relying parties it was
// asked to enumerate go to `enumerated`.
Result<std::vector<ResidentKey>> load_claimed(const Claims& c, std::vector<Bytes>* enumerated) {
  HostileToken t(credman_token(c, enumerated));
  return load_resident_keys(options_for(t), "1234");
}

// A load that a token's lying counts ended: an error naming the step and libfido2's refusal.
void expect_not_allowed(const Result<std::vector<ResidentKey>>& keys) {
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.error().message.find("loading resident keys"), std::string::npos)
      << keys.error().message;
  EXPECT_NE(keys.error().message.find("FIDO_ERR_NOT_ALLOWED"), std::string::npos)
      << keys.error().message;
}

TEST(FidoHostileToken, CredentialManagementOnlySshApplicationsAreRead) {
  Claims c = claiming({{"webauthn.example", {{Bytes{1}, Bytes(64, 1), cose_ed25519()}}},
                       {"ssh:work", {{Bytes{2}, Bytes(64, 2), cose_ed25519()}}}});
  std::vector<Bytes> enumerated;
  auto keys = load_claimed(c, &enumerated);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  ASSERT_EQ(keys->size(), 1u);
  EXPECT_EQ(keys->front().application, "ssh:work");
  EXPECT_EQ(keys->front().key.key_handle, Bytes(64, 2));
  ASSERT_EQ(enumerated.size(), 1u);  // the web site's credentials were never asked for
  EXPECT_EQ(enumerated[0], rp_hash("ssh:work"));
}

TEST(FidoHostileToken, CredentialManagementCountsThatLieAreErrors) {
  // More relying parties claimed than the token can enumerate.
  Claims rps = claiming({{"ssh:a", {{Bytes{1}, Bytes(64, 1), cose_ed25519()}}}});
  rps.total_rps = 3;
  std::vector<Bytes> enumerated;
  ASSERT_NO_FATAL_FAILURE(expect_not_allowed(load_claimed(rps, &enumerated)));
  // More credentials claimed than the token can enumerate.
  Claims creds = claiming({{"ssh:a", {{Bytes{1}, Bytes(64, 1), cose_ed25519()}}}});
  creds.existing = 5;
  creds.total_credentials = 5;
  ASSERT_NO_FATAL_FAILURE(expect_not_allowed(load_claimed(creds, &enumerated)));
  // Metadata that says "none": nothing is enumerated, zero keys.
  Claims none = rps;
  none.existing = 0;
  enumerated.clear();
  auto keys = load_claimed(none, &enumerated);
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_TRUE(keys->empty());
  EXPECT_TRUE(enumerated.empty());
}

TEST(FidoHostileToken, CredentialManagementGarbageCredentialsAreNeverKeys) {
  // An RS256 key (no OpenSSH sk type) and an empty credential id are skipped;
  // the good credential beside them is still read.
  vc::MapBuilder rsa;
  rsa.add(1, vc::uint(3))
      .add(3, vc::integer(-257))
      .add(-1, vc::bytes(Bytes(256, 0xC1)))
      .add(-2, vc::bytes(Bytes{1, 0, 1}));
  Bytes rsa_key = vc::encode(rsa.build().get());
  Claims c = claiming({{"ssh:mixed",
                        {{Bytes{1}, Bytes(64, 1), rsa_key},
                         {Bytes{2}, Bytes{}, cose_ed25519()},
                         {Bytes{3}, Bytes(64, 3), cose_ed25519()}}}});
  std::vector<Bytes> enumerated;
  {
    auto keys = load_claimed(c, &enumerated);
    ASSERT_TRUE(keys.ok()) << keys.error().message;
    ASSERT_EQ(keys->size(), 1u);
    EXPECT_EQ(keys->front().key.key_handle, Bytes(64, 3));
  }
  // A public key that is not COSE at all: an error, not a crash or a key.
  Claims junk = claiming({{"ssh:junk", {{Bytes{1}, Bytes(64, 1), Bytes{0xFF, 0x00, 0x13}}}}});
  auto keys = load_claimed(junk, &enumerated);
  ASSERT_FALSE(keys.ok());
  EXPECT_NE(keys.error().message.find("does not parse"), std::string::npos) << keys.error().message;
}

// Loading resident keys waits for no person, so there is no cancel thread:
// the deadline still ends a token that stalls, as a timeout.
TEST(FidoHostileToken, CredentialManagementStallsEndAtTheDeadline) {
  for (bool keepalives : {true, false}) {
    std::vector<Bytes> enumerated;
    HostileToken::Script sc = credman_token(Claims{}, &enumerated);
    sc.keepalive_forever = keepalives;
    sc.silent = !keepalives;
    HostileToken t(sc);
    auto t0 = Clock::now();
    auto keys = load_resident_keys(options_for(t, milliseconds(400)), "1234");
    long took = ms_since(t0);
    ASSERT_FALSE(keys.ok());
    EXPECT_EQ(keys.error().code, Errc::timeout) << keys.error().message;
    EXPECT_NE(keys.error().message.find("loading resident keys"), std::string::npos)
        << keys.error().message;
    EXPECT_GE(took, 350);
    EXPECT_LT(took, 3000);
  }
}

// ---- skagent-keygen's token commands (keygen/manage_token.h) on a lying token

keygen::TokenRequest token_request(const HostileToken& t, keygen::TokenAction a) {
  keygen::TokenRequest r;
  r.action = a;
  r.device = t.device();
  r.sources.usb = r.sources.pcsc = false;
  r.timeout = milliseconds(5000);
  return r;
}

TEST(FidoHostileToken, TokenCommandsDeleteThatDeletesNothingIsAnError) {
  Claims c = claiming({{"ssh:work", {{Bytes{1}, Bytes(64, 1), cose_ed25519()}}}});
  c.delete_lies = true;
  std::vector<Bytes> enumerated;
  HostileToken t(credman_token(c, &enumerated));
  keygen::TokenRequest r = token_request(t, keygen::TokenAction::remove);
  r.target = "ssh:work";
  keygen::testing::FakeConsole con;
  con.secrets = {"1234"};
  con.confirmations = {true};
  auto s = keygen::run_token_command(con, r);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("said it deleted the key, but still lists it"),
            std::string::npos)
      << s.error().message;
  EXPECT_EQ(con.out_text.find("Deleted"), std::string::npos);
}

TEST(FidoHostileToken, TokenCommandsOversizedListsAreBounded) {
  // 300 relying parties, all enumerable: at most 256 are read, or an error.
  std::vector<ClaimedRp> rps;
  for (int i = 0; i < 300; i++)
    rps.push_back(
        {"ssh:rp" + std::to_string(i), {{Bytes{1}, Bytes(64, uint8_t(i)), cose_ed25519()}}});
  Claims c = claiming(rps);
  std::vector<Bytes> enumerated;
  HostileToken t(credman_token(c, &enumerated));
  auto t0 = Clock::now();
  keygen::testing::FakeConsole con;
  con.secrets = {"1234"};
  auto s = keygen::run_token_command(con, token_request(t, keygen::TokenAction::list));
  EXPECT_LT(ms_since(t0), 5500);
  EXPECT_LE(enumerated.size(), 256u);
  size_t lines = size_t(std::count(con.out_text.begin(), con.out_text.end(), '\n'));
  EXPECT_LE(lines, 1 + 2 * 256u) << (s ? "" : s.error().message);
  // One relying party claiming 100000 credentials: never more than it sent.
  Claims many = claiming(
      {{"ssh:many",
        {{Bytes{1}, Bytes(64, 1), cose_ed25519()}, {Bytes{2}, Bytes(64, 2), cose_ed25519()}}}});
  many.total_credentials = 100000;
  HostileToken t2(credman_token(many, &enumerated));
  keygen::testing::FakeConsole con2;
  con2.secrets = {"1234"};
  auto s2 = keygen::run_token_command(con2, token_request(t2, keygen::TokenAction::list));
  if (s2) {
    EXPECT_LE(size_t(std::count(con2.out_text.begin(), con2.out_text.end(), '\n')), 5u)
        << con2.out_text;
  } else {
    EXPECT_NE(s2.error().message.find("loading resident keys"), std::string::npos)
        << s2.error().message;
  }
}

TEST(FidoHostileToken, TokenCommandsNeverPrintATokensEscapes) {
  Claims c = claiming(
      {{"ssh:\x1b]0;owned\x07\x1b[2J", {{Bytes{'a', 0x1b, '['}, Bytes(64, 1), cose_ed25519()}}}});
  std::vector<Bytes> enumerated;
  HostileToken t(credman_token(c, &enumerated));
  keygen::testing::FakeConsole con;
  con.secrets = {"1234"};
  auto s = keygen::run_token_command(con, token_request(t, keygen::TokenAction::list));
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_NE(con.out_text.find("1 resident SSH key"), std::string::npos) << con.out_text;
  EXPECT_EQ(con.out_text.find('\x1b'), std::string::npos) << con.out_text;
  EXPECT_EQ(con.out_text.find('\x07'), std::string::npos) << con.out_text;
  EXPECT_NE(con.out_text.find("user \"0x611b5b\""), std::string::npos) << con.out_text;
}

}  // namespace
}  // namespace skagent::fido::testing
