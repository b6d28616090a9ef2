// SPDX-License-Identifier: BSD-2-Clause
// skagent-keygen's security key paths against skagent-vtoken through the
// built-in middleware: enroll, save, read back, sign with the key, verify;
// download resident keys; PIN and existing-credential dialogues.
#include <gtest/gtest.h>

#include <cstdlib>

#include "fido/sign.h"
#include "keygen/download_resident.h"
#include "keygen/generate_sk.h"
#include "keygen/key_files.h"
#include "keygen/sk_token.h"
#include "ssh/key_file.h"
#include "tests/vtoken/vtoken_process.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

using testing::FakeConsole;
using testing::TempDir;
using vtoken::testing::VtokenProcess;

constexpr const char* kPin = "4321";

// Where the tokens are looked for: one virtual token, as main makes it from $SKAGENT_VTOKEN.
fido::DeviceSources sources_with(const std::string& vtoken_socket) {
  return fido::device_sources(vtoken_socket.c_str());
}

class KeygenVtoken : public ::testing::Test {
 protected:
  KeygenVtoken() : token_(VtokenProcess::Options{true, "", {"--pin", kPin}, ""}) {}
  void SetUp() override {
    ASSERT_TRUE(token_.ready()) << "skagent-vtoken did not start";
    auto t = open_sk_token("internal", sources_with(token_.hid_socket()));
    ASSERT_TRUE(t) << t.error().message;
    sk_ = std::move(*t);
  }

  // Signs `data` with `key` on the token and checks the signature as sshd would.
  void sign_and_verify(const PrivateKey& key, const char* pin = nullptr) {
    const PublicKey& pub = key.public_key();
    Bytes data = to_bytes(view("data to sign"));
    fido::Options o;
    o.sources = sources_with(token_.hid_socket());
    fido::SignRequest req;
    req.alg = pub.type == KeyType::sk_ecdsa_p256 ? fido::kAlgEcdsaP256 : fido::kAlgEd25519;
    req.data = data;
    req.application = pub.application;
    req.key_handle = key.sk_key_handle();
    req.flags = key.sk_flags();
    req.pin = pin;
    auto sig = fido::sign(o, req);
    ASSERT_TRUE(sig) << sig.error().message;
    Writer w;
    w.string(pub.type_name());
    if (pub.type == KeyType::sk_ecdsa_p256) {
      Writer inner;
      inner.mpint(sig->sig_r);
      inner.mpint(sig->sig_s);
      w.string(inner.bytes());
    } else {
      w.string(sig->sig_r);
    }
    w.u8(sig->flags);
    w.u32(sig->counter);
    EXPECT_TRUE(verify_signature(pub, w.bytes(), data)) << "signature does not verify";
  }

  VtokenProcess token_;
  std::unique_ptr<SkToken> sk_;
};

TEST_F(KeygenVtoken, ListsTheToken) {
  auto devs = sk_->list_devices();
  ASSERT_TRUE(devs) << devs.error().message;
  ASSERT_GE(devs->size(), 1u);
  const SkDeviceInfo& d = devs->front();
  EXPECT_EQ(d.path, "vtoken:" + token_.hid_socket());
  EXPECT_EQ(d.transport, "virtual");
  ASSERT_TRUE(d.pin_set);
  EXPECT_TRUE(*d.pin_set);
  ASSERT_TRUE(d.resident_free);
  EXPECT_EQ(*d.resident_free, 64u);
}

TEST_F(KeygenVtoken, ResidentEd25519RoundTrip) {
  TempDir dir;
  FakeConsole c;
  c.secrets = {kPin};
  auto opts = parse_sk_enroll_options({"resident", "application=ssh:rt", "user=alice"});
  auto made = enroll_sk_key(c, *sk_, KeyType::sk_ed25519, *opts, false);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(c.secret_prompts, std::vector<std::string>{"Enter PIN for authenticator: "});
  EXPECT_NE(c.out_text.find("Touch your security key..."), std::string::npos);
  EXPECT_EQ(made->key.sk_flags(), fido::kUserPresenceRequired | fido::kResidentKey);
  EXPECT_EQ(token_.status()["resident_credentials"], "1");

  KeyPairFiles f;
  f.private_path = dir / "id_ed25519_sk";
  f.comment = "rt";
  ASSERT_TRUE(save_key_pair(made->key, f, false));
  auto loaded = read_private_key_file(*read_small_file(f.private_path), "");
  ASSERT_TRUE(loaded) << loaded.error().message;
  sign_and_verify(loaded->key);

  // -K gives back the same key under OpenSSH's name.
  FakeConsole c2;
  c2.secrets = {kPin};
  DownloadOptions d;
  d.directory = dir.path();
  d.new_passphrase = "";
  ASSERT_TRUE(download_resident_keys(c2, *sk_, d));
  auto rk = read_private_key_file(*read_small_file(dir / "id_ed25519_sk_rk_rt_alice"), "");
  ASSERT_TRUE(rk) << rk.error().message;
  EXPECT_TRUE(same_public_key(rk->key.public_key(), made->key.public_key()));
  EXPECT_EQ(rk->key.sk_key_handle(), made->key.sk_key_handle());
  EXPECT_EQ(rk->key.sk_flags(), fido::kUserPresenceRequired | fido::kResidentKey);
  EXPECT_EQ(rk->comment, "ssh:rt");
  sign_and_verify(rk->key);
}

