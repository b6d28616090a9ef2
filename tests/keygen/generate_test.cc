// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/generate.h"

#include <gtest/gtest.h>

#include "keygen/key_files.h"
#include "ssh/key_file.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using testing::FakeToken;
using testing::TempDir;

Options options_for(KeyType type, const std::string& file) {
  Options o;
  o.key = KeySpec{type, type == KeyType::rsa ? 2048u : 256u};
  o.file = file;
  o.comment = "test key";
  o.rounds = 2;
  return o;
}

auto no_token() {
  return []() -> Result<std::unique_ptr<SkToken>> {
    ADD_FAILURE() << "the token was opened";
    return make_error(Errc::internal, "no token");
  };
}

TEST(KeygenGenerate, SoftwareKeyWithOpenSSHMessages) {
  TempDir d;
  FakeConsole c;
  Options o = options_for(KeyType::ed25519, d / "id");
  o.new_passphrase = "";
  ASSERT_TRUE(run_generate(c, o, no_token()));
  auto key = read_private_key_file(*read_small_file(d / "id"), "");
  ASSERT_TRUE(key);
  EXPECT_EQ(key->comment, "test key");
  std::string fp = fingerprint(key->key.public_key(), FingerprintHash::sha256);
  EXPECT_EQ(c.out_text.substr(0, c.out_text.find("+--")),
            "Generating public/private ed25519 key pair.\n"
            "Your identification has been saved in " +
                d / "id" +
                "\n"
                "Your public key has been saved in " +
                d / "id.pub" +
                "\n"
                "The key fingerprint is:\n" +
                fp +
                " test key\n"
                "The key's randomart image is:\n");
  EXPECT_TRUE(c.secret_prompts.empty());
}

TEST(KeygenGenerate, AsksForThePassphraseTwice) {
  TempDir d;
  FakeConsole c;
  c.secrets = {"words", "words"};
  Options o = options_for(KeyType::ecdsa_p256, d / "id");
  o.quiet = true;
  ASSERT_TRUE(run_generate(c, o, no_token()));
  EXPECT_EQ(c.out_text, "");
  EXPECT_FALSE(read_private_key_file(*read_small_file(d / "id"), ""));
  EXPECT_TRUE(read_private_key_file(*read_small_file(d / "id"), "words"));
}

TEST(KeygenGenerate, ExistingFileWithoutTerminalTouchesNothing) {
  TempDir d;
  ASSERT_TRUE(write_file(d / "id.pub", view("keep"), 0644, false));
  FakeConsole c;
  c.terminal = false;
  Options o = options_for(KeyType::sk_ed25519, d / "id");
  o.new_passphrase = "";
  auto s = run_generate(c, o, no_token());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::denied);
  EXPECT_FALSE(path_exists(d / "id"));
  EXPECT_EQ(std::string(as_string(*read_small_file(d / "id.pub"))), "keep");
}

TEST(KeygenGenerate, SecurityKeyPassphraseBeforeTheTokenAndAttestation) {
  TempDir d;
  FakeConsole c;
  c.secrets = {"pw", "pw"};
  auto* token = new FakeToken;
  std::unique_ptr<SkToken> owned(token);
  bool asked_before = false;
  token->enrolls = {[&](const SkEnrollRequest& req) -> Result<SkEnrollResult> {
    asked_before = c.secret_prompts.size() == 2;  // both passphrase prompts done
    SkEnrollResult r;
    r.public_key = Bytes(32, 3);
    r.key_handle = Bytes{7};
    r.flags = req.flags;
    r.authdata = Bytes{1};
    return r;
  }};
  Options o = options_for(KeyType::sk_ed25519, d / "sk");
  o.sk_options = {"application=ssh:gen", "write-attestation=" + d / "att"};
  auto s =
      run_generate(c, o, [&]() -> Result<std::unique_ptr<SkToken>> { return std::move(owned); });
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_TRUE(asked_before);
  auto key = read_private_key_file(*read_small_file(d / "sk"), "pw");
  ASSERT_TRUE(key) << key.error().message;
  EXPECT_EQ(key->key.public_key().application, "ssh:gen");
  auto att = read_small_file(d / "att");
  ASSERT_TRUE(att);
  EXPECT_EQ(std::string(as_string(*att)).substr(4, 17), "ssh-sk-attest-v01");
  EXPECT_NE(c.out_text.find("Your FIDO attestation certificate has been saved in " + d / "att"),
            std::string::npos);
}

TEST(KeygenGenerate, BadSecurityKeyOptionRefusedBeforeAnything) {
  TempDir d;
  FakeConsole c;
  Options o = options_for(KeyType::sk_ecdsa_p256, d / "sk");
  o.sk_options = {"application=http:x"};
  auto s = run_generate(c, o, no_token());
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().message, "FIDO application string must begin with \"ssh:\"");
  EXPECT_EQ(c.out_text, "");
}

TEST(KeygenGenerate, DefaultFileAskedOnStandardInput) {
  TempDir d;
  FakeConsole c;
  c.lines = {""};
  Options o = options_for(KeyType::ed25519, "");
  o.home = d.path();
  o.file.reset();
  o.new_passphrase = "";
  o.quiet = true;
  Status s = run_generate(c, o, no_token());
  ASSERT_TRUE(s) << s.error().message;
  EXPECT_EQ(c.line_prompts, std::vector<std::string>{"Enter file in which to save the key (" +
                                                     d / ".ssh/id_ed25519" + "): "});
  EXPECT_TRUE(path_exists(d / ".ssh/id_ed25519.pub"));
}

}  // namespace
}  // namespace skagent::keygen
