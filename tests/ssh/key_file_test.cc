// SPDX-License-Identifier: BSD-2-Clause
#include "ssh/key_file.h"

#include <gtest/gtest.h>

#include <cctype>
#include <memory>
#include <optional>
#include <sstream>

#include "ssh/base64.h"
#include "ssh/key_cipher.h"
#include "tests/ssh/openssh_tools.h"

namespace skagent {
namespace {

namespace ot = openssh_tools;
namespace fs = std::filesystem;

const std::string kPass = "correct horse battery staple";

Bytes serialize(const PrivateKey& k) {
  Writer w;
  k.write(w);
  return w.take();
}

std::string public_line(const fs::path& pub_file) {
  std::string s = ot::read_file(pub_file);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

// ---- files made by ssh-keygen, and files ssh-keygen reads back -----------

// Keys are generated once per type for the whole suite (RSA is slow).
class KeyFileVsKeygen : public ::testing::TestWithParam<ot::KeySpec> {
 protected:
  static void SetUpTestSuite() { dir_ = new ot::TempDir; }
  static void TearDownTestSuite() {
    delete dir_;
    dir_ = nullptr;
  }

  // An ssh-keygen key of this type, unencrypted or with kPass (-a 4).
  fs::path keygen_file(bool encrypted) {
    fs::path p = *dir_ / (ot::spec_name(GetParam()) + (encrypted ? "-enc" : "-plain"));
    if (!fs::exists(p)) {
      EXPECT_TRUE(ot::keygen(p, GetParam().type, GetParam().bits, encrypted ? kPass : "",
                             "comment of " + ot::spec_name(GetParam())));
    }
    return p;
  }

  static std::optional<LoadedPrivateKey> load(const fs::path& p, std::string_view pass) {
    auto r = read_private_key_file(view(ot::read_file(p)), pass);
    EXPECT_TRUE(r.ok()) << p << ": " << (r ? "" : r.error().message);
    if (!r) return std::nullopt;
    return std::move(r).value();
  }

  fs::path scratch(const std::string& name) { return *dir_ / (ot::spec_name(GetParam()) + name); }

  static inline ot::TempDir* dir_ = nullptr;
};

TEST_P(KeyFileVsKeygen, ReadsUnencryptedKeygenFile) {
  fs::path file = keygen_file(false);
  auto k = load(file, "");
  ASSERT_TRUE(k);
  EXPECT_EQ(k->comment, "comment of " + ot::spec_name(GetParam()));
  auto pub = parse_public_key_line(ot::read_file(file.string() + ".pub"));
  ASSERT_TRUE(pub.ok()) << pub.error().message;
  EXPECT_EQ(k->key.public_key().blob(), pub->key.blob());
  EXPECT_EQ(pub->comment, k->comment);

  EXPECT_TRUE(k->key.validate().ok());
  if (!k->key.is_security_key()) {  // sk keys sign on their token, not here
    Bytes data = to_bytes(view("sign me"));
    auto sig = k->key.sign(data);
    ASSERT_TRUE(sig.ok()) << sig.error().message;
    EXPECT_TRUE(verify_signature(pub->key, *sig, data).ok());
  } else {
    EXPECT_FALSE(k->key.sk_key_handle().empty());
    EXPECT_EQ(k->key.public_key().application, "ssh:");
  }

  auto info = inspect_private_key_file(view(ot::read_file(file)));
  ASSERT_TRUE(info.ok());
  EXPECT_FALSE(info->encrypted());
  EXPECT_EQ(info->cipher, "none");
  EXPECT_EQ(info->kdf, "none");
  EXPECT_EQ(info->public_key.blob(), pub->key.blob());
}

TEST_P(KeyFileVsKeygen, ReadsEncryptedKeygenFile) {
  fs::path file = keygen_file(true);
  std::string text = ot::read_file(file);
  auto info = inspect_private_key_file(view(text));
  ASSERT_TRUE(info.ok()) << info.error().message;
  EXPECT_TRUE(info->encrypted());
  EXPECT_EQ(info->cipher, "aes256-ctr");
  EXPECT_EQ(info->kdf, "bcrypt");
  EXPECT_EQ(info->rounds, 4u);

  EXPECT_EQ(read_private_key_file(view(text), "").error().code, Errc::pin_required);
  EXPECT_EQ(read_private_key_file(view(text), "wrong").error().code, Errc::pin_invalid);
  EXPECT_EQ(read_private_key_file(view(text), kPass + " ").error().code, Errc::pin_invalid);

  auto k = load(file, kPass);
  ASSERT_TRUE(k);
  auto pub = parse_public_key_line(ot::read_file(file.string() + ".pub"));
  ASSERT_TRUE(pub.ok());
  EXPECT_EQ(k->key.public_key().blob(), pub->key.blob());
  EXPECT_EQ(info->public_key.blob(), pub->key.blob());
  EXPECT_EQ(k->comment, "comment of " + ot::spec_name(GetParam()));
}

TEST_P(KeyFileVsKeygen, SshKeygenReadsOurUnencryptedFile) {
  auto k = load(keygen_file(false), "");
  ASSERT_TRUE(k);
  auto text = write_private_key_file(k->key, "written by skagent");
  ASSERT_TRUE(text.ok()) << text.error().message;
  fs::path out = scratch("-ours-plain");
  ot::write_file(out, *text);
  auto r = ot::run("ssh-keygen -y -f " + ot::quote(out.string()) + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, format_public_key_line(k->key.public_key(), "written by skagent") + "\n");
}

TEST_P(KeyFileVsKeygen, SshKeygenReadsOurEncryptedFile) {
  auto k = load(keygen_file(false), "");
  ASSERT_TRUE(k);
  auto text = write_private_key_file(k->key, "enc", {.passphrase = kPass, .rounds = 4});
  ASSERT_TRUE(text.ok()) << text.error().message;
  fs::path out = scratch("-ours-enc");
  ot::write_file(out, *text);
  auto good =
      ot::run("ssh-keygen -y -P " + ot::quote(kPass) + " -f " + ot::quote(out.string()) + " 2>&1");
  ASSERT_EQ(good.status, 0) << good.output;
  EXPECT_EQ(good.output, format_public_key_line(k->key.public_key(), "enc") + "\n");
  auto bad = ot::run("ssh-keygen -y -P wrong -f " + ot::quote(out.string()) + " 2>&1");
  EXPECT_NE(bad.status, 0);
  EXPECT_NE(bad.output.find("incorrect passphrase"), std::string::npos) << bad.output;

  // ssh-keygen -p re-encrypts our file: its full parse (comment, padding)
  // and its own writer must agree with ours.
  ASSERT_EQ(ot::run("ssh-keygen -q -p -P " + ot::quote(kPass) + " -N '' -f " +
                    ot::quote(out.string()) + " >/dev/null 2>&1")
                .status,
            0);
  auto back = load(out, "");
  ASSERT_TRUE(back);
  EXPECT_EQ(back->comment, "enc");
  EXPECT_EQ(serialize(back->key), serialize(k->key));
}

TEST_P(KeyFileVsKeygen, RoundTripsThroughOurWriter) {
  auto k = load(keygen_file(false), "");
  ASSERT_TRUE(k);
  for (std::string_view pass : {std::string_view(), std::string_view("pw")}) {
    auto text = write_private_key_file(k->key, "round trip", {.passphrase = pass, .rounds = 2});
    ASSERT_TRUE(text.ok()) << text.error().message;
    auto back = read_private_key_file(view(*text), pass);
    ASSERT_TRUE(back.ok()) << back.error().message;
    EXPECT_EQ(back->comment, "round trip");
    EXPECT_EQ(serialize(back->key), serialize(k->key));
  }
}

TEST_P(KeyFileVsKeygen, PublicKeyLinesRoundTrip) {
  fs::path file = keygen_file(false);
  fs::path ca = *dir_ / "ca";
  if (!fs::exists(ca)) {
    ASSERT_TRUE(ot::keygen(ca, "ed25519", 0));
  }
  ASSERT_EQ(ot::run("ssh-keygen -q -s " + ot::quote(ca.string()) + " -I id -n bob " +
                    ot::quote(file.string() + ".pub") + " >/dev/null 2>&1")
                .status,
            0);
  for (std::string suffix : {".pub", "-cert.pub"}) {
    std::string line = public_line(file.string() + suffix);
    auto parsed = parse_public_key_line(line + "\n");
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    EXPECT_EQ(parsed->key.is_cert(), suffix == "-cert.pub");
    EXPECT_EQ(format_public_key_line(parsed->key, parsed->comment), line);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTypes, KeyFileVsKeygen, ::testing::ValuesIn(ot::kAllKeySpecs),
                         [](const auto& param_info) { return ot::spec_name(param_info.param); });

// ---- every cipher, both directions ------------------------------------------

const char* const kCiphers[] = {
    "aes256-ctr",
    "aes192-ctr",
    "aes128-ctr",
    "aes256-cbc",
    "aes192-cbc",
    "aes128-cbc",
    "3des-cbc",
    "aes256-gcm@openssh.com",
    "aes128-gcm@openssh.com",
    "chacha20-poly1305@openssh.com",
};

class KeyFileCiphers : public ::testing::TestWithParam<const char*> {};

TEST_P(KeyFileCiphers, ReadsKeygenOutput) {
  ot::TempDir dir;
  fs::path file = dir / "id";
  ASSERT_TRUE(ot::keygen(file, "ed25519", 0));
  auto plain = read_private_key_file(view(ot::read_file(file)), "");
  ASSERT_TRUE(plain.ok()) << plain.error().message;
  ASSERT_EQ(ot::run("ssh-keygen -q -p -a 2 -Z " + ot::quote(GetParam()) + " -P '' -N " +
                    ot::quote(kPass) + " -f " + ot::quote(file.string()) + " >/dev/null 2>&1")
                .status,
            0);
  std::string text = ot::read_file(file);
  auto info = inspect_private_key_file(view(text));
  ASSERT_TRUE(info.ok());
  EXPECT_EQ(info->cipher, GetParam());
  auto k = read_private_key_file(view(text), kPass);
  ASSERT_TRUE(k.ok()) << k.error().message;
  EXPECT_EQ(serialize(k->key), serialize(plain->key));
  EXPECT_EQ(read_private_key_file(view(text), "nope").error().code, Errc::pin_invalid);
}

TEST_P(KeyFileCiphers, KeygenReadsOurOutput) {
  auto key = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(key.ok());
  auto text =
      write_private_key_file(*key, "c", {.passphrase = kPass, .cipher = GetParam(), .rounds = 2});
  ASSERT_TRUE(text.ok()) << text.error().message;
  ot::TempDir dir;
  ot::write_file(dir / "id", *text);
  auto r = ot::run("ssh-keygen -y -P " + ot::quote(kPass) + " -f " +
                   ot::quote((dir / "id").string()) + " 2>&1");
  ASSERT_EQ(r.status, 0) << r.output;
  EXPECT_EQ(r.output, format_public_key_line(key->public_key(), "c") + "\n");
  auto back = read_private_key_file(view(*text), kPass);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(serialize(back->key), serialize(*key));
}

INSTANTIATE_TEST_SUITE_P(All, KeyFileCiphers, ::testing::ValuesIn(kCiphers),
                         [](const auto& param_info) {
                           std::string n = param_info.param;
                           for (char& c : n) {
                             if (!isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return n;
                         });

TEST(KeyFileWrite, Layout) {
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key.ok());
  auto text = write_private_key_file(*key, std::string(100, 'x'));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->rfind("-----BEGIN OPENSSH PRIVATE KEY-----\n", 0), 0u);
  EXPECT_TRUE(text->ends_with("\n-----END OPENSSH PRIVATE KEY-----\n"));
  std::istringstream lines(*text);
  std::string line;
  size_t n = 0;
  while (std::getline(lines, line)) {
    if (line.starts_with("-----")) continue;
    EXPECT_LE(line.size(), 70u);
    n++;
  }
  EXPECT_GT(n, 2u);
}

TEST(KeyFileWrite, RejectsBadOptions) {
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(write_private_key_file(*key, "", {.passphrase = "pw", .cipher = "rot13"}).error().code,
            Errc::unsupported);
  EXPECT_FALSE(write_private_key_file(*key, "", {.passphrase = "pw", .cipher = "none"}).ok());
  EXPECT_FALSE(write_private_key_file(*key, "", {.passphrase = "pw", .rounds = 0}).ok());
  EXPECT_FALSE(write_private_key_file(*key, std::string("a\0b", 3)).ok());
}

// ---- hostile files ---------------------------------------------------------

// Builds openssh-key-v1 files field by field, so each test can break one.
struct FileParts {
  std::string magic{"openssh-key-v1\0", 15};
  std::string cipher = "none", kdf = "none";
  Bytes kdf_options;
  uint32_t nkeys = 1;
  Bytes public_blob;
  Bytes section;                        // as stored (already encrypted if the cipher is not none)
  Bytes after;                          // bytes after the section (tag, or garbage)
  std::optional<uint32_t> section_len;  // overrides the real length

  Bytes encode() const {
    Writer w;
    w.raw(view(magic));
    w.string(cipher);
    w.string(kdf);
    w.string(kdf_options);
    w.u32(nkeys);
    w.string(public_blob);
    w.u32(section_len.value_or(uint32_t(section.size())));
    w.raw(section);
    w.raw(after);
    return w.take();
  }
};

std::string armor(ByteView data) {
  std::string b64 = base64_encode(data), out = "-----BEGIN OPENSSH PRIVATE KEY-----\n";
  for (size_t i = 0; i < b64.size(); i += 70) out += b64.substr(i, 70) + "\n";
  return out + "-----END OPENSSH PRIVATE KEY-----\n";
}

Bytes dearmor(const std::string& text) {
  std::string body;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.starts_with("-----")) body += line;
  }
  auto b = base64_decode(body);
  EXPECT_TRUE(b.ok());
  return b ? *b : Bytes{};
}

// check1, check2, key, comment, then `padding` (default: 1, 2, ... to 8).
Bytes section(const PrivateKey& key, std::string_view comment, uint32_t c1 = 0x11223344,
              uint32_t c2 = 0x11223344, std::optional<Bytes> padding = std::nullopt) {
  Writer w;
  w.u32(c1);
  w.u32(c2);
  key.write(w);
  w.string(comment);
  if (padding) {
    w.raw(*padding);
  } else {
    for (uint8_t i = 1; w.size() % 8 != 0; i++) w.u8(i);
  }
  return w.take();
}

class HostileKeyFile : public ::testing::Test {
 protected:
  void SetUp() override {
    auto k = PrivateKey::generate(KeyType::ed25519);
    ASSERT_TRUE(k.ok());
    key_ = std::make_unique<PrivateKey>(std::move(k).value());
    good_.public_blob = key_->public_key().blob();
    good_.section = section(*key_, "comment");
  }

