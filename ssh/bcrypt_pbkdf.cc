// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/bcrypt_pbkdf.h"

#include <openssl/evp.h>

#include <array>

#include "ssh/blowfish.h"

namespace skagent {

namespace {

constexpr size_t kHashLen = 32;  // one bcrypt_hash output
constexpr size_t kSha512Len = 64;
using Sha512 = std::array<uint8_t, kSha512Len>;
using Block = std::array<uint8_t, kHashLen>;

Sha512 sha512(ByteView a, ByteView b = {}) {
  Sha512 md{};
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  unsigned len = 0;
  // Failure of these calls is an allocation failure; the zero digest left
  // behind cannot match anything, so a wrong key is the worst outcome.
  if (ctx != nullptr && EVP_DigestInit_ex(ctx, EVP_sha512(), nullptr) == 1 &&
      EVP_DigestUpdate(ctx, a.data(), a.size()) == 1 &&
      EVP_DigestUpdate(ctx, b.data(), b.size()) == 1) {
    EVP_DigestFinal_ex(ctx, md.data(), &len);
  }
  EVP_MD_CTX_free(ctx);
  return md;
}

// bcrypt's core on pre-hashed inputs: an expensive key schedule, then 64
// encryptions of a fixed text. The words come out little-endian, as OpenBSD's do.
Block bcrypt_hash(const Sha512& pass, const Sha512& salt) {
  static constexpr char kText[] = "OxychromaticBlowfishSwatDynamite";
  Blowfish bf;
  bf.expand(salt, pass);
  for (int i = 0; i < 64; i++) {
    bf.expand(salt);
    bf.expand(pass);
  }
  uint32_t words[kHashLen / 4];
  for (size_t i = 0; i < kHashLen / 4; i++) {
    const auto* p = reinterpret_cast<const uint8_t*>(kText) + 4 * i;
    words[i] = (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | p[3];
  }
  for (int i = 0; i < 64; i++) {
    for (size_t j = 0; j < kHashLen / 4; j += 2) bf.encrypt(words[j], words[j + 1]);
  }
  Block out;
  for (size_t i = 0; i < kHashLen / 4; i++) {
    for (int b = 0; b < 4; b++) out[4 * i + b] = uint8_t(words[i] >> (8 * b));
  }
  secure_wipe(words, sizeof words);
  return out;
}

// One output block: `rounds` chained bcrypt_hash calls, XORed together.
Block derive_block(const Sha512& pass, ByteView salt, uint32_t count, uint32_t rounds) {
  const uint8_t be_count[4] = {uint8_t(count >> 24), uint8_t(count >> 16), uint8_t(count >> 8),
                               uint8_t(count)};
  Sha512 s = sha512(salt, be_count);
  Block tmp = bcrypt_hash(pass, s);
  Block acc = tmp;
  for (uint32_t r = 1; r < rounds; r++) {
    s = sha512(tmp);
    tmp = bcrypt_hash(pass, s);
    for (size_t i = 0; i < kHashLen; i++) acc[i] ^= tmp[i];
  }
  secure_wipe(s.data(), s.size());
  secure_wipe(tmp.data(), tmp.size());
  return acc;
}

}  // namespace

Status bcrypt_pbkdf(ByteView password, ByteView salt, std::span<uint8_t> out, uint32_t rounds) {
  if (rounds < 1 || password.empty() || salt.empty() || out.empty() ||
      out.size() > kHashLen * kHashLen || salt.size() > (size_t{1} << 20)) {
    return make_error(Errc::malformed, "bcrypt_pbkdf: parameters out of range");
  }
  // Output bytes are interleaved across blocks ("stride") so that every
  // block must be computed to learn any contiguous part of the key.
  const size_t stride = (out.size() + kHashLen - 1) / kHashLen;
  const size_t per_block = (out.size() + stride - 1) / stride;
  Sha512 pass = sha512(password);
  for (size_t block = 0; block < stride; block++) {
    Block b = derive_block(pass, salt, uint32_t(block + 1), rounds);
    for (size_t i = 0; i < per_block; i++) {
      size_t dest = i * stride + block;
      if (dest < out.size()) out[dest] = b[i];
    }
    secure_wipe(b.data(), b.size());
  }
  secure_wipe(pass.data(), pass.size());
  return {};
}

}  // namespace skagent
