// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/key_files.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "ssh/key_file.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using testing::TempDir;

std::string slurp(const std::string& path) {
  auto b = read_small_file(path);
  return b ? std::string(as_string(*b)) : std::string("<missing>");
}

unsigned mode_of(const std::string& path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0 ? unsigned(st.st_mode & 07777) : 0;
}

TEST(KeygenKeyFiles, WriteNeverReplacesUnlessAsked) {
  TempDir d;
  std::string p = d / "f";
  ASSERT_TRUE(write_file(p, view("one"), 0600, false));
  EXPECT_EQ(slurp(p), "one");
  EXPECT_EQ(mode_of(p), 0600u);
  auto s = write_file(p, view("two"), 0600, false);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::exists);
  EXPECT_EQ(slurp(p), "one");
  ASSERT_TRUE(write_file(p, view("three"), 0644, true));
  EXPECT_EQ(slurp(p), "three");
  EXPECT_EQ(mode_of(p), 0644u);
  // No temporary files left behind.
  size_t n = 0;
  for ([[maybe_unused]] auto& e : std::filesystem::directory_iterator(d.path())) n++;
  EXPECT_EQ(n, 1u);
}

TEST(KeygenKeyFiles, WriteRefusesSymlinkTarget) {
  TempDir d;
  std::string target = d / "target";
  std::string link = d / "link";
  ASSERT_EQ(symlink(target.c_str(), link.c_str()), 0);
  EXPECT_FALSE(write_file(link, view("x"), 0600, false));
  EXPECT_FALSE(path_exists(target));
}

TEST(KeygenKeyFiles, ReadMissingAndTooLarge) {
  TempDir d;
  auto r = read_small_file(d / "nope");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::not_found);
  ASSERT_TRUE(write_file(d / "big", view(std::string(100, 'x')), 0600, false));
  r = read_small_file(d / "big", 10);
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, Errc::limit);
}

TEST(KeygenKeyFiles, ConfirmOverwriteAsksOnlyForExistingFiles) {
  TempDir d;
  FakeConsole c;
  auto yes = confirm_overwrite(c, {d / "a", d / "a.pub"});
  ASSERT_TRUE(yes);
  EXPECT_TRUE(*yes);
  EXPECT_TRUE(c.confirm_prompts.empty());

  ASSERT_TRUE(write_file(d / "a", view("x"), 0600, false));
  c.confirmations = {false};
  yes = confirm_overwrite(c, {d / "a", d / "a.pub"});
  ASSERT_TRUE(yes);
  EXPECT_FALSE(*yes);
  EXPECT_EQ(c.out_text, d / "a" + " already exists.\n");
  EXPECT_EQ(c.confirm_prompts, std::vector<std::string>{"Overwrite (y/n)? "});

  // Both a key and its .pub exist: one question, naming the first.
  ASSERT_TRUE(write_file(d / "a.pub", view("x"), 0644, false));
  c.out_text.clear();
  c.confirm_prompts.clear();
  c.confirmations = {true};
  yes = confirm_overwrite(c, {d / "a", d / "a.pub"});
  ASSERT_TRUE(yes);
  EXPECT_TRUE(*yes);
  EXPECT_EQ(c.out_text, d / "a" + " already exists.\n");
  EXPECT_EQ(c.confirm_prompts.size(), 1u);

  // No terminal: refused, never overwritten silently.
  c.terminal = false;
  yes = confirm_overwrite(c, {d / "a"});
  ASSERT_FALSE(yes);
  EXPECT_EQ(yes.error().code, Errc::denied);
  EXPECT_NE(yes.error().message.find("no terminal"), std::string::npos);
}

