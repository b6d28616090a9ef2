// SPDX-License-Identifier: BSD-2-Clause
// skagent-keygen's token commands (keygen/manage_token.h) against
// skagent-vtoken over its CTAPHID socket: list, delete, PIN set/change and
// retries, info and reset, with the person's answers scripted (FakeConsole).
// The same commands over pcscd+vpcd, and checked against Yubico's
// python-fido2, are in tests/integration/token_peer.sh.
#include <gtest/gtest.h>

#include <deque>

#include "fido/enroll.h"
#include "fido/token_admin.h"
#include "keygen/manage_token.h"
#include "ssh/fingerprint.h"
#include "tests/vtoken/vtoken_process.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using vtoken::testing::VtokenProcess;

constexpr const char* kPin = "4321";

// A console at which the PIN is typed, and the questions asked are answered as `answers` say.
FakeConsole pin_typed(std::deque<bool> answers = {}) {
  FakeConsole c;
  c.secrets = {kPin};
  c.confirmations = std::move(answers);
  return c;
}

// A request that sees only the named virtual tokens (no USB, no PC/SC).
TokenRequest request(TokenAction action, std::vector<std::string> sockets) {
  TokenRequest r;
  r.action = action;
  r.sources.usb = false;
  r.sources.pcsc = false;
  for (auto& s : sockets) r.sources.vtokens.push_back(std::move(s));
  r.timeout = std::chrono::milliseconds(15000);
  return r;
}

class TokenCommands : public ::testing::Test {
 protected:
  explicit TokenCommands(std::vector<std::string> args = {"--pin", kPin})
      : token_(VtokenProcess::Options{true, "", std::move(args), ""}) {}
  void SetUp() override { ASSERT_TRUE(token_.ready()) << "skagent-vtoken did not start"; }

  TokenRequest req(TokenAction a) const { return request(a, {token_.hid_socket()}); }
  std::string device() const { return "vtoken:" + token_.hid_socket(); }

  // A resident credential made the way ssh-keygen -O resident -O user= does;
  // returns its SHA256 fingerprint.
  static std::string make_key(const VtokenProcess& t, const std::string& application,
                              const std::string& user, uint32_t alg = fido::kAlgEd25519) {
    fido::Options o;
    o.sources.usb = o.sources.pcsc = false;
    o.device = "vtoken:" + t.hid_socket();
    Bytes chal(32, 9);
    fido::EnrollRequest er;
    er.alg = alg;
    er.challenge = chal;
    er.application = application;
    er.flags = fido::kUserPresenceRequired | fido::kResidentKey;
    er.user_id.assign(32, 0);
    std::copy(user.begin(), user.end(), er.user_id.begin());
    er.pin = kPin;
    auto k = fido::enroll(o, er);
    EXPECT_TRUE(k) << k.error().message;
    if (!k) return "";
    PublicKey pk;
    pk.type = alg == fido::kAlgEd25519 ? KeyType::sk_ed25519 : KeyType::sk_ecdsa_p256;
    pk.point = k->public_key;
    pk.application = application;
    return fingerprint(pk, FingerprintHash::sha256);
  }
  std::string make_key(const std::string& application, const std::string& user,
                       uint32_t alg = fido::kAlgEd25519) {
    return make_key(token_, application, user, alg);
  }

  std::string status(const std::string& key) { return token_.status()[key]; }

  VtokenProcess token_;
};

TEST_F(TokenCommands, ListShowsEverySshApplicationAndUserWithOnePin) {
  std::string alice = make_key("ssh:work", "alice");
  std::string bob = make_key("ssh:work", "bob");
  std::string home = make_key("ssh:home", "", fido::kAlgEcdsaP256);
  FakeConsole c = pin_typed();
  ASSERT_TRUE(run_token_command(c, req(TokenAction::list))) << c.err_text;
  EXPECT_EQ(c.secret_prompts, std::vector<std::string>{"Enter PIN for " + device() + ": "});
  EXPECT_NE(c.out_text.find(device() + ": 3 resident SSH keys, room for 61 more\n"),
            std::string::npos)
      << c.out_text;
  EXPECT_NE(c.out_text.find("ED25519-SK  " + alice + "  ssh:work  user \"alice\"  credProtect 2"),
            std::string::npos)
      << c.out_text;
  EXPECT_NE(c.out_text.find("ED25519-SK  " + bob + "  ssh:work  user \"bob\"  credProtect 2"),
            std::string::npos);
  EXPECT_NE(c.out_text.find("ECDSA-SK  " + home + "  ssh:home  user \"\"  credProtect 2"),
            std::string::npos);
  EXPECT_NE(c.out_text.find("\n    sk-ecdsa-sha2-nistp256@openssh.com AAAA"), std::string::npos);
}

