// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/key_file.h"

#include <openssl/rand.h>

#include "ssh/base64.h"
#include "ssh/bcrypt_pbkdf.h"
#include "ssh/key_cipher.h"
#include "base/wire.h"

namespace skagent {

namespace {

constexpr std::string_view kBegin = "-----BEGIN OPENSSH PRIVATE KEY-----";
constexpr std::string_view kEnd = "-----END OPENSSH PRIVATE KEY-----";
constexpr std::string_view kMagic{"openssh-key-v1\0", 15};
constexpr size_t kSaltLen = 16;
constexpr size_t kLineWidth = 70;

Error malformed(std::string_view what) {
  return make_error(Errc::malformed, "invalid private key file: " + std::string(what));
}

// Names from a file go into error messages: keep them short and printable.
std::string quoted(std::string_view name) {
  bool printable = name.size() <= 64;
  for (char c : name) printable = printable && c >= 0x20 && c < 0x7f;
  return printable ? "\"" + std::string(name) + "\"" : std::string("(unprintable)");
}

// ---- armour ----------------------------------------------------------------

// Takes the next line (without "\n" or "\r\n") off the front of `text`.
std::string_view next_line(std::string_view& text) {
  size_t nl = text.find('\n');
  std::string_view line = text.substr(0, nl);
  text.remove_prefix(nl == std::string_view::npos ? text.size() : nl + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

// The base64 body between the BEGIN line (which must open the file, as
// OpenSSH requires) and the END line, decoded.
Result<Bytes> unarmor(ByteView file) {
  std::string_view text = as_string(file);
  if (next_line(text) != kBegin) return malformed("missing BEGIN OPENSSH PRIVATE KEY line");
  std::string body;
  body.reserve(text.size());  // no reallocation: the copy is wiped below
  Result<Bytes> out = malformed("missing END OPENSSH PRIVATE KEY line");
  while (!text.empty()) {
    std::string_view line = next_line(text);
    if (line == kEnd) {
      out = base64_decode(body);
      break;
    }
    body.append(line);
  }
  secure_wipe(body.data(), body.size());
  return out;
}

std::string armor(ByteView data) {
  std::string b64 = base64_encode(data);
  std::string out;
  out.reserve(b64.size() + b64.size() / kLineWidth + 2 * kBegin.size() + 8);
  out.append(kBegin).push_back('\n');
  for (size_t i = 0; i < b64.size(); i += kLineWidth) {
    out.append(b64, i, kLineWidth).push_back('\n');
  }
  out.append(kEnd).push_back('\n');
  secure_wipe(b64.data(), b64.size());
  return out;
}

// ---- envelope ----------------------------------------------------------------

// The unencrypted outer structure; views point into the decoded file.
struct Envelope {
  std::string cipher_name, kdf;
  const KeyCipher* cipher = nullptr;
  ByteView salt;
  uint32_t rounds = 0;
  ByteView public_blob, encrypted, tag;
};

Status parse_kdf_options(Envelope& env, ByteView options) {
  Reader r(options);
  if (env.kdf == "none") {
    return r.empty() ? Status{} : malformed("options given for KDF none");
  }
  if (!r.string(env.salt) || !r.u32(env.rounds) || !r.empty()) {
    return malformed("bad bcrypt KDF options");
  }
  if (env.salt.empty() || env.rounds == 0) return malformed("bcrypt salt or rounds are zero");
  return {};
}

// Cipher and KDF names must be known and consistent before their options
// or the sizes that depend on them are read.
Status check_algorithms(Envelope& env) {
  env.cipher = key_cipher_by_name(env.cipher_name);
  if (env.cipher == nullptr) {
    return make_error(Errc::unsupported, "unknown private key cipher " + quoted(env.cipher_name));
  }
  if (env.kdf != "none" && env.kdf != "bcrypt") {
    return make_error(Errc::unsupported, "unknown private key KDF " + quoted(env.kdf));
  }
  if ((env.kdf == "none") != (env.cipher_name == "none")) {
    return malformed("cipher and KDF disagree on whether the key is encrypted");
  }
  return {};
}

Result<Envelope> parse_envelope(ByteView decoded) {
  Reader r(decoded);
  Envelope env;
  ByteView magic, kdf_options;
  uint32_t nkeys = 0;
  if (!r.raw(kMagic.size(), magic) || as_string(magic) != kMagic) return malformed("bad magic");
  if (!r.cstring(env.cipher_name) || !r.cstring(env.kdf) || !r.string(kdf_options) ||
      !r.u32(nkeys)) {
    return malformed("truncated header");
  }
  if (auto s = check_algorithms(env); !s) return s.error();
  if (auto s = parse_kdf_options(env, kdf_options); !s) return s.error();
  if (nkeys != 1) return malformed("files must hold exactly one key");
  if (!r.string(env.public_blob) || !r.string(env.encrypted) ||
      !r.raw(env.cipher->tag_len, env.tag)) {
    return malformed("truncated key section");
  }
  if (!r.empty()) return malformed("trailing data after the key section");
  size_t bs = env.cipher->block_size;
  if (env.encrypted.size() < bs || env.encrypted.size() % bs != 0) {
    return malformed("private section is not a whole number of cipher blocks");
  }
  return env;
}

// ---- private section -----------------------------------------------------

Result<Bytes> decrypt_section(const Envelope& env, std::string_view passphrase) {
  const KeyCipher& c = *env.cipher;
  Bytes key_iv(c.key_len + c.iv_len);
  if (env.kdf == "bcrypt") {
    if (passphrase.empty()) return make_error(Errc::pin_required, "the key needs a passphrase");
    if (auto s = bcrypt_pbkdf(view(passphrase), env.salt, key_iv, env.rounds); !s) {
      return s.error();
    }
  }
  return key_cipher_decrypt(c, key_iv, env.encrypted, env.tag);
}

// Padding must be 1, 2, 3, ... so that nothing can hide after the comment.
bool padding_ok(ByteView pad) {
  for (size_t i = 0; i < pad.size(); i++) {
    if (pad[i] != uint8_t(i + 1)) return false;
  }
  return true;
}

bool same_key_and_cert(const PublicKey& a, const PublicKey& b) {
  if (a.is_cert() != b.is_cert() || !same_public_key(a, b)) return false;
  return !a.is_cert() || equal(a.cert->blob, b.cert->blob);
}

Result<LoadedPrivateKey> parse_section(const Envelope& env, ByteView section) {
  Reader r(section);
  uint32_t check1 = 0, check2 = 0;
  if (!r.u32(check1) || !r.u32(check2)) return malformed("truncated private section");
  if (check1 != check2) {
    if (env.kdf != "none") return make_error(Errc::pin_invalid, "incorrect passphrase");
    return malformed("check integers differ");
  }
  auto key = PrivateKey::read(r);
  if (!key) return key.error();
  std::string comment;
  if (!r.cstring(comment)) return malformed("truncated comment");
  if (!padding_ok(r.rest())) return malformed("bad padding");
  auto pub = parse_public_key(env.public_blob);
  if (!pub) return pub.error();
  if (!same_key_and_cert(*pub, key->public_key())) {
    return malformed("public key does not match the private key");
  }
  // A file is an outside input: refuse a secret that does not fit its key.
  if (auto s = key->validate(); !s) return s.error();
  return LoadedPrivateKey{std::move(key).value(), std::move(comment)};
}

// ---- writing ---------------------------------------------------------------

Result<uint32_t> random_u32() {
  uint8_t b[4];
  if (RAND_bytes(b, sizeof b) != 1) return make_error(Errc::crypto, "RAND_bytes failed");
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
}

Result<Bytes> private_section(const PrivateKey& key, std::string_view comment, size_t block) {
  auto check = random_u32();
  if (!check) return check.error();
  Writer w;
  w.u32(*check);
  w.u32(*check);
  key.write(w);
  w.string(comment);
  for (uint8_t i = 1; w.size() % block != 0; i++) w.u8(i);
  return w.take();
}

Status check_write_options(const KeyFileWriteOptions& o, std::string_view comment,
                           const KeyCipher*& cipher) {
  if (comment.find('\0') != std::string_view::npos) {
    return make_error(Errc::malformed, "a key comment cannot contain NUL");
  }
  cipher = key_cipher_by_name(o.passphrase.empty() ? "none" : o.cipher);
  if (cipher == nullptr) {
    return make_error(Errc::unsupported, "unknown private key cipher " + quoted(o.cipher));
  }
  if (!o.passphrase.empty() && (cipher->key_len == 0 || o.rounds == 0)) {
    return make_error(Errc::unsupported, "a passphrase needs a real cipher and rounds >= 1");
  }
  return {};
}

// Fills `key_iv` from the passphrase and a fresh salt; returns the KDF
// options to store (empty for an unencrypted file).
Result<Bytes> derive_write_key(const KeyFileWriteOptions& o, std::span<uint8_t> key_iv) {
  if (o.passphrase.empty()) return Bytes{};
  Bytes salt(kSaltLen);
  if (RAND_bytes(salt.data(), int(salt.size())) != 1) {
    return make_error(Errc::crypto, "RAND_bytes failed");
  }
  if (auto s = bcrypt_pbkdf(view(o.passphrase), salt, key_iv, o.rounds); !s) return s.error();
  Writer w;
  w.string(salt);
  w.u32(o.rounds);
  return w.take();
}

}  // namespace

Result<PrivateKeyFileInfo> inspect_private_key_file(ByteView text) {
  auto decoded = unarmor(text);
  if (!decoded) return decoded.error();
  auto env = parse_envelope(*decoded);
  if (!env) return env.error();
  auto pub = parse_public_key(env->public_blob);
  if (!pub) return pub.error();
  return PrivateKeyFileInfo{std::move(pub).value(), env->cipher_name, env->kdf, env->rounds};
}

Result<LoadedPrivateKey> read_private_key_file(ByteView text, std::string_view passphrase) {
  auto decoded = unarmor(text);
  if (!decoded) return decoded.error();
  auto env = parse_envelope(*decoded);
  if (!env) return env.error();
  auto section = decrypt_section(*env, passphrase);
  if (!section) return section.error();
  return parse_section(*env, *section);
}

Result<std::string> write_private_key_file(const PrivateKey& key, std::string_view comment,
                                           const KeyFileWriteOptions& options) {
  const KeyCipher* cipher = nullptr;
  if (auto s = check_write_options(options, comment, cipher); !s) return s.error();
  Bytes key_iv(cipher->key_len + cipher->iv_len);
  auto kdf_options = derive_write_key(options, key_iv);
  if (!kdf_options) return kdf_options.error();
  auto section = private_section(key, comment, cipher->block_size);
  if (!section) return section.error();
  auto sealed = key_cipher_encrypt(*cipher, key_iv, *section);
  if (!sealed) return sealed.error();

  Writer w;
  w.raw(view(kMagic));
  w.string(cipher->name);
  w.string(options.passphrase.empty() ? "none" : "bcrypt");
  w.string(*kdf_options);
  w.u32(1);
  w.string(key.public_key().blob());
  w.u32(uint32_t(section->size()));  // the tag follows, outside the length
  w.raw(*sealed);
  return armor(w.bytes());
}

// ---- public key lines ------------------------------------------------------

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r' || s.front() == '\n')) {
    s.remove_prefix(1);
  }
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r' || s.back() == '\n')) {
    s.remove_suffix(1);
  }
  return s;
}

