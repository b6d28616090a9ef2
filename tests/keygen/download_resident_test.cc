// SPDX-License-Identifier: BSD-2-Clause
#include "keygen/download_resident.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <clocale>

#include "keygen/key_files.h"
#include "ssh/key_file.h"
#include "tests/common/p256.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using testing::FakeToken;
using testing::TempDir;

Bytes user_id(std::string_view s, size_t pad_to = 32) {
  Bytes b(s.begin(), s.end());
  b.resize(std::max(pad_to, b.size()), 0);
  return b;
}

TEST(KeygenResidentNames, FollowOpenSSH) {
  EXPECT_EQ(resident_key_file_name(KeyType::sk_ed25519, "ssh:", user_id("")), "id_ed25519_sk_rk");
  EXPECT_EQ(resident_key_file_name(KeyType::sk_ecdsa_p256, "ssh:", Bytes{}), "id_ecdsa_sk_rk");
  EXPECT_EQ(resident_key_file_name(KeyType::sk_ed25519, "ssh:work", user_id("")),
            "id_ed25519_sk_rk_work");
  EXPECT_EQ(resident_key_file_name(KeyType::sk_ed25519, "ssh://host.example", user_id("")),
            "id_ed25519_sk_rk_host.example");
  EXPECT_EQ(resident_key_file_name(KeyType::sk_ed25519, "ssh:", user_id("alice")),
            "id_ed25519_sk_rk__alice");
  EXPECT_EQ(resident_key_file_name(KeyType::sk_ecdsa_p256, "ssh:work", user_id("alice")),
            "id_ecdsa_sk_rk_work_alice");
  // Path characters in the user id: hex instead.
  EXPECT_EQ(resident_key_suffix("ssh:a", user_id("x/y")), "a_782f79");
  EXPECT_EQ(resident_key_suffix("ssh:a", user_id("..")), "a_2e2e");
  EXPECT_EQ(resident_key_suffix("ssh:a", user_id("a\\b")), "a_615c62");
  // Only trailing zeros are dropped; text stops at an inner NUL.
  Bytes inner = {'a', 0, 'b', 0, 0};
  EXPECT_EQ(resident_key_suffix("ssh:a", inner), "a_a");
}

TEST(KeygenResidentNames, ControlCharactersGiveHex) {
  // mprintf escapes \x01 as "\001"; the backslash then selects hex, as in OpenSSH.
  setlocale(LC_CTYPE, "C");
  EXPECT_EQ(resident_key_suffix("ssh:a", user_id("t\x01x")), "a_740178");
}

TEST(KeygenResidentDownload, OptionsAreDeviceOnly) {
  auto o = parse_download_options({"device=/dev/hidraw1"});
  ASSERT_TRUE(o);
  EXPECT_EQ(o->device, "/dev/hidraw1");
  auto e = parse_download_options({"resident"});
  ASSERT_FALSE(e);
  EXPECT_EQ(e.error().message,
            "Option \"resident\" is unsupported for FIDO authenticator download");
}

SkResidentCredential cred(KeyType type, std::string app, std::string user, uint8_t kh,
                          bool uv = false) {
  SkResidentCredential c;
  c.type = type;
  c.application = std::move(app);
  c.user_id = user_id(user);
  if (type == KeyType::sk_ed25519) {
    c.public_key = Bytes(32, kh);
  } else {
    const ByteView g = skagent::testing::p256_generator();  // a valid public key
    c.public_key = Bytes(g.begin(), g.end());
  }
  c.key_handle = Bytes{kh, kh, kh};
  c.verify_required = uv;
  return c;
}

using Loaded = Result<std::vector<SkResidentCredential>>;

// A FakeToken load that answers `answer` whatever the device and PIN.
std::function<Loaded(const std::string&, const std::string&)> answering(Loaded answer) {
  return [answer](const std::string&, const std::string&) { return answer; };
}