TEST_F(TokenCommands, WrongPinSaysTheTriesLeftAndIsNotRetried) {
  make_key("ssh:work", "alice");
  FakeConsole c;
  c.secrets = {"0000", kPin};
  auto s = run_token_command(c, req(TokenAction::list));
  ASSERT_FALSE(s);
  EXPECT_EQ(s.error().code, Errc::pin_invalid);
  EXPECT_NE(s.error().message.find("wrong PIN: 7 tries left"), std::string::npos)
      << s.error().message;
  EXPECT_EQ(c.secret_prompts.size(), 1u);  // the right PIN queued next was never asked for
  EXPECT_EQ(status("pin_retries"), "7");
}

TEST_F(TokenCommands, WrongPinsToTheBlockThenOnlyAResetHelps) {
  std::string last;
  for (int i = 0; i < 8; i++) {
    if (i % 3 == 0) {
      ASSERT_EQ(token_.control("power-cycle"), "ok");  // lift the 3-in-a-row block
    }
    FakeConsole c;
    c.secrets = {"9999"};
    auto s = run_token_command(c, req(TokenAction::list));
    ASSERT_FALSE(s);
    last = s.error().message;
    if (i < 7) {
      EXPECT_NE(last.find(std::to_string(7 - i) + (i == 6 ? " try left" : " tries left")),
                std::string::npos)
          << last;
    }
  }
  EXPECT_NE(last.find("PIN blocked"), std::string::npos) << last;
  EXPECT_EQ(status("pin_retries"), "0");
  // Once blocked, no PIN is asked for: the message says what to do.
  for (TokenAction a : {TokenAction::list, TokenAction::remove, TokenAction::set_pin}) {
    FakeConsole c;
    c.secrets = {kPin, kPin, kPin};
    TokenRequest r = req(a);
    r.target = "ssh:work";
    auto s = run_token_command(c, r);
    ASSERT_FALSE(s);
    EXPECT_EQ(s.error().code, Errc::pin_blocked);
    EXPECT_NE(s.error().message.find("PIN blocked: the security key " + device() +
                                     " must be reset, which deletes every credential on it"),
              std::string::npos)
        << s.error().message;
    EXPECT_TRUE(c.secret_prompts.empty());
  }
  FakeConsole info;
  ASSERT_TRUE(run_token_command(info, req(TokenAction::info)));
  EXPECT_NE(
      info.out_text.find("PIN:                  set, 0 tries left (blocked: only a reset helps)"),
      std::string::npos)
      << info.out_text;
}

TEST_F(TokenCommands, DeleteByFingerprintAfterAYes) {
  std::string alice = make_key("ssh:work", "alice");
  std::string bob = make_key("ssh:work", "bob");
  FakeConsole no = pin_typed({false});
  TokenRequest r = req(TokenAction::remove);
  r.target = alice;
  ASSERT_FALSE(run_token_command(no, r));
  EXPECT_NE(no.out_text.find(alice + "  ssh:work  user \"alice\""), std::string::npos)
      << no.out_text;  // shown first
  EXPECT_EQ(no.confirm_prompts.size(), 1u);
  EXPECT_EQ(status("resident_credentials"), "2");

  FakeConsole yes = pin_typed({true});
  ASSERT_TRUE(run_token_command(yes, r)) << yes.err_text;
  EXPECT_EQ(yes.secret_prompts.size(), 1u);
  EXPECT_NE(yes.out_text.find("Deleted ED25519-SK " + alice + " from " + device()),
            std::string::npos)
      << yes.out_text;
  EXPECT_EQ(status("resident_credentials"), "1");

  FakeConsole list = pin_typed();
  ASSERT_TRUE(run_token_command(list, req(TokenAction::list)));
  EXPECT_EQ(list.out_text.find(alice), std::string::npos);
  EXPECT_NE(list.out_text.find(bob), std::string::npos);
}

