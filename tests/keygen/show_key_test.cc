// SPDX-License-Identifier: BSD-2-Clause
// Expected texts come from OpenSSH 9.2's ssh-keygen -l / -lv / -y on the same keys.
#include "keygen/show_key.h"

#include <gtest/gtest.h>

#include "keygen/key_files.h"
#include "ssh/key_file.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using testing::TempDir;

constexpr const char* kEd25519Pub =
    "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIIPzi2Ka3cPv9xKnQcGOzKx7PXF8zzLF24IzHJ55trV6 vec comment";
constexpr const char* kEd25519Fp = "SHA256:QIiLGwedi4PwmZidiKUqjVgXWuPvJ4xDdmTEaO9uAz4";
constexpr const char* kEd25519Art =
    "+--[ED25519 256]--+\n"
    "| . o +.          |\n"
    "|o = B.o          |\n"
    "|+% @ =.          |\n"
    "|% % o +.         |\n"
    "|oO . =  S        |\n"
    "|* . + +          |\n"
    "|.  + B           |\n"
    "|    E B .        |\n"
    "|     + +         |\n"
    "+----[SHA256]-----+";
constexpr const char* kSkEcdsaPub =
    "sk-ecdsa-sha2-nistp256@openssh.com "
    "AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBMTyDxLVqF4dbsx7S/"
    "D4v6hZStslQG84cxe99iVMipEnmIVFtgfva/zWyrS0TZuVZBAWBuT6UYbL1e75P+ZiP0MAAAAEc3NoOg== sk vec";
constexpr const char* kSkEcdsaArt =
    "+-[ECDSA-SK 256]--+\n"
    "|...  o .o        |\n"
    "|==. = ...o .     |\n"
    "|=ooo+.. o.o   .  |\n"
    "|. .o + o..   . . |\n"
    "|o.    ..S o . . E|\n"
    "|+  .. .. + + .   |\n"
    "| =.oB.  o . o    |\n"
    "|o.o=.= o         |\n"
    "|  . ..=.         |\n"
    "+----[SHA256]-----+";

void put(const std::string& path, const std::string& text, unsigned mode = 0600) {
  ASSERT_TRUE(write_file(path, view(text), mode, true));
}

TEST(KeygenShowKey, FingerprintLineAndRandomartMatchOpenSSH) {
  auto line = parse_public_key_line(kEd25519Pub);
  ASSERT_TRUE(line);
  std::string c = "vec comment";
  EXPECT_EQ(fingerprint_line(line->key, &c, FingerprintHash::sha256),
            std::string("256 ") + kEd25519Fp + " vec comment (ED25519)\n");
  EXPECT_EQ(fingerprint_line(line->key, &c, FingerprintHash::md5),
            "256 MD5:b4:45:0e:26:ac:5b:46:f4:35:d3:22:a5:a2:dc:8c:75 vec comment (ED25519)\n");
  EXPECT_EQ(fingerprint_line(line->key, nullptr, FingerprintHash::sha256),
            std::string("256 ") + kEd25519Fp + " no comment (ED25519)\n");
  EXPECT_EQ(randomart(line->key, FingerprintHash::sha256), kEd25519Art);

  auto sk = parse_public_key_line(kSkEcdsaPub);
  ASSERT_TRUE(sk);
  EXPECT_EQ(key_type_label(sk->key), "ECDSA-SK");
  EXPECT_EQ(randomart(sk->key, FingerprintHash::sha256), kSkEcdsaArt);
}

TEST(KeygenShowKey, FingerprintPublicFileForms) {
  TempDir d;
  put(d / "k.pub", std::string(kEd25519Pub) + "\n");
  auto out = fingerprint_file(d / "k.pub", FingerprintHash::sha256, false);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, std::string("256 ") + kEd25519Fp + " vec comment (ED25519)\n");

  // authorized_keys with options, a known_hosts line, comments and blank lines;
  // a key with no comment.
  std::string ed(kEd25519Pub);
  std::string bare = ed.substr(0, ed.find(' ', ed.find(' ') + 1));  // no comment
  put(d / "ak", "# comment\n\ncommand=\"echo a b\",no-pty " + ed + "\nhost.example,10.0.0.1 " +
                    bare + "\n" + bare + "\nnot a key\n");
  out = fingerprint_file(d / "ak", FingerprintHash::sha256, false);
  ASSERT_TRUE(out);
  std::string fp = std::string("256 ") + kEd25519Fp;
  EXPECT_EQ(*out, fp + " vec comment (ED25519)\n" + fp + " host.example,10.0.0.1 (ED25519)\n" + fp +
                      " no comment (ED25519)\n");

  out = fingerprint_file(d / "k.pub", FingerprintHash::sha256, true);
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, fp + " vec comment (ED25519)\n" + kEd25519Art + "\n");

  put(d / "junk", "hello\n");
  out = fingerprint_file(d / "junk", FingerprintHash::sha256, false);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message, d / "junk" + " is not a public key file.");
  EXPECT_FALSE(fingerprint_file(d / "missing", FingerprintHash::sha256, false));
}