TEST(KeygenResidentDownload, SavesEverySshCredential) {
  TempDir d;
  FakeConsole c;
  FakeToken t;
  t.loads = {answering(std::vector<SkResidentCredential>{
      cred(KeyType::sk_ed25519, "ssh:", "", 1),
      cred(KeyType::sk_ecdsa_p256, "ssh:work", "alice", 2, true),
      cred(KeyType::sk_ed25519, "https://webauthn.example", "", 3),  // not SSH: skipped
  })};
  c.secrets = {"123456"};
  DownloadOptions o;
  o.directory = d.path();
  o.new_passphrase = "";
  ASSERT_TRUE(download_resident_keys(c, t, o));
  ASSERT_EQ(t.load_requests.size(), 1u);
  EXPECT_EQ(t.load_requests[0].second, "123456");
  EXPECT_EQ(c.secret_prompts, std::vector<std::string>{"Enter PIN for authenticator: "});
  EXPECT_EQ(c.out_text, "Saved ED25519-SK key to " + d / "id_ed25519_sk_rk" +
                            "\nSaved ECDSA-SK key ssh:work to " + d / "id_ecdsa_sk_rk_work_alice" +
                            "\n");

  auto text = read_small_file(d / "id_ecdsa_sk_rk_work_alice");
  ASSERT_TRUE(text);
  auto k = read_private_key_file(*text, "");
  ASSERT_TRUE(k) << k.error().message;
  EXPECT_EQ(k->comment, "ssh:work");
  EXPECT_EQ(k->key.public_key().application, "ssh:work");
  EXPECT_EQ(k->key.sk_flags(),
            fido::kUserPresenceRequired | fido::kResidentKey | fido::kUserVerificationRequired);
  EXPECT_EQ(k->key.sk_key_handle(), (Bytes{2, 2, 2}));
  auto pub = read_small_file(d / "id_ecdsa_sk_rk_work_alice.pub");
  ASSERT_TRUE(pub);
  auto line = parse_public_key_line(as_string(*pub));
  ASSERT_TRUE(line);
  EXPECT_EQ(line->comment, "ssh:work");
  EXPECT_FALSE(path_exists(d / "id_ed25519_sk_rk_webauthn.example"));
}

TEST(KeygenResidentDownload, EncryptsWithPassphrase) {
  TempDir d;
  FakeConsole c;
  FakeToken t;
  t.loads = {answering(std::vector<SkResidentCredential>{
      cred(KeyType::sk_ed25519, "ssh:a", "", 1), cred(KeyType::sk_ed25519, "ssh:b", "", 2)})};
  c.secrets = {"pin", "pass", "pass"};  // the passphrase is asked once for all keys
  DownloadOptions o;
  o.directory = d.path();
  o.rounds = 2;
  ASSERT_TRUE(download_resident_keys(c, t, o));
  EXPECT_EQ(c.secret_prompts.size(), 3u);
  for (const char* n : {"id_ed25519_sk_rk_a", "id_ed25519_sk_rk_b"}) {
    auto text = read_small_file(d / n);
    ASSERT_TRUE(text);
    EXPECT_FALSE(read_private_key_file(*text, ""));
    EXPECT_TRUE(read_private_key_file(*text, "pass"));
  }
}

TEST(KeygenResidentDownload, NeverOverwritesWithoutYes) {
  TempDir d;
  auto loads =
      answering(std::vector<SkResidentCredential>{cred(KeyType::sk_ed25519, "ssh:", "", 1)});
  ASSERT_TRUE(write_file(d / "id_ed25519_sk_rk", view("precious"), 0600, false));
  DownloadOptions o;
  o.directory = d.path();
  o.new_passphrase = "";
  // A download with the PIN typed at `c`, from a token that holds the one key.
  auto download = [&](FakeConsole& c) {
    FakeToken t;
    t.loads = {loads};
    c.secrets = {"pin"};
    return download_resident_keys(c, t, o);
  };
  {
    FakeConsole c;  // no terminal: refused
    c.terminal = false;
    auto s = download(c);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::denied);
  }
  {
    FakeConsole c;  // answered no
    c.confirmations = {false};
    EXPECT_FALSE(download(c));
  }
  EXPECT_EQ(std::string(as_string(*read_small_file(d / "id_ed25519_sk_rk"))), "precious");
  {
    FakeConsole c;  // answered yes
    c.confirmations = {true};
    ASSERT_TRUE(download(c));
    EXPECT_TRUE(read_private_key_file(*read_small_file(d / "id_ed25519_sk_rk"), ""));
  }
}