TEST_F(TokenCommands, DeleteRefusesToGuessAndNeedsATerminal) {
  make_key("ssh:work", "alice");
  make_key("ssh:work", "bob");
  TokenRequest r = req(TokenAction::remove);
  r.target = "ssh:work";
  FakeConsole c = pin_typed({true});
  auto s = run_token_command(c, r);
  ASSERT_FALSE(s);
  EXPECT_NE(
      s.error().message.find("2 resident keys on " + device() + " match ssh:work; nothing deleted"),
      std::string::npos)
      << s.error().message;
  EXPECT_TRUE(c.confirm_prompts.empty());
  EXPECT_EQ(status("resident_credentials"), "2");

  // Application and user name one; without a terminal nothing is deleted.
  r.user = "bob";
  FakeConsole no_tty = pin_typed();
  no_tty.terminal = false;
  ASSERT_FALSE(run_token_command(no_tty, r));
  EXPECT_EQ(status("resident_credentials"), "2");
  FakeConsole yes = pin_typed({true});
  ASSERT_TRUE(run_token_command(yes, r)) << yes.err_text;
  EXPECT_NE(yes.out_text.find("user \"bob\""), std::string::npos);
  EXPECT_EQ(status("resident_credentials"), "1");

  // Nothing matches: said so, nothing asked.
  r.target = "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
  r.user.reset();
  FakeConsole none = pin_typed();
  auto n = run_token_command(none, r);
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().code, Errc::not_found);
  EXPECT_TRUE(none.confirm_prompts.empty());
}

TEST_F(TokenCommands, DeleteWithTwoTokensConnected) {
  VtokenProcess second(VtokenProcess::Options{true, "", {"--pin", kPin}, ""});
  ASSERT_TRUE(second.ready());
  std::string mine = make_key("ssh:work", "alice");
  std::string theirs = make_key(second, "ssh:work", "alice");
  TokenRequest r = request(TokenAction::remove, {token_.hid_socket(), second.hid_socket()});
  r.target = "ssh:work";
  r.user = "alice";
  FakeConsole c = pin_typed({true});
  auto s = run_token_command(c, r);
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("2 security keys are connected (" + device() +
                                   ", vtoken:" + second.hid_socket() +
                                   "): name the one to use with -O device=PATH"),
            std::string::npos)
      << s.error().message;
  EXPECT_TRUE(c.secret_prompts.empty());

  r.device = "vtoken:" + second.hid_socket();
  FakeConsole yes = pin_typed({true});
  ASSERT_TRUE(run_token_command(yes, r)) << yes.err_text;
  EXPECT_NE(yes.out_text.find("Deleted ED25519-SK " + theirs), std::string::npos) << yes.out_text;
  EXPECT_EQ(second.status()["resident_credentials"], "0");
  EXPECT_EQ(status("resident_credentials"), "1");  // the other token's twin is still there
}

class TokenCommandsNoPin : public TokenCommands {
 protected:
  TokenCommandsNoPin() : TokenCommands({"--min-pin-length", "6"}) {}
};

TEST_F(TokenCommandsNoPin, SetThenChangeThePinWithTheTokensMinimumLength) {
  FakeConsole info;
  ASSERT_TRUE(run_token_command(info, req(TokenAction::info)));
  EXPECT_NE(info.out_text.find("Minimum PIN length:   6\n"), std::string::npos) << info.out_text;
  EXPECT_NE(info.out_text.find("PIN:                  not set\n"), std::string::npos)
      << info.out_text;

  // Too short for this token: refused before anything is sent.
  FakeConsole shortpin;
  shortpin.secrets = {"12345", "12345"};
  auto s = run_token_command(shortpin, req(TokenAction::set_pin));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("takes 6 to 63"), std::string::npos) << s.error().message;
  EXPECT_EQ(shortpin.secret_prompts,
            std::vector<std::string>{"Enter new PIN (6 to 63 characters): "});
  // Typed differently twice: refused.
  FakeConsole differ;
  differ.secrets = {"123456", "123457"};
  ASSERT_FALSE(run_token_command(differ, req(TokenAction::set_pin)));
  EXPECT_EQ(status("pin_set"), "0");

  FakeConsole set;
  set.secrets = {"123456", "123456"};
  ASSERT_TRUE(run_token_command(set, req(TokenAction::set_pin))) << set.err_text;
  EXPECT_NE(set.out_text.find("PIN set on " + device()), std::string::npos);
  EXPECT_EQ(status("pin_set"), "1");

  // A change asks the old PIN once; a wrong one is reported, not retried.
  FakeConsole wrong;
  wrong.secrets = {"000000", "654321", "654321", "123456"};
  auto w = run_token_command(wrong, req(TokenAction::set_pin));
  ASSERT_FALSE(w);
  EXPECT_NE(w.error().message.find("wrong PIN: 7 tries left"), std::string::npos)
      << w.error().message;
  EXPECT_EQ(wrong.secret_prompts.size(), 3u);
  EXPECT_NE(wrong.err_text.find("PIN tries left: 8"), std::string::npos);

  FakeConsole change;
  change.secrets = {"123456", "654321", "654321"};
  ASSERT_TRUE(run_token_command(change, req(TokenAction::set_pin))) << change.err_text;
  EXPECT_EQ(change.secret_prompts[0], "Enter current PIN for " + device() + ": ");
  EXPECT_NE(change.out_text.find("PIN changed on " + device()), std::string::npos);
  FakeConsole list;
  list.secrets = {"654321"};
  ASSERT_TRUE(run_token_command(list, req(TokenAction::list))) << list.err_text;
  EXPECT_NE(list.out_text.find(": 0 resident SSH keys, room for 64 more"), std::string::npos)
      << list.out_text;
}

