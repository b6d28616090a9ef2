// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/command_line.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace skagent::keygen {
namespace {

Result<Options> parse(std::vector<std::string> args, const char* provider_env = nullptr) {
  std::vector<char*> argv;
  static std::string prog = "skagent-keygen";
  argv.push_back(prog.data());
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  return parse_command_line(int(argv.size() - 1), argv.data(), provider_env);
}

TEST(KeygenCommandLine, DefaultsToEd25519Generation) {
  auto o = parse({});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->mode, Mode::generate);
  EXPECT_EQ(o->key->type, KeyType::ed25519);
  EXPECT_EQ(o->provider, "internal");
  EXPECT_EQ(o->rounds, 16u);
  EXPECT_FALSE(o->new_passphrase);
  EXPECT_FALSE(o->file);
}

TEST(KeygenCommandLine, SecurityKeyWithOptions) {
  auto o = parse({"-t", "ed25519-sk", "-f", "/tmp/k", "-N", "", "-C", "my key", "-O", "resident",
                  "-O", "application=ssh:work", "-q"});
  ASSERT_TRUE(o) << o.error().message;
  EXPECT_EQ(o->key->type, KeyType::sk_ed25519);
  EXPECT_EQ(*o->file, "/tmp/k");
  ASSERT_TRUE(o->new_passphrase);
  EXPECT_EQ(*o->new_passphrase, "");  // empty passphrase allowed
  EXPECT_EQ(*o->comment, "my key");
  EXPECT_EQ(o->sk_options, (std::vector<std::string>{"resident", "application=ssh:work"}));
  EXPECT_TRUE(o->quiet);
}

TEST(KeygenCommandLine, KeyTypesAndSizes) {
  EXPECT_EQ(parse_key_spec("ecdsa-sk", 0)->type, KeyType::sk_ecdsa_p256);
  EXPECT_EQ(parse_key_spec("ED25519-SK", 0)->type, KeyType::sk_ed25519);
  EXPECT_EQ(parse_key_spec("ecdsa", 0)->type, KeyType::ecdsa_p256);
  EXPECT_EQ(parse_key_spec("ecdsa", 384)->type, KeyType::ecdsa_p384);
  EXPECT_EQ(parse_key_spec("ecdsa", 521)->type, KeyType::ecdsa_p521);
  EXPECT_EQ(parse_key_spec("ecdsa-sha2-nistp384", 0)->type, KeyType::ecdsa_p384);
  EXPECT_EQ(parse_key_spec("rsa", 0)->bits, 3072u);
  EXPECT_EQ(parse_key_spec("rsa", 2048)->bits, 2048u);
  EXPECT_EQ(parse_key_spec("ed25519", 999)->type, KeyType::ed25519);  // -b ignored

  auto e = parse_key_spec("ecdsa", 300);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "Invalid ECDSA key length: valid lengths are 256, 384 or 521 bits");
  e = parse_key_spec("rsa", 1024);
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message, "Invalid RSA key length: minimum is 2048 bits");
  EXPECT_FALSE(parse_key_spec("rsa", 16385));
  EXPECT_FALSE(parse_key_spec("dsa", 0));
  EXPECT_FALSE(parse_key_spec("foo", 0));
}

TEST(KeygenCommandLine, Modes) {
  EXPECT_EQ(parse({"-K"})->mode, Mode::download_resident);
  EXPECT_EQ(parse({"-l", "-f", "x"})->mode, Mode::fingerprint);
  EXPECT_EQ(parse({"-y", "-f", "x"})->mode, Mode::print_public);
  EXPECT_EQ(parse({"--list-devices"})->mode, Mode::list_devices);
  EXPECT_EQ(parse({"--help"})->mode, Mode::help);
  auto o = parse({"-l", "-v", "-E", "md5", "-f", "x"});
  ASSERT_TRUE(o);
  EXPECT_TRUE(o->verbose);
  EXPECT_EQ(o->hash, FingerprintHash::md5);
  EXPECT_EQ(parse({"-K", "-O", "device=/dev/hidraw0"})->sk_options.size(), 1u);
}

TEST(KeygenCommandLine, Refusals) {
  EXPECT_FALSE(parse({"-l", "-y"}));
  EXPECT_FALSE(parse({"-K", "-l"}));
  EXPECT_FALSE(parse({"extra"}));
  EXPECT_FALSE(parse({"-Z"}));
  EXPECT_FALSE(parse({"-f"}));
  EXPECT_FALSE(parse({"-b", "x"}));
  EXPECT_FALSE(parse({"-a", "0"}));
  EXPECT_FALSE(parse({"-E", "sha1"}));
  EXPECT_FALSE(parse({"-t", "ed25519", "-O", "resident"}));  // -O is for security keys
  EXPECT_FALSE(parse({"-l", "-O", "resident"}));
  EXPECT_FALSE(parse({"-K", "-t", "ed25519-sk"}));
  auto e = parse({"-t", "ecdsa", "-b", "123"});
  ASSERT_FALSE(e);
  EXPECT_NE(e.error().message.find("ECDSA"), std::string::npos);
}

TEST(KeygenCommandLine, ProviderFromFlagOrEnvironment) {
  EXPECT_EQ(parse({}, "/usr/lib/x.so")->provider, "/usr/lib/x.so");
  EXPECT_EQ(parse({"-w", "/a.so"}, "/usr/lib/x.so")->provider, "/a.so");
  EXPECT_EQ(parse({}, "")->provider, "internal");
}

TEST(KeygenCommandLine, ReparsesCleanly) {
  // getopt state is reset on every call.
  for (int i = 0; i < 3; i++) {
    auto o = parse({"-t", "rsa", "-b", "4096"});
    ASSERT_TRUE(o);
    EXPECT_EQ(o->key->bits, 4096u);
  }
}

}  // namespace
}  // namespace skagent::keygen