TEST(KeygenResidentDownload, WrongPinRetriedThenGivesUp) {
  TempDir d;
  FakeConsole c;
  FakeToken t;
  auto wrong = answering(make_error(Errc::pin_invalid, "wrong PIN: 4 tries left"));
  t.loads = {wrong, wrong, wrong};
  c.secrets = {"1", "2", "3"};
  DownloadOptions o;
  o.directory = d.path();
  auto s = download_resident_keys(c, t, o);
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::pin_invalid);
  EXPECT_EQ(s.error().message, "Unable to load resident keys: wrong PIN: 4 tries left");
  EXPECT_EQ(c.err_text, "wrong PIN: 4 tries left\nwrong PIN: 4 tries left\n");
}

TEST(KeygenResidentDownload, NoKeysAndNoToken) {
  TempDir d;
  DownloadOptions o;
  o.directory = d.path();
  {
    FakeConsole c;
    FakeToken t;
    t.loads = {answering(std::vector<SkResidentCredential>{})};
    c.secrets = {"pin"};
    ASSERT_TRUE(download_resident_keys(c, t, o));
    EXPECT_EQ(c.err_text, "No keys to download\n");
  }
  {
    FakeConsole c;
    FakeToken t;
    t.loads = {answering(make_error(Errc::not_found, "no FIDO2 security key found"))};
    c.secrets = {"pin"};
    auto s = download_resident_keys(c, t, o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::not_found);
  }
}

TEST(KeygenResidentDownload, OnePinPerTokenWhenSeveral) {
  TempDir d;
  FakeConsole c;
  FakeToken t;
  t.devices = std::vector<SkDeviceInfo>{{"vtoken:/a", "virtual", "", {}, {}, {}},
                                        {"vtoken:/b", "virtual", "", {}, {}, {}}};
  auto one = [](const std::string& dev,
                const std::string&) -> Result<std::vector<SkResidentCredential>> {
    return std::vector<SkResidentCredential>{
        cred(KeyType::sk_ed25519, "ssh:" + dev.substr(dev.size() - 1), "", 1)};
  };
  t.loads = {one, one};
  c.secrets = {"pa", "pb"};
  DownloadOptions o;
  o.directory = d.path();
  o.new_passphrase = "";
  ASSERT_TRUE(download_resident_keys(c, t, o));
  ASSERT_EQ(t.load_requests.size(), 2u);
  EXPECT_EQ(t.load_requests[0], (std::pair<std::string, std::string>{"vtoken:/a", "pa"}));
  EXPECT_EQ(t.load_requests[1], (std::pair<std::string, std::string>{"vtoken:/b", "pb"}));
  EXPECT_EQ(c.secret_prompts[0], "Enter PIN for authenticator vtoken:/a: ");
  EXPECT_TRUE(path_exists(d / "id_ed25519_sk_rk_a"));
  EXPECT_TRUE(path_exists(d / "id_ed25519_sk_rk_b"));
}

}  // namespace
}  // namespace skagent::keygen

namespace skagent::keygen {
namespace {

TEST(KeygenResidentDownload, RefusesBeforeThePinWhenThereIsNothingToRead) {
  TempDir d;
  DownloadOptions o;
  o.directory = d.path();
  {
    FakeConsole c;  // no token at all
    FakeToken t;
    t.devices = std::vector<SkDeviceInfo>{};
    auto s = download_resident_keys(c, t, o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::not_found);
    EXPECT_TRUE(c.secret_prompts.empty());
    EXPECT_TRUE(t.load_requests.empty());
  }
  {
    FakeConsole c;  // one token, without a PIN
    FakeToken t;
    t.devices = std::vector<SkDeviceInfo>{{"vtoken:/a", "virtual", "", false, true, 10}};
    auto s = download_resident_keys(c, t, o);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::unsupported);
    EXPECT_NE(s.error().message.find("has no PIN"), std::string::npos);
    EXPECT_TRUE(c.secret_prompts.empty());
  }
  {
    FakeConsole c;  // two tokens, one without a PIN: only the other is read
    FakeToken t;
    t.devices = std::vector<SkDeviceInfo>{{"vtoken:/a", "virtual", "", false, true, 10},
                                          {"vtoken:/b", "virtual", "", true, true, 10}};
    t.loads = {answering(std::vector<SkResidentCredential>{})};
    c.secrets = {"pin"};
    ASSERT_TRUE(download_resident_keys(c, t, o));
    ASSERT_EQ(t.load_requests.size(), 1u);
    EXPECT_EQ(t.load_requests[0].first, "vtoken:/b");
    EXPECT_NE(c.err_text.find("Skipping vtoken:/a"), std::string::npos);
  }
}

}  // namespace
}  // namespace skagent::keygen
