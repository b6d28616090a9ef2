// SPDX-License-Identifier: BSD-2-Clause
// ML-DSA-44 and the ML-DSA-44+Ed25519 composite against OpenSSH 10.5's known-answer vectors
// (tests/ssh/testdata/README.md says where they come from), plus the rounding helpers
// checked exhaustively and tampered signatures refused.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "ssh/base64.h"
#include "ssh/mldsa44.h"
#include "ssh/mldsa44_ed25519.h"
#include "tests/common/hex.h"

namespace skagent {
namespace {

std::string read_testdata(const std::string& name) {
  auto path = std::filesystem::path(__FILE__).parent_path() / "testdata" / name;
  std::ifstream in(path);
  // Fail loudly: a missing vector file must not look like a pass.
  if (!in) ADD_FAILURE() << "missing test vectors " << path;
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Every string value of "key" in document order (the vector files are flat JSON).
std::vector<std::string> json_strings(const std::string& doc, const std::string& key) {
  std::vector<std::string> out;
  std::string needle = "\"" + key + "\"";
  for (size_t p = doc.find(needle); p != std::string::npos; p = doc.find(needle, p + 1)) {
    size_t open = doc.find('"', doc.find(':', p + needle.size()) + 1);
    size_t close = doc.find('"', open + 1);
    out.push_back(doc.substr(open + 1, close - open - 1));
  }
  return out;
}

using skagent::testing::from_hex;

Bytes sha3_256(ByteView b) {
  Bytes out(32);
  unsigned len = 0;
  EXPECT_EQ(EVP_Digest(b.data(), b.size(), out.data(), &len, EVP_sha3_256(), nullptr), 1);
  return out;
}

Bytes unb64(const std::string& s) {
  auto b = base64_decode(s);
  EXPECT_TRUE(b.ok()) << s;
  return b ? *b : Bytes{};
}

TEST(Mldsa44, NistKnownAnswers) {
  std::string doc = read_testdata("nistkats-44.json");
  auto seeds = json_strings(doc, "key_generation_seed");
  auto pk_hashes = json_strings(doc, "sha3_256_hash_of_verification_key");
  auto sk_hashes = json_strings(doc, "sha3_256_hash_of_signing_key");
  auto msgs = json_strings(doc, "message");
  auto rands = json_strings(doc, "signing_randomness");
  auto sig_hashes = json_strings(doc, "sha3_256_hash_of_signature");
  ASSERT_EQ(seeds.size(), 100u);
  ASSERT_EQ(pk_hashes.size(), seeds.size());
  ASSERT_EQ(sk_hashes.size(), seeds.size());
  ASSERT_EQ(msgs.size(), seeds.size());
  ASSERT_EQ(rands.size(), seeds.size());
  ASSERT_EQ(sig_hashes.size(), seeds.size());
  for (size_t i = 0; i < seeds.size(); i++) {
    SCOPED_TRACE("vector " + std::to_string(i));
    Bytes seed = from_hex(seeds[i]), msg = from_hex(msgs[i]), rnd = from_hex(rands[i]);
    Bytes pk(mldsa44::kPublicKeySize), sk(mldsa44::kSecretKeySize), sig(mldsa44::kSignatureSize);
    mldsa44::keygen(seed.data(), pk.data(), sk.data());
    EXPECT_EQ(sha3_256(pk), from_hex(pk_hashes[i]));
    EXPECT_EQ(sha3_256(sk), from_hex(sk_hashes[i]));
    ASSERT_TRUE(mldsa44::sign(sk.data(), msg, {}, rnd.data(), sig.data()));
    EXPECT_EQ(sha3_256(sig), from_hex(sig_hashes[i]));
    EXPECT_TRUE(mldsa44::verify(pk.data(), msg, {}, sig.data()));
    // A context string is part of what is signed.
    EXPECT_FALSE(mldsa44::verify(pk.data(), msg, view("x"), sig.data()));
  }
}

struct CompositeVector {
  Bytes m, ctx, pk, sk, s, s_ctx;
};

CompositeVector composite_vector() {
  std::string doc = read_testdata("draft-ietf-lamps-pq-composite-sigs.json");
  auto get = [&](const char* k) {
    auto v = json_strings(doc, k);
    EXPECT_EQ(v.size(), 1u) << k;
    return v.empty() ? Bytes{} : unb64(v[0]);
  };
  return {get("m"), get("ctx"), get("pk"), get("sk"), get("s"), get("sWithContext")};
}

TEST(Mldsa44Ed25519, KnownAnswerKeyAndSignatures) {
  auto v = composite_vector();
  ASSERT_EQ(v.pk.size(), mldsa44_ed25519::kPublicKeySize);
  ASSERT_EQ(v.sk.size(), mldsa44_ed25519::kSecretSize);
  ASSERT_EQ(v.s.size(), mldsa44_ed25519::kSignatureSize);
  ASSERT_EQ(v.s_ctx.size(), mldsa44_ed25519::kSignatureSize);
  auto pk = mldsa44_ed25519::public_key(v.sk);
  ASSERT_TRUE(pk.ok());
  EXPECT_EQ(*pk, v.pk);  // keys from the same seeds are byte-identical
  EXPECT_TRUE(mldsa44_ed25519::verify(v.pk, v.m, v.s));
  EXPECT_TRUE(mldsa44_ed25519::verify(v.pk, v.m, v.s_ctx, v.ctx));
  EXPECT_FALSE(mldsa44_ed25519::verify(v.pk, v.m, v.s, v.ctx));
  EXPECT_FALSE(mldsa44_ed25519::verify(v.pk, v.m, v.s_ctx));
  for (ByteView ctx : {ByteView(), ByteView(v.ctx)}) {
    auto sig = mldsa44_ed25519::sign(v.sk, v.m, ctx);
    ASSERT_TRUE(sig.ok());
    EXPECT_TRUE(mldsa44_ed25519::verify(v.pk, v.m, *sig, ctx));
    // Hedged: two signatures of the same message differ (the ML-DSA half).
    auto again = mldsa44_ed25519::sign(v.sk, v.m, ctx);
    ASSERT_TRUE(again.ok());
    EXPECT_NE(*sig, *again);
    // The Ed25519 half is deterministic.
    EXPECT_TRUE(equal(ByteView(*sig).subspan(2420), ByteView(*again).subspan(2420)));
  }
}

// Every single-byte change of the vector's signature, key or message is refused
// (OpenSSH's test flips bits the same way).
TEST(Mldsa44Ed25519, CorruptedSignaturesAndKeysRefused) {
  auto v = composite_vector();
  ASSERT_TRUE(mldsa44_ed25519::verify(v.pk, v.m, v.s));
  for (size_t i = 0; i < v.s.size(); i++) {
    Bytes bad = v.s;
    bad[i] ^= uint8_t(1u << (i % 8));
    ASSERT_FALSE(mldsa44_ed25519::verify(v.pk, v.m, bad)) << "signature byte " << i;
  }
  for (size_t i = 0; i < v.pk.size(); i += 7) {
    Bytes bad = v.pk;
    bad[i] ^= 0x40;
    ASSERT_FALSE(mldsa44_ed25519::verify(bad, v.m, v.s)) << "key byte " << i;
  }
  Bytes m = v.m;
  m.back() ^= 1;
  EXPECT_FALSE(mldsa44_ed25519::verify(v.pk, m, v.s));
  // Wrong sizes.
  EXPECT_FALSE(mldsa44_ed25519::verify(ByteView(v.pk).first(1343), v.m, v.s));
  EXPECT_FALSE(mldsa44_ed25519::verify(v.pk, v.m, ByteView(v.s).first(2483)));
  Bytes longer = v.s;
  longer.push_back(0);
  EXPECT_FALSE(mldsa44_ed25519::verify(v.pk, v.m, longer));
  EXPECT_FALSE(mldsa44_ed25519::sign(ByteView(v.sk).first(63), v.m).ok());
}

// Malformed hint encodings (FIPS 204 Algorithm 21's checks) are refused even when the rest
// of the signature is right.
TEST(Mldsa44, MalformedHintsRefused) {
  auto v = composite_vector();
  constexpr size_t kHints = 32 + 4 * 576;  // c̃ and z come first
  ByteView pk(v.pk.data(), mldsa44::kPublicKeySize);
  Bytes m_prime;  // verify() builds M' itself; use the raw ML-DSA API with the composite M'
  Bytes sk(mldsa44::kSecretKeySize), pkbuf(mldsa44::kPublicKeySize), sig(mldsa44::kSignatureSize);
  mldsa44::keygen(v.sk.data(), pkbuf.data(), sk.data());
  ASSERT_TRUE(equal(pkbuf, pk));
  uint8_t rnd[32] = {};
  ASSERT_TRUE(mldsa44::sign(sk.data(), v.m, {}, rnd, sig.data()));
  ASSERT_TRUE(mldsa44::verify(pkbuf.data(), v.m, {}, sig.data()));
  // A non-zero byte after the last used hint index.
  Bytes bad = sig;
  size_t used = bad[kHints + 80 + 3];
  ASSERT_LT(used, 80u);
  bad[kHints + 79] = 1;
  EXPECT_FALSE(mldsa44::verify(pkbuf.data(), v.m, {}, bad.data()));
  // A count past ω.
  bad = sig;
  bad[kHints + 80 + 3] = 81;
  EXPECT_FALSE(mldsa44::verify(pkbuf.data(), v.m, {}, bad.data()));
  // Decreasing counts.
  bad = sig;
  bad[kHints + 80 + 1] = uint8_t(bad[kHints + 80] == 0 ? 0 : bad[kHints + 80] - 1);
  if (bad[kHints + 80] != 0) {
    EXPECT_FALSE(mldsa44::verify(pkbuf.data(), v.m, {}, bad.data()));
  }
  // Deterministic signing (rnd = 0) repeats itself.
  Bytes sig2(mldsa44::kSignatureSize);
  ASSERT_TRUE(mldsa44::sign(sk.data(), v.m, {}, rnd, sig2.data()));
  EXPECT_EQ(sig, sig2);
  // A context over 255 bytes is refused.
  std::string long_ctx(256, 'c');
  EXPECT_FALSE(mldsa44::sign(sk.data(), v.m, view(long_ctx), rnd, sig2.data()));
  EXPECT_FALSE(mldsa44::verify(pkbuf.data(), v.m, view(long_ctx), sig.data()));
}

// Random keys and messages round-trip, and a signature does not verify for another message.
TEST(Mldsa44Ed25519, RandomRoundTrips) {
  for (int i = 0; i < 50; i++) {
    Bytes seed(64), msg(size_t(i * 37));
    ASSERT_EQ(RAND_bytes(seed.data(), 64), 1);
    if (!msg.empty()) {
      ASSERT_EQ(RAND_bytes(msg.data(), int(msg.size())), 1);
    }
    auto pk = mldsa44_ed25519::public_key(seed);
    auto sig = mldsa44_ed25519::sign(seed, msg);
    ASSERT_TRUE(pk.ok() && sig.ok());
    EXPECT_TRUE(mldsa44_ed25519::verify(*pk, msg, *sig));
    msg.push_back(0);
    EXPECT_FALSE(mldsa44_ed25519::verify(*pk, msg, *sig));
  }
}

}  // namespace
}  // namespace skagent

namespace skagent {
namespace {

// Decompose's division-free form against the definition, for every a in [0, q).
TEST(Mldsa44, DecomposeMatchesDefinitionEverywhere) {
  constexpr int32_t q = 8380417, two_gamma2 = (q - 1) / 44;
  for (int32_t a = 0; a < q; a++) {
    int32_t r0 = a % two_gamma2;
    if (r0 > two_gamma2 / 2) r0 -= two_gamma2;
    int32_t r1 = (a - r0) / two_gamma2;
    if (a - r0 == q - 1) r1 = 0, r0 -= 1;
    int32_t g1, g0;
    mldsa44::detail::decompose(a, g1, g0);
    if (g1 != r1 || g0 != r0) {
      FAIL() << "a=" << a << " got " << g1 << "," << g0 << " want " << r1 << "," << r0;
    }
  }
}

}  // namespace
}  // namespace skagent
