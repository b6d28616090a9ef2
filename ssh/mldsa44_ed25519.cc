// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/mldsa44_ed25519.h"

#include <openssl/rand.h>

#include <memory>
#include <string_view>

#include "ssh/evp.h"
#include "ssh/mldsa44.h"

namespace skagent::mldsa44_ed25519 {

namespace {

constexpr std::string_view kPrefix = "CompositeAlgorithmSignatures2025";
constexpr std::string_view kLabel = "COMPSIG-MLDSA44-Ed25519-SHA512";
constexpr size_t kEd25519 = 32;
static_assert(kSecretSize == mldsa44::kSeedSize + kEd25519);
static_assert(kPublicKeySize == mldsa44::kPublicKeySize + kEd25519);
static_assert(kSignatureSize == mldsa44::kSignatureSize + 64);

// M' of draft-ietf-lamps-pq-composite-sigs (empty when ctx is too long).
Bytes message_prime(ByteView msg, ByteView ctx) {
  uint8_t hash[64];
  unsigned len = 0;
  if (ctx.size() > 255 ||
      EVP_Digest(msg.data(), msg.size(), hash, &len, EVP_sha512(), nullptr) != 1 || len != 64) {
    return {};
  }
  Bytes m;
  m.reserve(kPrefix.size() + kLabel.size() + 1 + ctx.size() + 64);
  m.insert(m.end(), kPrefix.begin(), kPrefix.end());
  m.insert(m.end(), kLabel.begin(), kLabel.end());
  m.push_back(uint8_t(ctx.size()));
  m.insert(m.end(), ctx.begin(), ctx.end());
  m.insert(m.end(), hash, hash + 64);
  return m;
}

evp::Pkey ed25519_private(ByteView seed) {
  return evp::Pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nullptr, seed.data(), seed.size()));
}

// The ML-DSA-44 secret key encoding, wiped when it goes.
struct MldsaSecret {
  uint8_t pk[mldsa44::kPublicKeySize];
  uint8_t sk[mldsa44::kSecretKeySize];
  uint8_t rnd[mldsa44::kRandomSize];
  ~MldsaSecret() {
    secure_wipe(sk, sizeof(sk));
    secure_wipe(rnd, sizeof(rnd));
  }
};

}  // namespace

Result<Bytes> public_key(ByteView secret) {
  if (secret.size() != kSecretSize)
    return make_error(Errc::malformed, "bad ML-DSA-44+Ed25519 secret size");
  auto m = std::make_unique<MldsaSecret>();
  mldsa44::keygen(secret.data(), m->pk, m->sk);
  auto ed = ed25519_private(secret.subspan(mldsa44::kSeedSize));
  Bytes pk(kPublicKeySize);
  size_t len = kEd25519;
  if (!ed ||
      EVP_PKEY_get_raw_public_key(ed.get(), pk.data() + mldsa44::kPublicKeySize, &len) != 1 ||
      len != kEd25519) {
    return evp::crypto_error("Ed25519 key from seed");
  }
  std::copy(m->pk, m->pk + mldsa44::kPublicKeySize, pk.begin());
  return pk;
}

Result<Bytes> sign(ByteView secret, ByteView msg, ByteView ctx, const uint8_t* rnd) {
  if (secret.size() != kSecretSize)
    return make_error(Errc::malformed, "bad ML-DSA-44+Ed25519 secret size");
  Bytes m_prime = message_prime(msg, ctx);
  if (m_prime.empty()) return make_error(Errc::crypto, "composite message representative");
  auto m = std::make_unique<MldsaSecret>();
  if (rnd != nullptr) {
    std::copy(rnd, rnd + mldsa44::kRandomSize, m->rnd);
  } else if (RAND_bytes(m->rnd, int(sizeof(m->rnd))) != 1) {
    return evp::crypto_error("randomness for ML-DSA signing");
  }
  Bytes sig(kSignatureSize);
  mldsa44::keygen(secret.data(), m->pk, m->sk);
  if (!mldsa44::sign(m->sk, m_prime, view(kLabel), m->rnd, sig.data())) {
    return make_error(Errc::crypto, "ML-DSA-44 signing failed");
  }
  auto ed = ed25519_private(secret.subspan(mldsa44::kSeedSize));
  if (!ed) return evp::crypto_error("Ed25519 key from seed");
  auto ed_sig = evp::sign(ed.get(), nullptr, m_prime);
  if (!ed_sig) return ed_sig.error();
  if (ed_sig->size() != 64) return make_error(Errc::crypto, "bad Ed25519 signature size");
  std::copy(ed_sig->begin(), ed_sig->end(), sig.begin() + mldsa44::kSignatureSize);
  return sig;
}

bool verify(ByteView public_key, ByteView msg, ByteView signature, ByteView ctx) {
  if (public_key.size() != kPublicKeySize || signature.size() != kSignatureSize) return false;
  Bytes m_prime = message_prime(msg, ctx);
  if (m_prime.empty()) return false;
  if (!mldsa44::verify(public_key.data(), m_prime, view(kLabel), signature.data())) return false;
  evp::Pkey ed(EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nullptr,
                                           public_key.data() + mldsa44::kPublicKeySize, kEd25519));
  return ed && evp::verify(ed.get(), nullptr, signature.subspan(mldsa44::kSignatureSize), m_prime);
}

}  // namespace skagent::mldsa44_ed25519