TEST_F(KeygenVtoken, EcdsaNonResidentAndVerifyRequired) {
  FakeConsole c;
  c.secrets = {kPin, kPin};
  auto made = enroll_sk_key(c, *sk_, KeyType::sk_ecdsa_p256, *parse_sk_enroll_options({}), true);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_EQ(made->key.public_key().application, "ssh:");
  sign_and_verify(made->key);

  auto uv =
      enroll_sk_key(c, *sk_, KeyType::sk_ecdsa_p256,
                    *parse_sk_enroll_options({"verify-required", "application=ssh:uv"}), true);
  ASSERT_TRUE(uv) << uv.error().message;
  EXPECT_EQ(uv->key.sk_flags(), fido::kUserPresenceRequired | fido::kUserVerificationRequired);
  sign_and_verify(uv->key, kPin);
}

TEST_F(KeygenVtoken, ExistingResidentKeyNeedsConfirmation) {
  auto opts = parse_sk_enroll_options({"resident", "application=ssh:dup"});
  FakeConsole c;
  c.secrets = {kPin};
  ASSERT_TRUE(enroll_sk_key(c, *sk_, KeyType::sk_ed25519, *opts, true));

  FakeConsole no_tty;
  no_tty.terminal = false;
  no_tty.secrets = {kPin};
  auto again = enroll_sk_key(no_tty, *sk_, KeyType::sk_ed25519, *opts, true);
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().code, Errc::exists);
  EXPECT_NE(no_tty.out_text.find("A resident key scoped to 'ssh:dup' with user id 'null' already "
                                 "exists."),
            std::string::npos);
  EXPECT_EQ(token_.status()["resident_credentials"], "1");

  FakeConsole yes;
  yes.secrets = {kPin};
  yes.confirmations = {true};
  auto replaced = enroll_sk_key(yes, *sk_, KeyType::sk_ed25519, *opts, true);
  ASSERT_TRUE(replaced) << replaced.error().message;
  EXPECT_EQ(token_.status()["resident_credentials"], "1");  // replaced, not added
}

TEST_F(KeygenVtoken, WrongPinSaysHowManyTriesAreLeft) {
  FakeConsole c;
  c.secrets = {"0000", kPin};
  auto made =
      enroll_sk_key(c, *sk_, KeyType::sk_ed25519, *parse_sk_enroll_options({"resident"}), true);
  ASSERT_TRUE(made) << made.error().message;
  EXPECT_NE(c.err_text.find("7 tries left"), std::string::npos) << c.err_text;
}

TEST_F(KeygenVtoken, ThreeWrongPinsBlockUntilReinserted) {
  FakeConsole c;
  c.secrets = {"0000", "1111", "2222", kPin};
  auto made =
      enroll_sk_key(c, *sk_, KeyType::sk_ed25519, *parse_sk_enroll_options({"resident"}), true);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::pin_blocked) << made.error().message;
  EXPECT_NE(made.error().message.find("reinsert"), std::string::npos) << made.error().message;
  EXPECT_EQ(c.secrets.size(), 1u);  // the right PIN was never asked for
  // Until it is plugged in again, even the right PIN is refused.
  FakeConsole c2;
  c2.secrets = {kPin};
  made = enroll_sk_key(c2, *sk_, KeyType::sk_ed25519, *parse_sk_enroll_options({"resident"}), true);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::pin_blocked) << made.error().message;
  token_.control("power-cycle");
  FakeConsole c3;
  c3.secrets = {kPin};
  EXPECT_TRUE(enroll_sk_key(c3, *sk_, KeyType::sk_ed25519, *parse_sk_enroll_options({}), true));
}

TEST_F(KeygenVtoken, BlockedPinIsReported) {
  // 8 wrong PINs in all (3 per insertion) block the PIN for good.
  for (int round = 0; round < 3; round++) {
    FakeConsole c;
    c.secrets = {"0000", "0000", "0000"};
    EXPECT_FALSE(
        enroll_sk_key(c, *sk_, KeyType::sk_ed25519, *parse_sk_enroll_options({"resident"}), true));
    token_.control("power-cycle");
  }
  EXPECT_EQ(token_.status()["pin_retries"], "0");
  FakeConsole c;
  c.secrets = {kPin};
  auto made =
      enroll_sk_key(c, *sk_, KeyType::sk_ed25519, *parse_sk_enroll_options({"resident"}), true);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::pin_blocked) << made.error().message;
  EXPECT_NE(made.error().message.find("reset"), std::string::npos) << made.error().message;
}

TEST(KeygenNoToken, ClearRefusal) {
  auto t = open_sk_token("internal", sources_with("/nonexistent/skagent-vtoken.sock"));
  ASSERT_TRUE(t);
  FakeConsole c;
  auto made = enroll_sk_key(c, **t, KeyType::sk_ed25519, *parse_sk_enroll_options({}), true);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::not_found) << made.error().message;
}

TEST(KeygenNoToken, ANamedTokenThatIsNotThereIsSaidPlainly) {
  auto t = open_sk_token("internal", sources_with("/nonexistent/skagent-vtoken.sock"));
  ASSERT_TRUE(t);
  FakeConsole c;
  auto opts = parse_sk_enroll_options({"device=vtoken:/nonexistent/other.sock"});
  ASSERT_TRUE(opts);
  auto made = enroll_sk_key(c, **t, KeyType::sk_ed25519, *opts, true);
  ASSERT_FALSE(made);
  EXPECT_EQ(made.error().code, Errc::not_found);
  EXPECT_NE(made.error().message.find("no security key found at vtoken:/nonexistent/other.sock"),
            std::string::npos)
      << made.error().message;
  auto resident = (*t)->load_resident("vtoken:/nonexistent/other.sock", "123456");
  ASSERT_FALSE(resident);
  EXPECT_NE(
      resident.error().message.find("no security key found at vtoken:/nonexistent/other.sock"),
      std::string::npos)
      << resident.error().message;
}

}  // namespace
}  // namespace skagent::keygen