  Result<LoadedPrivateKey> read(const FileParts& p, std::string_view pass = "") {
    return read_private_key_file(view(armor(p.encode())), pass);
  }

  void expect_error(const FileParts& p, Errc code, const char* what) {
    auto r = read(p);
    ASSERT_FALSE(r.ok()) << what;
    EXPECT_EQ(r.error().code, code) << what << ": " << r.error().message;
  }

  std::unique_ptr<PrivateKey> key_;
  FileParts good_;
};

TEST_F(HostileKeyFile, BaselineIsAccepted) {
  auto r = read(good_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->comment, "comment");
}

TEST_F(HostileKeyFile, EveryTruncatedTextFails) {
  std::string text = armor(good_.encode());
  // Dropping only the final newline is harmless; anything more is not.
  ASSERT_TRUE(read_private_key_file(view(text.substr(0, text.size() - 1)), "").ok());
  for (size_t n = 0; n + 2 <= text.size(); n++) {
    EXPECT_FALSE(read_private_key_file(view(text.substr(0, n)), "").ok()) << n;
  }
}

TEST_F(HostileKeyFile, EveryTruncatedBlobFails) {
  Bytes full = good_.encode();
  for (size_t n = 0; n < full.size(); n++) {
    auto r = read_private_key_file(view(armor(ByteView(full).first(n))), "");
    EXPECT_FALSE(r.ok()) << n;
  }
}

TEST_F(HostileKeyFile, ByteFlipsNeverCrash) {
  Bytes full = good_.encode();
  size_t accepted = 0;
  for (size_t i = 0; i < full.size(); i++) {
    for (uint8_t x : {0x01, 0x80, 0xff}) {
      Bytes b = full;
      b[i] ^= x;
      if (read_private_key_file(view(armor(b)), "").ok()) accepted++;
    }
  }
  // Only the comment's letters (and check integers flipped alike) can change
  // harmlessly; the key, lengths and structure cannot.
  EXPECT_LE(accepted, 3 * std::string("comment").size());
}

TEST_F(HostileKeyFile, BadMagic) {
  FileParts p = good_;
  p.magic = std::string("openssh-key-v2\0", 15);
  expect_error(p, Errc::malformed, "v2 magic");
  p.magic = "openssh-key-v1";  // no NUL
  expect_error(p, Errc::malformed, "magic without NUL");
}

TEST_F(HostileKeyFile, LengthsPastTheEnd) {
  FileParts p = good_;
  p.section_len = uint32_t(p.section.size() + 8);
  expect_error(p, Errc::malformed, "section length past the end");
  p.section_len = 0xffffffff;
  expect_error(p, Errc::malformed, "huge section length");

  Bytes blob = good_.encode();
  blob[15 + 3] = 0xff;  // cipher name length 0x000000ff
  EXPECT_FALSE(read_private_key_file(view(armor(blob)), "").ok());
  blob[15] = 0xff;  // 0xff0000ff
  EXPECT_FALSE(read_private_key_file(view(armor(blob)), "").ok());

  // A string inside the private section that runs past its end.
  Writer w;
  w.u32(1);
  w.u32(1);
  w.string("ssh-ed25519");
  w.u32(0x7fffffff);
  p = good_;
  p.section = w.take();
  while (p.section.size() % 8) p.section.push_back(0);
  expect_error(p, Errc::malformed, "key field past the end");
}

TEST_F(HostileKeyFile, KeyCountMustBeOne) {
  for (uint32_t n : {0u, 2u, 0xffffffffu}) {
    FileParts p = good_;
    p.nkeys = n;
    expect_error(p, Errc::malformed, "nkeys");
  }
}

TEST_F(HostileKeyFile, WrongCheckIntegers) {
  FileParts p = good_;
  p.section = section(*key_, "comment", 1, 2);
  expect_error(p, Errc::malformed, "unencrypted check mismatch");
}

TEST_F(HostileKeyFile, Padding) {
  // Find a comment that leaves at least 3 bytes of padding.
  std::string comment = "c";
  while (section(*key_, comment, 1, 1, Bytes{}).size() % 8 > 5) comment += "c";
  size_t pad = 8 - section(*key_, comment, 1, 1, Bytes{}).size() % 8;
  ASSERT_GE(pad, 3u);
  FileParts p = good_;
  Bytes bad_pad(pad);
  for (size_t i = 0; i < pad; i++) bad_pad[i] = uint8_t(i + 1);
  bad_pad.back() ^= 0x40;
  p.section = section(*key_, comment, 1, 1, bad_pad);
  expect_error(p, Errc::malformed, "bad padding byte");
  p.section = section(*key_, comment, 1, 1, Bytes(pad, 0));
  expect_error(p, Errc::malformed, "zero padding");
  // Garbage after the comment, dressed as padding.
  Bytes junk = to_bytes(view("garbage!"));
  for (size_t i = 0; i < pad; i++) junk.push_back(uint8_t(i + 1));
  p.section = section(*key_, comment, 1, 1, junk);
  expect_error(p, Errc::malformed, "garbage before padding");
  // Longer padding that still counts up is accepted, as by OpenSSH.
  Bytes long_pad(pad + 8);
  for (size_t i = 0; i < long_pad.size(); i++) long_pad[i] = uint8_t(i + 1);
  p.section = section(*key_, comment, 1, 1, long_pad);
  EXPECT_TRUE(read(p).ok());
}

TEST_F(HostileKeyFile, SectionNotWholeBlocks) {
  FileParts p = good_;
  p.section.resize(p.section.size() - 4);
  expect_error(p, Errc::malformed, "section length not a multiple of 8");
  p.section.clear();
  expect_error(p, Errc::malformed, "empty section");
}

TEST_F(HostileKeyFile, TrailingGarbage) {
  FileParts p = good_;
  p.after = to_bytes(view("trailing"));
  expect_error(p, Errc::malformed, "bytes after the section");
  // Text after the END line is ignored, as OpenSSH does.
  std::string text = armor(good_.encode()) + "some trailing text\n";
  EXPECT_TRUE(read_private_key_file(view(text), "").ok());
}

TEST_F(HostileKeyFile, UnknownCipherOrKdf) {
  FileParts p = good_;
  p.cipher = "aes256-xts";
  expect_error(p, Errc::unsupported, "unknown cipher");
  p = good_;
  p.cipher = "aes256-ctr";
  p.kdf = "scrypt";
  expect_error(p, Errc::unsupported, "unknown kdf");
  p = good_;
  p.cipher = "aes256-ctr";  // encrypted cipher without a KDF
  expect_error(p, Errc::malformed, "cipher without kdf");
  p = good_;
  p.kdf = "bcrypt";  // KDF with cipher none
  Writer opts;
  opts.string("0123456789abcdef");
  opts.u32(4);
  p.kdf_options = opts.take();
  expect_error(p, Errc::malformed, "kdf without cipher");
  p = good_;
  p.kdf_options = to_bytes(view("x"));
  expect_error(p, Errc::malformed, "options for kdf none");
}

TEST_F(HostileKeyFile, PublicKeyMustMatch) {
  auto other = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(other.ok());
  FileParts p = good_;
  p.public_blob = other->public_key().blob();
  expect_error(p, Errc::malformed, "public key of another key");
  p.public_blob = to_bytes(view("not a key"));
  EXPECT_FALSE(read(p).ok());
  // A secret that does not belong to its (consistent) public key.
  auto forged = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(forged.ok());
  forged->set_public_key(other->public_key());
  p = good_;
  p.public_blob = other->public_key().blob();
  p.section = section(*forged, "forged");
  EXPECT_FALSE(read(p).ok());
}

TEST_F(HostileKeyFile, Armour) {
  std::string text = armor(good_.encode());
  EXPECT_FALSE(read_private_key_file(view("\n" + text), "").ok());
  EXPECT_FALSE(read_private_key_file(view(" " + text), "").ok());
  std::string no_end = text.substr(0, text.find("-----END"));
  EXPECT_FALSE(read_private_key_file(view(no_end), "").ok());
  std::string bad_char = text;
  bad_char[40] = '*';
  EXPECT_FALSE(read_private_key_file(view(bad_char), "").ok());
  std::string end_suffix = text.substr(0, text.size() - 1) + " x\n";
  EXPECT_FALSE(read_private_key_file(view(end_suffix), "").ok());
  std::string rsa_pem = "-----BEGIN RSA PRIVATE KEY-----\nAAAA\n-----END RSA PRIVATE KEY-----\n";
  EXPECT_FALSE(read_private_key_file(view(rsa_pem), "").ok());
  EXPECT_FALSE(read_private_key_file(view(""), "").ok());
  // CRLF line ends are tolerated.
  std::string crlf;
  for (char c : text) crlf += (c == '\n') ? std::string("\r\n") : std::string(1, c);
  EXPECT_TRUE(read_private_key_file(view(crlf), "").ok());
}

// Offsets of the stored section in an encrypted file written by us.
struct Located {
  Bytes blob;
  size_t section_at = 0, section_len = 0, tag_len = 0;
};

Located locate(const std::string& text, const KeyCipher& c) {
  Located l;
  l.blob = dearmor(text);
  Reader r(l.blob);
  ByteView skip;
  uint32_t n = 0;
  EXPECT_TRUE(r.raw(15, skip) && r.string(skip) && r.string(skip) && r.string(skip) && r.u32(n) &&
              r.string(skip) && r.u32(n));
  l.section_at = r.position();
  l.section_len = n;
  l.tag_len = c.tag_len;
  return l;
}

TEST_F(HostileKeyFile, EncryptedTampering) {
  for (const char* cipher :
       {"aes256-ctr", "aes256-cbc", "aes256-gcm@openssh.com", "chacha20-poly1305@openssh.com"}) {
    SCOPED_TRACE(cipher);
    auto text =
        write_private_key_file(*key_, "c", {.passphrase = "pw", .cipher = cipher, .rounds = 1});
    ASSERT_TRUE(text.ok());
    ASSERT_TRUE(read_private_key_file(view(*text), "pw").ok());
    EXPECT_EQ(read_private_key_file(view(*text), "pW").error().code, Errc::pin_invalid);
    Located l = locate(*text, *key_cipher_by_name(cipher));

    Bytes b = l.blob;
    b[l.section_at] ^= 0x01;  // first byte of check1
    EXPECT_EQ(read_private_key_file(view(armor(b)), "pw").error().code, Errc::pin_invalid);
    if (l.tag_len != 0) {
      b = l.blob;
      b.back() ^= 0x01;  // last tag byte
      EXPECT_EQ(read_private_key_file(view(armor(b)), "pw").error().code, Errc::pin_invalid);
      b = l.blob;
      b.pop_back();  // short tag
      EXPECT_EQ(read_private_key_file(view(armor(b)), "pw").error().code, Errc::malformed);
    } else {
      b = l.blob;
      b.push_back(0);  // bytes after an untagged section
      EXPECT_EQ(read_private_key_file(view(armor(b)), "pw").error().code, Errc::malformed);
    }
  }
}

TEST_F(HostileKeyFile, BadKdfOptions) {
  auto make = [&](ByteView salt, uint32_t rounds, ByteView extra) {
    FileParts p = good_;
    p.cipher = "aes256-ctr";
    p.kdf = "bcrypt";
    Writer w;
    w.string(salt);
    w.u32(rounds);
    w.raw(extra);
    p.kdf_options = w.take();
    p.section.resize(32);
    return p;
  };
  Bytes salt(16, 7);
  // Sanity: well-formed options reach decryption (and fail on the checkints).
  EXPECT_EQ(read(make(salt, 1, {}), "pw").error().code, Errc::pin_invalid);
  EXPECT_EQ(read(make(salt, 0, {}), "pw").error().code, Errc::malformed);
  EXPECT_EQ(read(make({}, 1, {}), "pw").error().code, Errc::malformed);
  EXPECT_EQ(read(make(salt, 1, view("x")), "pw").error().code, Errc::malformed);
  FileParts p = make(salt, 1, {});
  p.kdf_options.resize(10);  // truncated options
  EXPECT_EQ(read(p, "pw").error().code, Errc::malformed);
}

// ---- public key lines ------------------------------------------------------

const char* const kEd25519Line =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKIaPzzIyrf+peHH0L56XpqGvsX4dedNVJA2zNcTrLK9";

TEST(PublicKeyLine, CommentsAndWhitespace) {
  auto a = parse_public_key_line(kEd25519Line);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->comment, "");
  auto b = parse_public_key_line(std::string("  ") + kEd25519Line + "\tuser@host  a b\r\n");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->comment, "user@host  a b");
  EXPECT_EQ(b->key.blob(), a->key.blob());
  EXPECT_EQ(format_public_key_line(b->key, b->comment),
            std::string(kEd25519Line) + " user@host  a b");
  EXPECT_EQ(format_public_key_line(a->key, ""), kEd25519Line);
}

