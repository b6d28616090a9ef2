// SPDX-License-Identifier: BSD-2-Clause
#include "agent/keys/key_shield.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ssh/evp.h"

#include <algorithm>
#include <memory>

namespace skagent {

namespace {

constexpr size_t kTag = 16;

struct CipherCtx {
  EVP_CIPHER_CTX* ctx = EVP_CIPHER_CTX_new();
  ~CipherCtx() { EVP_CIPHER_CTX_free(ctx); }
};

// The derived AES-256 key, wiped when it goes out of scope.
struct Derived {
  uint8_t bytes[32];
  ~Derived() { secure_wipe(bytes, sizeof(bytes)); }
};

}  // namespace

Result<std::unique_ptr<KeyShield>> KeyShield::create() {
  auto prekey = LockedBuffer::create(kPrekeySize);
  if (!prekey) return prekey.error();
  if (RAND_bytes((*prekey)->data(), int((*prekey)->size())) != 1)
    return make_error(Errc::crypto, "no randomness for the key-shield pre-key");
  const EVP_MD* sha256 = evp::fetched_md(evp::FetchedMd::sha256);
  if (sha256 == nullptr) return make_error(Errc::crypto, "SHA-256 unavailable");
  EVP_CIPHER* aes = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
  if (aes == nullptr) return make_error(Errc::crypto, "AES-256-GCM unavailable");
  return std::unique_ptr<KeyShield>(new KeyShield(std::move(*prekey), sha256, aes));
}

KeyShield::~KeyShield() { EVP_CIPHER_free(aes_); }

void KeyShield::derive(ByteView nonce, uint8_t out[32]) const {
  EVP_MD_CTX* md = EVP_MD_CTX_new();
  unsigned int len = 0;
  EVP_DigestInit_ex(md, sha256_, nullptr);
  EVP_DigestUpdate(md, nonce.data(), nonce.size());
  EVP_DigestUpdate(md, prekey_->data(), prekey_->size());
  EVP_DigestFinal_ex(md, out, &len);
  EVP_MD_CTX_free(md);
}

Result<ShieldedSecret> KeyShield::shield(ByteView secret) const {
  ShieldedSecret s;
  if (RAND_bytes(s.nonce.data(), int(s.nonce.size())) != 1) {
    return make_error(Errc::crypto, "no randomness for key shielding");
  }
  Derived d;
  derive(s.nonce, d.bytes);
  CipherCtx c;
  s.ciphertext.resize(secret.size() + kTag);
  int len = 0, fin = 0;
  bool ok =
      c.ctx && EVP_EncryptInit_ex(c.ctx, aes_, nullptr, d.bytes, s.nonce.data()) &&
      EVP_EncryptUpdate(c.ctx, s.ciphertext.data(), &len, secret.data(), int(secret.size())) &&
      EVP_EncryptFinal_ex(c.ctx, s.ciphertext.data() + len, &fin) &&
      EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_GET_TAG, kTag, s.ciphertext.data() + secret.size());
  if (!ok) return make_error(Errc::crypto, "key shielding failed");
  return s;
}

Result<Bytes> KeyShield::unshield(const ShieldedSecret& s) const {
  if (s.ciphertext.size() < kTag) return make_error(Errc::internal, "bad shielded key");
  size_t n = s.ciphertext.size() - kTag;
  Derived d;
  derive(s.nonce, d.bytes);
  CipherCtx c;
  Bytes out(n);
  int len = 0, fin = 0;
  uint8_t tag[kTag];  // the GCM tag is public
  std::copy(s.ciphertext.begin() + long(n), s.ciphertext.end(), tag);
  bool ok = c.ctx && EVP_DecryptInit_ex(c.ctx, aes_, nullptr, d.bytes, s.nonce.data()) &&
            EVP_DecryptUpdate(c.ctx, out.data(), &len, s.ciphertext.data(), int(n)) &&
            EVP_CIPHER_CTX_ctrl(c.ctx, EVP_CTRL_GCM_SET_TAG, kTag, tag) &&
            EVP_DecryptFinal_ex(c.ctx, out.data() + len, &fin);
  if (!ok) return make_error(Errc::crypto, "shielded key failed its integrity check");
  return out;
}

}  // namespace skagent