TEST_F(TokenCommandsNoPin, ListWithoutAPinSaysToSetOne) {
  FakeConsole c;
  auto s = run_token_command(c, req(TokenAction::list));
  ASSERT_FALSE(s);
  EXPECT_NE(s.error().message.find("has no PIN"), std::string::npos) << s.error().message;
  EXPECT_TRUE(c.secret_prompts.empty());
}

TEST_F(TokenCommands, InfoShowsVersionsOptionsRetriesAndSlots) {
  make_key("ssh:work", "alice");
  FakeConsole c;
  ASSERT_TRUE(run_token_command(c, req(TokenAction::info))) << c.err_text;
  for (const char* line :
       {"Transport:            virtual (the key names: nfc, usb)\n",
        "Versions:             FIDO_2_0, FIDO_2_1\n", "Extensions:           credProtect\n",
        "Options:              rk=yes uv=unsupported clientPin=set credMgmt=yes\n",
        "PIN:                  set, 8 tries left\n", "Minimum PIN length:   4\n",
        "Resident slots free:  63\n", "Algorithms:           ES256, EdDSA\n"}) {
    EXPECT_NE(c.out_text.find(line), std::string::npos) << line << c.out_text;
  }
  EXPECT_TRUE(c.secret_prompts.empty());
}

class TokenCommandsShortResetWindow : public TokenCommands {
 protected:
  TokenCommandsShortResetWindow() : TokenCommands({"--pin", kPin, "--reset-window", "0"}) {}
};

TEST_F(TokenCommandsShortResetWindow, ResetOutsideThePowerUpWindowIsExplained) {
  make_key("ssh:work", "alice");
  FakeConsole c;
  c.typed = {"reset"};
  auto s = run_token_command(c, req(TokenAction::reset));
  ASSERT_FALSE(s);
  EXPECT_NE(
      s.error().message.find("accepts a reset only in the first seconds after it is powered up"),
      std::string::npos)
      << s.error().message;
  EXPECT_EQ(status("resident_credentials"), "1");
}

TEST_F(TokenCommands, ResetNeedsTheTypedWordThenErasesEverything) {
  make_key("ssh:work", "alice");
  FakeConsole no;
  no.typed = {"yes"};
  ASSERT_FALSE(run_token_command(no, req(TokenAction::reset)));
  EXPECT_NE(no.err_text.find("Resetting " + device() + " (virtual) erases every credential"),
            std::string::npos);
  EXPECT_EQ(no.typed_prompts,
            std::vector<std::string>{"Type \"reset\" to reset " + device() + ": "});
  FakeConsole no_tty;
  no_tty.terminal = false;
  ASSERT_FALSE(run_token_command(no_tty, req(TokenAction::reset)));
  EXPECT_EQ(status("resident_credentials"), "1");

  ASSERT_EQ(token_.control("power-cycle"), "ok");
  FakeConsole yes;
  yes.typed = {"reset"};
  ASSERT_TRUE(run_token_command(yes, req(TokenAction::reset))) << yes.err_text;
  EXPECT_NE(yes.err_text.find("Touch your security key to confirm the reset"), std::string::npos);
  EXPECT_EQ(status("resident_credentials"), "0");
  EXPECT_EQ(status("pin_set"), "0");
}

TEST(TokenOptions, DeviceAndUserAreTheOnlyOptions) {
  TokenRequest r;
  r.action = TokenAction::remove;
  ASSERT_TRUE(parse_token_options({"device=pcsc:Reader 0", "user=bob"}, r));
  EXPECT_EQ(r.device, "pcsc:Reader 0");
  EXPECT_EQ(r.user, "bob");
  r.action = TokenAction::list;
  EXPECT_FALSE(parse_token_options({"user=bob"}, r));
  EXPECT_FALSE(parse_token_options({"resident"}, r));
}

TEST(TokenOptions, ResidentUserIsTextOrHex) {
  Bytes u(32, 0);
  EXPECT_EQ(resident_user(u), "");
  u[0] = 'a';
  EXPECT_EQ(resident_user(u), "a");
  u[1] = 0x1b;  // an escape from a hostile token never reaches the terminal
  EXPECT_EQ(resident_user(u), "0x611b");
}

}  // namespace
}  // namespace skagent::keygen