TEST(PublicKeyLine, Rejects) {
  std::string b64 = ot::field(kEd25519Line, 1);
  EXPECT_EQ(parse_public_key_line("ssh-ed25519").error().code, Errc::malformed);
  EXPECT_EQ(parse_public_key_line("").error().code, Errc::malformed);
  EXPECT_EQ(parse_public_key_line("ssh-foo " + b64).error().code, Errc::unsupported);
  EXPECT_EQ(parse_public_key_line("ssh-rsa " + b64).error().code, Errc::malformed);
  EXPECT_EQ(parse_public_key_line("ssh-ed25519-cert-v01@openssh.com " + b64).error().code,
            Errc::malformed);
  EXPECT_FALSE(parse_public_key_line("ssh-ed25519 " + b64.substr(0, b64.size() - 4)).ok());
  EXPECT_FALSE(parse_public_key_line("ssh-ed25519 " + b64 + "AAAA").ok());  // trailing bytes
  EXPECT_FALSE(parse_public_key_line("ssh-ed25519 *" + b64.substr(1)).ok());
  EXPECT_FALSE(parse_public_key_line(std::string(kEd25519Line) + "\n" + kEd25519Line).ok());
  EXPECT_FALSE(parse_public_key_line("# comment line").ok());
}

}  // namespace
}  // namespace skagent
