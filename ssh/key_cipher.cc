// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/key_cipher.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include <array>
#include <climits>
#include <memory>

#include "ssh/evp.h"

namespace skagent {

namespace {

using M = KeyCipher::Mode;

struct Entry {
  KeyCipher info;
  const EVP_CIPHER* (*evp)();
};

// OpenSSH's cipher table, minus transport-only details. "none" uses an
// 8-byte block, as OpenSSH pads unencrypted sections to 8.
constexpr std::array<Entry, 11> kCiphers = {{
    {{"none", M::none, 0, 0, 8, 0}, nullptr},
    {{"3des-cbc", M::plain, 24, 8, 8, 0}, EVP_des_ede3_cbc},
    {{"aes128-cbc", M::plain, 16, 16, 16, 0}, EVP_aes_128_cbc},
    {{"aes192-cbc", M::plain, 24, 16, 16, 0}, EVP_aes_192_cbc},
    {{"aes256-cbc", M::plain, 32, 16, 16, 0}, EVP_aes_256_cbc},
    {{"aes128-ctr", M::plain, 16, 16, 16, 0}, EVP_aes_128_ctr},
    {{"aes192-ctr", M::plain, 24, 16, 16, 0}, EVP_aes_192_ctr},
    {{"aes256-ctr", M::plain, 32, 16, 16, 0}, EVP_aes_256_ctr},
    {{"aes128-gcm@openssh.com", M::gcm, 16, 12, 16, 16}, EVP_aes_128_gcm},
    {{"aes256-gcm@openssh.com", M::gcm, 32, 12, 16, 16}, EVP_aes_256_gcm},
    // Two 256-bit keys; key files use only the first (no length header).
    {{"chacha20-poly1305@openssh.com", M::chachapoly, 64, 0, 8, 16}, nullptr},
}};

constexpr size_t kPolyKeyLen = 32;
constexpr size_t kPolyTagLen = 16;

using CipherCtx = evp::Owned<EVP_CIPHER_CTX>;

Error crypto_failure(const char* what) {
  return make_error(Errc::crypto, std::string("key cipher: ") + what + " failed");
}

const Entry* entry_for(const KeyCipher& c) {
  for (const Entry& e : kCiphers) {
    if (e.info.name == c.name) return &e;
  }
  return nullptr;
}

// Starts a cipher context with padding off: sections are whole blocks.
Result<CipherCtx> start(const EVP_CIPHER* cipher, ByteView key, ByteView iv, bool encrypt) {
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CipherInit_ex(ctx.get(), cipher, nullptr, nullptr, nullptr, encrypt) != 1 ||
      size_t(EVP_CIPHER_CTX_get_key_length(ctx.get())) != key.size() ||
      size_t(EVP_CIPHER_CTX_get_iv_length(ctx.get())) != iv.size() ||
      EVP_CipherInit_ex(ctx.get(), nullptr, nullptr, key.data(), iv.data(), encrypt) != 1 ||
      EVP_CIPHER_CTX_set_padding(ctx.get(), 0) != 1) {
    return crypto_failure("cipher setup");
  }
  return ctx;
}

// Runs the whole input through; `authenticated` says a failing final step
// is a tag mismatch (GCM) rather than an internal error.
Result<Bytes> update(EVP_CIPHER_CTX* ctx, ByteView in, bool authenticated = false) {
  if (in.size() > size_t(INT_MAX) - 64) return make_error(Errc::limit, "key section too large");
  Bytes out(in.size() + 64);
  int n = 0, tail = 0;
  if (EVP_CipherUpdate(ctx, out.data(), &n, in.data(), int(in.size())) != 1) {
    return crypto_failure("cipher update");
  }
  if (EVP_CipherFinal_ex(ctx, out.data() + n, &tail) != 1) {
    if (!authenticated) return crypto_failure("cipher final");
    return make_error(Errc::pin_invalid, "incorrect passphrase (integrity check failed)");
  }
  out.resize(size_t(n) + size_t(tail));
  return out;
}

// ChaCha20 (original 64-bit nonce form) at block `counter`, nonce 0, as
// OpenSSH's chacha20-poly1305 uses it for sequence number 0. OpenSSL's IV is
// the 32-bit little-endian counter followed by the nonce words.
Result<Bytes> chacha20(ByteView key, uint8_t counter, ByteView in) {
  uint8_t iv[16] = {counter};
  auto ctx = start(EVP_chacha20(), key, iv, true);
  if (!ctx) return ctx.error();
  return update(ctx->get(), in);
}

Result<Bytes> poly1305(ByteView key, ByteView data) {
  evp::Owned<EVP_MAC> mac(EVP_MAC_fetch(nullptr, "POLY1305", nullptr));
  if (!mac) return crypto_failure("Poly1305 fetch");
  evp::Owned<EVP_MAC_CTX> ctx(EVP_MAC_CTX_new(mac.get()));
  Bytes tag(kPolyTagLen);
  size_t len = 0;
  if (!ctx || EVP_MAC_init(ctx.get(), key.data(), key.size(), nullptr) != 1 ||
      EVP_MAC_update(ctx.get(), data.data(), data.size()) != 1 ||
      EVP_MAC_final(ctx.get(), tag.data(), &len, tag.size()) != 1 || len != tag.size()) {
    return crypto_failure("Poly1305");
  }
  return tag;
}

Result<Bytes> poly_key(ByteView main_key) {
  Bytes zeros(kPolyKeyLen, 0);
  return chacha20(main_key, 0, zeros);
}

Result<Bytes> chachapoly_encrypt(ByteView key, ByteView plain) {
  ByteView main_key = key.first(32);
  auto pk = poly_key(main_key);
  if (!pk) return pk.error();
  auto out = chacha20(main_key, 1, plain);
  if (!out) return out.error();
  auto tag = poly1305(*pk, *out);
  if (!tag) return tag.error();
  out->insert(out->end(), tag->begin(), tag->end());
  return out;
}

Result<Bytes> chachapoly_decrypt(ByteView key, ByteView ciphertext, ByteView tag) {
  ByteView main_key = key.first(32);
  auto pk = poly_key(main_key);
  if (!pk) return pk.error();
  auto expect = poly1305(*pk, ciphertext);
  if (!expect) return expect.error();
  if (!equal_ct(*expect, tag)) {
    return make_error(Errc::pin_invalid, "incorrect passphrase (integrity check failed)");
  }
  return chacha20(main_key, 1, ciphertext);
}

Result<Bytes> gcm_encrypt(const EVP_CIPHER* cipher, ByteView key, ByteView iv, ByteView plain) {
  auto ctx = start(cipher, key, iv, true);
  if (!ctx) return ctx.error();
  auto out = update(ctx->get(), plain);
  if (!out) return out.error();
  uint8_t tag[16];
  if (EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_GET_TAG, sizeof tag, tag) != 1) {
    return crypto_failure("GCM tag");
  }
  out->insert(out->end(), std::begin(tag), std::end(tag));
  return out;
}