TEST(KeygenKeyFiles, SaveKeyPairRoundTrips) {
  TempDir d;
  auto key = PrivateKey::generate(KeyType::ed25519);
  ASSERT_TRUE(key);
  KeyPairFiles f{
      .private_path = d / "id", .comment = "me@host", .passphrase = "secret words", .rounds = 4};
  ASSERT_TRUE(save_key_pair(*key, f, false));
  EXPECT_EQ(mode_of(d / "id"), 0600u);
  EXPECT_EQ(mode_of(d / "id.pub"), 0644u);

  auto text = read_small_file(d / "id");
  ASSERT_TRUE(text);
  auto info = inspect_private_key_file(*text);
  ASSERT_TRUE(info);
  EXPECT_EQ(info->cipher, "aes256-ctr");
  EXPECT_EQ(info->kdf, "bcrypt");
  EXPECT_EQ(info->rounds, 4u);
  auto loaded = read_private_key_file(*text, "secret words");
  ASSERT_TRUE(loaded) << loaded.error().message;
  EXPECT_EQ(loaded->comment, "me@host");
  EXPECT_TRUE(same_public_key(loaded->key.public_key(), key->public_key()));

  auto line = parse_public_key_line(slurp(d / "id.pub"));
  ASSERT_TRUE(line);
  EXPECT_EQ(line->comment, "me@host");
  EXPECT_TRUE(same_public_key(line->key, key->public_key()));
  EXPECT_EQ(slurp(d / "id.pub").back(), '\n');

  // Saving again without permission fails and leaves the files alone.
  std::string before = slurp(d / "id");
  EXPECT_FALSE(save_key_pair(*key, f, false));
  EXPECT_EQ(slurp(d / "id"), before);
}

TEST(KeygenKeyFiles, UnencryptedWhenPassphraseEmpty) {
  TempDir d;
  auto key = PrivateKey::generate(KeyType::ecdsa_p384);
  ASSERT_TRUE(key);
  ASSERT_TRUE(save_key_pair(*key, KeyPairFiles{.private_path = d / "id", .comment = ""}, false));
  auto text = read_small_file(d / "id");
  auto info = inspect_private_key_file(*text);
  ASSERT_TRUE(info);
  EXPECT_FALSE(info->encrypted());
  EXPECT_TRUE(read_private_key_file(*text, ""));
}

TEST(KeygenKeyFiles, DefaultPaths) {
  const std::string home = "/home/someone";
  EXPECT_EQ(default_key_path(home, KeyType::sk_ed25519), "/home/someone/.ssh/id_ed25519_sk");
  EXPECT_EQ(default_key_path(home, KeyType::sk_ecdsa_p256), "/home/someone/.ssh/id_ecdsa_sk");
  EXPECT_EQ(default_key_path(home, KeyType::ecdsa_p521), "/home/someone/.ssh/id_ecdsa");
  EXPECT_EQ(default_key_path(home, KeyType::rsa), "/home/someone/.ssh/id_rsa");
  EXPECT_EQ(default_key_path(home, KeyType::dsa), "/home/someone/.ssh/id_dsa");
  EXPECT_EQ(default_key_path(home, KeyType::ed25519), "/home/someone/.ssh/id_ed25519");
  EXPECT_EQ(default_key_path(home, KeyType::mldsa44_ed25519),
            "/home/someone/.ssh/id_mldsa44_ed25519");
}

TEST(KeygenKeyFiles, HomeFromTheEnvironmentValueElseThePasswordDatabase) {
  EXPECT_EQ(home_directory("/home/someone"), "/home/someone");
  std::string fallback = home_directory(nullptr);
  EXPECT_FALSE(fallback.empty());
  EXPECT_EQ(home_directory(""), fallback);
}

TEST(KeygenKeyFiles, NewPassphraseAskedTwice) {
  FakeConsole c;
  c.secrets = {"a", "b", "pw", "pw"};
  auto p = ask_new_passphrase(c);
  ASSERT_TRUE(p);
  EXPECT_EQ(p->view(), "pw");
  EXPECT_EQ(c.out_text, "Passphrases do not match.  Try again.\n");
  EXPECT_EQ(c.secret_prompts.front(), "Enter passphrase (empty for no passphrase): ");
  EXPECT_EQ(c.secret_prompts[1], "Enter same passphrase again: ");
}

}  // namespace
}  // namespace skagent::keygen