TEST(KeygenShowKey, FingerprintPrivateFileUsesPubCommentElseOwn) {
  TempDir d;
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key);
  std::string fp = "256 " + fingerprint(key->public_key(), FingerprintHash::sha256);
  KeyPairFiles f;
  f.private_path = d / "id";
  f.comment = "inside";
  ASSERT_TRUE(save_key_pair(*key, f, false));
  // .pub with another comment: that one wins (ssh-keygen reads the .pub first).
  put(d / "id.pub", format_public_key_line(key->public_key(), "from pub") + "\n", 0644);
  EXPECT_EQ(*fingerprint_file(d / "id", FingerprintHash::sha256, false),
            fp + " from pub (ED25519)\n");
  // .pub without a comment: the .pub's file name is the comment.
  put(d / "id.pub", format_public_key_line(key->public_key(), "") + "\n", 0644);
  EXPECT_EQ(*fingerprint_file(d / "id", FingerprintHash::sha256, false),
            fp + " " + d / "id.pub" + " (ED25519)\n");
  // No .pub: the private key's own comment.
  unlink((d / "id.pub").c_str());
  EXPECT_EQ(*fingerprint_file(d / "id", FingerprintHash::sha256, false),
            fp + " inside (ED25519)\n");

  // Encrypted, no .pub: no passphrase is asked and there is no comment.
  f.private_path = d / "enc";
  f.passphrase = "pw";
  f.rounds = 2;
  ASSERT_TRUE(save_key_pair(*key, f, false));
  unlink((d / "enc.pub").c_str());
  EXPECT_EQ(*fingerprint_file(d / "enc", FingerprintHash::sha256, false),
            fp + " no comment (ED25519)\n");
}

TEST(KeygenShowKey, PrintPublicPlainAndEncrypted) {
  TempDir d;
  auto key = PrivateKey::generate(KeyType::ecdsa_p256);
  ASSERT_TRUE(key);
  std::string want = format_public_key_line(key->public_key(), "c o m") + "\n";
  KeyPairFiles f;
  f.private_path = d / "plain";
  f.comment = "c o m";
  ASSERT_TRUE(save_key_pair(*key, f, false));
  FakeConsole c;
  auto out = public_key_of_file(c, d / "plain", std::nullopt);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, want);
  EXPECT_TRUE(c.secret_prompts.empty());

  f.private_path = d / "enc";
  f.passphrase = "right";
  f.rounds = 2;
  ASSERT_TRUE(save_key_pair(*key, f, false));
  c.secrets = {"right"};
  out = public_key_of_file(c, d / "enc", std::nullopt);
  ASSERT_TRUE(out) << out.error().message;
  EXPECT_EQ(*out, want);
  EXPECT_EQ(c.secret_prompts, std::vector<std::string>{"Enter passphrase: "});

  c.secrets = {"wrong"};
  out = public_key_of_file(c, d / "enc", std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_EQ(out.error().message,
            "Load key \"" + d / "enc" + "\": incorrect passphrase supplied to decrypt private key");
  out = public_key_of_file(c, d / "enc", std::string("right"));  // -P
  ASSERT_TRUE(out);
  EXPECT_EQ(*out, want);

  // A comment-less key prints no trailing blank.
  f.private_path = d / "nocomment";
  f.comment = "";
  f.passphrase = "";
  ASSERT_TRUE(save_key_pair(*key, f, false));
  EXPECT_EQ(*public_key_of_file(c, d / "nocomment", std::nullopt),
            format_public_key_line(key->public_key(), "") + "\n");
}

TEST(KeygenShowKey, PrintPublicRefusesReadableByOthers) {
  TempDir d;
  auto key = PrivateKey::generate(KeyType::ed25519);
  KeyPairFiles f;
  f.private_path = d / "id";
  f.comment = "x";
  ASSERT_TRUE(save_key_pair(*key, f, false));
  chmod((d / "id").c_str(), 0644);
  FakeConsole c;
  auto out = public_key_of_file(c, d / "id", std::nullopt);
  ASSERT_FALSE(out);
  EXPECT_NE(out.error().message.find("UNPROTECTED PRIVATE KEY FILE"), std::string::npos);
  EXPECT_NE(out.error().message.find("Permissions 0644 for"), std::string::npos);
}

TEST(KeygenShowKey, SanitizeEscapesControlCharacters) {
  EXPECT_EQ(sanitize_for_terminal("plain text"), "plain text");
  EXPECT_EQ(sanitize_for_terminal("a\x1b[31mb"), "a\\033[31mb");
  EXPECT_EQ(sanitize_for_terminal("tab\tok\n"), "tab\tok\n");
}

}  // namespace
}  // namespace skagent::keygen

namespace skagent::keygen {
namespace {

// Hostile input: -l and -y on random bytes, truncated and mangled key files
// never crash and never succeed on garbage.
TEST(KeygenShowKey, HostileFilesAreRefused) {
  TempDir d;
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key);
  auto text = write_private_key_file(*key, "c");
  ASSERT_TRUE(text);
  std::string pub = format_public_key_line(key->public_key(), "c");
  uint32_t seed = 12345;
  auto next = [&] { return seed = seed * 1103515245u + 12345u; };
  FakeConsole c;
  for (int i = 0; i < 300; i++) {
    std::string s = (i % 2 == 0) ? *text : pub;
    switch (i % 3) {
      case 0:
        s.resize(next() % s.size());
        break;  // truncated
      case 1:
        s[next() % s.size()] = char(next());
        break;  // one byte changed
      default:
        for (auto& ch : s) ch = char(next() >> 8);
        break;  // noise
    }
    put(d / "f", s);
    auto l = fingerprint_file(d / "f", FingerprintHash::sha256, true);
    if (l) {
      EXPECT_NE(l->find(" (ED25519)\n"), std::string::npos);  // a key that still parses
    }
    c.secrets = {"x"};
    auto y = public_key_of_file(c, d / "f", std::nullopt);
    if (y) {
      EXPECT_EQ(y->substr(0, 12), "ssh-ed25519 ");
    }
  }
}

}  // namespace
}  // namespace skagent::keygen