Result<Bytes> gcm_decrypt(const EVP_CIPHER* cipher, ByteView key, ByteView iv, ByteView ciphertext,
                          ByteView tag) {
  auto ctx = start(cipher, key, iv, false);
  if (!ctx) return ctx.error();
  Bytes t = to_bytes(tag);  // the ctrl call takes a non-const pointer
  if (EVP_CIPHER_CTX_ctrl(ctx->get(), EVP_CTRL_GCM_SET_TAG, int(t.size()), t.data()) != 1) {
    return crypto_failure("GCM tag");
  }
  return update(ctx->get(), ciphertext, true);
}

Status check_sizes(const KeyCipher& c, ByteView key_iv, size_t data_len, size_t tag_len) {
  if (key_iv.size() != c.key_len + c.iv_len || tag_len != c.tag_len ||
      data_len % c.block_size != 0) {
    return make_error(Errc::internal, "key cipher: bad key, tag or data length");
  }
  return {};
}

}  // namespace

const KeyCipher* key_cipher_by_name(std::string_view name) {
  for (const Entry& e : kCiphers) {
    if (e.info.name == name) return &e.info;
  }
  return nullptr;
}

Result<Bytes> key_cipher_encrypt(const KeyCipher& c, ByteView key_iv, ByteView plain) {
  const Entry* e = entry_for(c);
  if (e == nullptr) return make_error(Errc::unsupported, "unknown key cipher");
  if (auto s = check_sizes(c, key_iv, plain.size(), c.tag_len); !s) return s.error();
  ByteView key = key_iv.first(c.key_len), iv = key_iv.subspan(c.key_len);
  switch (c.mode) {
    case M::none:
      return to_bytes(plain);
    case M::plain: {
      auto ctx = start(e->evp(), key, iv, true);
      if (!ctx) return ctx.error();
      return update(ctx->get(), plain);
    }
    case M::gcm:
      return gcm_encrypt(e->evp(), key, iv, plain);
    case M::chachapoly:
      return chachapoly_encrypt(key, plain);
  }
  return make_error(Errc::internal, "unreachable");
}

Result<Bytes> key_cipher_decrypt(const KeyCipher& c, ByteView key_iv, ByteView ciphertext,
                                 ByteView tag) {
  const Entry* e = entry_for(c);
  if (e == nullptr) return make_error(Errc::unsupported, "unknown key cipher");
  if (auto s = check_sizes(c, key_iv, ciphertext.size(), tag.size()); !s) return s.error();
  ByteView key = key_iv.first(c.key_len), iv = key_iv.subspan(c.key_len);
  switch (c.mode) {
    case M::none:
      return to_bytes(ciphertext);
    case M::plain: {
      auto ctx = start(e->evp(), key, iv, false);
      if (!ctx) return ctx.error();
      return update(ctx->get(), ciphertext);
    }
    case M::gcm:
      return gcm_decrypt(e->evp(), key, iv, ciphertext, tag);
    case M::chachapoly:
      return chachapoly_decrypt(key, ciphertext, tag);
  }
  return make_error(Errc::internal, "unreachable");
}

}  // namespace skagent