// Splits off the first blank-separated word of `s`.
std::string_view next_word(std::string_view& s) {
  size_t end = 0;
  while (end < s.size() && !is_blank(s[end])) end++;
  std::string_view word = s.substr(0, end);
  s.remove_prefix(end);
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return word;
}

Error bad_line(std::string_view what) {
  return make_error(Errc::malformed, "invalid public key line: " + std::string(what));
}

}  // namespace

Result<PublicKeyLine> parse_public_key_line(std::string_view line) {
  std::string_view rest = trim(line);
  if (rest.find_first_of("\r\n") != std::string_view::npos) return bad_line("more than one line");
  std::string_view type = next_word(rest);
  std::string_view b64 = next_word(rest);
  if (type.empty() || b64.empty()) return bad_line("expected \"type base64 [comment]\"");
  bool is_cert = false;
  if (key_type_by_name(type, &is_cert) == nullptr) {
    return make_error(Errc::unsupported, "unknown key type " + quoted(type));
  }
  auto blob = base64_decode(b64);
  if (!blob) return blob.error();
  auto key = parse_public_key(*blob);
  if (!key) return key.error();
  if (key->type_name() != type) return bad_line("type word does not match the key");
  return PublicKeyLine{std::move(key).value(), std::string(rest)};
}

std::string format_public_key_line(const PublicKey& key, std::string_view comment) {
  std::string out(key.type_name());
  out.push_back(' ');
  out.append(base64_encode(key.blob()));
  if (!comment.empty()) out.append(" ").append(comment);
  return out;
}

}  // namespace skagent
