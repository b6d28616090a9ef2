// SPDX-License-Identifier: BSD-2-Clause
// fido/ over PC/SC: fido/pcsc_transport through a real pcscd (started by the
// test on a private socket) and vsmartcard's vpcd driver to skagent-vtoken
// playing the card. libfido2's own CBOR, PIN and credential-management code
// runs over our ISO 7816 transport.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>

#include "fido/card_watch.h"
#include "fido/device_list.h"
#include "fido/device_select.h"
#include "fido/pcsc_transport.h"
#include "fido/pin.h"
#include "fido/resident_keys.h"
#include "fido/sk_helper_protocol.h"
#include "fido/vtoken_io.h"
#include "platform/helper_channel.h"
#include "tests/fido/isolated_test.h"
#include "tests/fido/middleware_test_util.h"
#include "tests/vtoken/pcsc_harness.h"

namespace skagent::fido::testing {
namespace {

using vtoken::testing::free_port_pair;
using vtoken::testing::kVpcdDriver;
using vtoken::testing::PcscdProcess;
using vtoken::testing::VtokenProcess;

bool have(const char* path) { return access(path, R_OK) == 0; }

// pcscd, its socket activation and the vpcd driver are there: a port pair for
// vpcd's two slots (0 with a failure when not).
uint16_t pcscd_prerequisites() {
  EXPECT_TRUE(have("/usr/sbin/pcscd")) << "pcscd missing (tests/deps.sh lists it)";
  EXPECT_TRUE(have("/usr/bin/systemd-socket-activate")) << "systemd-socket-activate missing";
  EXPECT_TRUE(have(kVpcdDriver)) << "vpcd driver missing (package vsmartcard-vpcd)";
  uint16_t port = free_port_pair();
  EXPECT_NE(port, 0) << "no free port pair on 127.0.0.1";
  return ::testing::Test::HasFailure() ? 0 : port;
}

class FidoPcsc : public ::testing::Test {
 protected:
  void SetUp() override {
    uint16_t port = pcscd_prerequisites();
    ASSERT_NE(port, 0);
    token_ = std::make_unique<VtokenProcess>(VtokenProcess::Options{
        .hid = false, .vpcd = "127.0.0.1:" + std::to_string(port), .args = token_args_});
    ASSERT_TRUE(token_->ready());
    pcscd_ = std::make_unique<PcscdProcess>(token_->dir(), port);
    ASSERT_TRUE(pcscd_->ok()) << pcscd_->error();
    setenv("PCSCLITE_CSOCK_NAME", pcscd_->socket_path().c_str(), 1);
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (std::chrono::steady_clock::now() < end) {
      auto readers = pcsc_readers();
      if (readers && !readers->empty()) {
        reader_ = readers->front();
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_FALSE(reader_.empty()) << "no card appeared on the vpcd reader";
  }
  void TearDown() override {
    pcscd_.reset();
    token_.reset();
    unsetenv("PCSCLITE_CSOCK_NAME");
  }
  Options opts() const {
    Options o = vtoken_options({});
    o.device = std::string(kPcscPathPrefix) + reader_;
    return o;
  }
  // A new Ed25519 key on the card for `application`.
  Result<EnrolledKey> new_key(const char* application) const {
    EnrollRequest er;
    Bytes chal(32, 5);
    er.challenge = chal;
    er.application = application;
    return enroll(opts(), er);
  }

  std::vector<std::string> token_args_ = {"--pin", "2468"};
  std::unique_ptr<VtokenProcess> token_;
  std::unique_ptr<PcscdProcess> pcscd_;
  std::string reader_;
};

// A card without a PIN yet.
class FidoPcscNoPin : public FidoPcsc {
 public:
  FidoPcscNoPin() { token_args_.clear(); }
};

TEST_F(FidoPcsc, DISABLED_EnrollSignVerifyAndResidentKeysOverPcsc) {
  EXPECT_EQ(reader_.rfind("skagent vtoken", 0), 0u) << reader_;
  Bytes chal(32, 7);
  Bytes data = to_bytes(view("signed over ISO 7816"));
  for (uint32_t alg : {kAlgEcdsaP256, kAlgEd25519}) {
    EnrollRequest er;
    er.alg = alg;
    er.challenge = chal;
    er.flags = kUserPresenceRequired | kResidentKey;
    er.application = alg == kAlgEd25519 ? "ssh:nfc-ed" : "ssh:nfc-ec";
    auto no_pin = enroll(opts(), er);
    ASSERT_FALSE(no_pin.ok());
    EXPECT_EQ(no_pin.error().code, Errc::pin_required) << no_pin.error().message;
    er.pin = "2468";
    auto k = enroll(opts(), er);
    ASSERT_TRUE(k.ok()) << k.error().message;
    EXPECT_EQ(k->device, opts().device);
    SignRequest sr;
    sr.alg = alg;
    sr.data = data;
    sr.application = er.application;
    sr.key_handle = k->key_handle;
    auto s = sign(opts(), sr);
    ASSERT_TRUE(s.ok()) << s.error().message;
    EXPECT_TRUE(verify_sk(alg, *k, er.application, data, *s).ok());
  }
  auto keys = load_resident_keys(opts(), "2468");
  ASSERT_TRUE(keys.ok()) << keys.error().message;
  EXPECT_EQ(keys->size(), 2u);
  auto wrong = load_resident_keys(opts(), "1111");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::pin_invalid);
  EXPECT_NE(wrong.error().message.find("tries left"), std::string::npos) << wrong.error().message;
  EXPECT_EQ(token_->control("touches"), "4");
}

TEST_F(FidoPcsc, DISABLED_FoundByDiscoveryAndLongRequestsAreChained) {
  Options o = vtoken_options({});
  o.sources.pcsc = true;  // no device named: the reader is found
  auto list = list_devices(o.sources);
  ASSERT_TRUE(list.ok());
  // vpcd's two slots both hold a card; the second is inert (no FIDO applet) and is passed over.
  ASSERT_GE(list->size(), 1u);
  for (const auto& d : *list) EXPECT_EQ(d.transport, Transport::pcsc);
  EnrollRequest er;
  Bytes chal(32, 8);
  er.challenge = chal;
  er.application = "ssh:" + std::string(240, 'x');  // the requests need APDU chaining
  auto k = enroll(o, er);
  ASSERT_TRUE(k.ok()) << k.error().message;
  Bytes data(100, 1);
  SignRequest sr;
  sr.data = data;
  sr.application = er.application;
  sr.key_handle = k->key_handle;
  auto s = sign(o, sr);
  ASSERT_TRUE(s.ok()) << s.error().message;
  EXPECT_TRUE(verify_sk(er.alg, *k, er.application, data, *s).ok());
}

// The card answers "still working" (9100) while it waits for a touch; at the
// deadline fido/ stops polling and ends the card's request.
TEST_F(FidoPcsc, DISABLED_TouchTimeoutCancelsTheCardsWait) {
  ASSERT_EQ(token_->control("touch never"), "ok");
  ASSERT_EQ(token_->control("touch-timeout 20000"), "ok");
  Options o = opts();
  o.timeout = std::chrono::milliseconds(600);
  EnrollRequest er;
  Bytes chal(32, 9);
  er.challenge = chal;
  er.application = "ssh:nfc-timeout";
  auto start = std::chrono::steady_clock::now();
  auto k = enroll(o, er);
  auto took = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(k.ok());
  EXPECT_EQ(k.error().code, Errc::timeout) << k.error().message;
  EXPECT_GE(took, std::chrono::milliseconds(600));
  EXPECT_LT(took, std::chrono::milliseconds(5000));
  // The token stopped waiting at once, long before its own 20 s timeout.
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (token_->status()["waiting"] != "0" && std::chrono::steady_clock::now() < end) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(token_->status()["waiting"], "0");
  EXPECT_EQ(token_->control("touches"), "0");
  // And serves the next request.
  ASSERT_EQ(token_->control("touch immediate"), "ok");
  auto again = enroll(opts(), er);
  EXPECT_TRUE(again.ok()) << again.error().message;
}

// A card that signed is watched; taken from the reader, the watch says so,
// once. Other tokens are not watched.
TEST_F(FidoPcsc, DISABLED_ACardThatSignedIsMissedWhenItLeavesTheReader) {
  auto k = new_key("ssh:watched");
  ASSERT_TRUE(k.ok()) << k.error().message;
  Bytes data(40, 6);
  SignRequest sr;
  sr.data = data;
  sr.application = "ssh:watched";
  sr.key_handle = k->key_handle;
  auto s = sign(opts(), sr);
  ASSERT_TRUE(s.ok()) << s.error().message;
  CardWatch watch;
  watch.signed_with(vtoken_device_path("/nowhere/hid.sock"));
  watch.signed_with("/dev/hidraw0");
  EXPECT_EQ(watch.watched(), 0u);
  watch.signed_with(s->device);
  EXPECT_EQ(watch.watched(), 1u);
  EXPECT_FALSE(watch.card_left());
  EXPECT_FALSE(watch.card_left());
  token_.reset();  // the card leaves the reader
  bool left = false;
  for (int i = 0; i < 100 && !left; i++) {
    left = watch.card_left();
    if (!left) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(left);
  EXPECT_EQ(watch.watched(), 0u);
  EXPECT_FALSE(watch.card_left());
}

// The same through skagent-sk-helper "internal", as the agent asks it while
// it keeps a PIN: found by discovery, signed, checked, taken away.
TEST_F(FidoPcsc, DISABLED_TheSkHelperSaysWhenACardThatSignedLeft) {
  auto k = new_key("ssh:helper-watched");
  ASSERT_TRUE(k.ok()) << k.error().message;
  std::error_code ec;
  auto bin = std::filesystem::read_symlink("/proc/self/exe", ec).parent_path();
  auto h = spawn_helper((bin / "skagent-sk-helper").string(),
                        {"internal"});  // inherits PCSCLITE_CSOCK_NAME
  ASSERT_TRUE(h.ok()) << h.error().message;
  fcntl(h->fd, F_SETFL, 0);
  auto ask = [&](ByteView request) -> Result<Bytes> {
    Bytes body;
    if (!write_frame(h->fd, request) || read_frame(h->fd, kMaxHelperFrame, body) != FrameRead::ok) {
      return make_error(Errc::io, "helper channel broken");
    }
    return body;
  };
  auto check = [&]() -> Result<bool> {
    auto body = ask(encode_check_cards_request());
    return body ? decode_check_cards_reply(*body) : Result<bool>(body.error());
  };
  auto before = check();  // nothing signed yet: nothing to miss
  ASSERT_TRUE(before.ok()) << before.error().message;
  EXPECT_FALSE(*before);
  SkSignRequest req;
  req.alg = kAlgEd25519;
  req.data = Bytes(40, 6);
  req.application = "ssh:helper-watched";
  req.key_handle = k->key_handle;
  req.flags = kUserPresenceRequired;
  auto body = ask(encode_sign_request(req));
  ASSERT_TRUE(body.ok());
  auto sig = decode_sign_reply(*body);
  ASSERT_TRUE(sig.ok()) << sig.error().message;
  auto still = check();
  ASSERT_TRUE(still.ok()) << still.error().message;
  EXPECT_FALSE(*still);
  token_.reset();  // the card leaves the reader
  bool left = false;
  for (int i = 0; i < 100 && !left; i++) {
    auto c = check();
    ASSERT_TRUE(c.ok()) << c.error().message;
    left = *c;
    if (!left) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_TRUE(left);
  auto after = check();  // said once
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(*after);
  close(h->fd);
  waitpid(h->pid, nullptr, 0);  // ends at EOF on fd 3
}

TEST_F(FidoPcscNoPin, DISABLED_PinSetChangeWrongAndBlockedOverPcsc) {
  Options o = opts();
  ASSERT_NO_FATAL_FAILURE(set_change_and_miss_the_pin(o));
  EnrollRequest er;
  Bytes chal(32, 1);
  er.challenge = chal;
  er.application = "ssh:nfc-pin";
  er.flags = kUserPresenceRequired | kResidentKey;
  ASSERT_NO_FATAL_FAILURE(block_the_pin(o, er, [&] { return token_->control("power-cycle"); }));
  EXPECT_EQ(token_->status()["pin_retries"], "0");
  EXPECT_EQ(token_->status()["resident_credentials"], "1");
}

// Two cards on one pcscd: the vpcd driver's two slots, PORT and PORT+1, each
// served by a token of its own. Both wait for a touch ("never" answers on
// its own), so a selection ends only by a press.
class FidoPcscTwoCards : public ::testing::Test {
 protected:
  void SetUp() override {
    uint16_t port = pcscd_prerequisites();
    ASSERT_NE(port, 0);
    for (int slot = 0; slot < 2; slot++) {
      std::vector<std::string> args = {"--vpcd-slots",    "1",    "--touch", "never",
                                       "--touch-timeout", "20000"};
      tokens_[slot] = std::make_unique<VtokenProcess>(VtokenProcess::Options{
          .hid = false, .vpcd = "127.0.0.1:" + std::to_string(port + slot), .args = args});
      ASSERT_TRUE(tokens_[slot]->ready());
    }
    pcscd_ = std::make_unique<PcscdProcess>(tokens_[0]->dir(), port);
    ASSERT_TRUE(pcscd_->ok()) << pcscd_->error();
    auto end = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (readers_.size() < 2 && std::chrono::steady_clock::now() < end) {
      auto r = pcsc_readers();
      if (r) readers_ = *r;
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(readers_.size(), 2u) << "the two vpcd slots did not both show a card";
    std::sort(readers_.begin(), readers_.end());  // slot 0 (PORT), then slot 1 (PORT+1)
  }
  void TearDown() override {
    pcscd_.reset();
    for (auto& t : tokens_) t.reset();
  }
  VtokenProcess& token(int slot) { return *tokens_[slot]; }
  std::string path(int slot) const { return std::string(kPcscPathPrefix) + readers_[size_t(slot)]; }

  // Runs choose_device for a key handle neither card holds, presses the card
  // in `slot` once both wait, and checks that one is chosen and the other
  // stops waiting.
  void press_to_choose(int slot) {
    Options o = vtoken_options({});
    o.sources.pcsc = true;
    std::atomic<int> touch_prompts{0};
    o.on_touch = [&] { touch_prompts++; };
    Interrupts in(o);
    Bytes unknown_key_handle(64, 0x5a);
    Result<Device> chosen = make_error(Errc::internal, "not run");
    std::thread th(
        [&] { chosen = choose_device(o, in, "choosing a card", "ssh:", unknown_key_handle); });
    bool both_wait = token(0).wait_until_waiting() && token(1).wait_until_waiting();
    EXPECT_TRUE(both_wait) << "the cards were not asked for a touch at the same time";
    EXPECT_EQ(token(slot).control("press"), "ok");
    th.join();
    ASSERT_TRUE(chosen.ok()) << chosen.error().message;
    EXPECT_EQ(chosen->path(), path(slot));
    EXPECT_EQ(touch_prompts.load(), 1);
    VtokenProcess& other = token(1 - slot);
    auto t0 = std::chrono::steady_clock::now();
    while (other.status()["waiting"] != "0" &&
           std::chrono::steady_clock::now() - t0 < std::chrono::seconds(3)) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    EXPECT_EQ(other.status()["waiting"], "0");  // its request was cancelled
    EXPECT_EQ(other.control("touches"), "0");
    EXPECT_EQ(token(slot).control("touches"), "1");
    // The chosen card serves the next request on the same connection.
    auto rk = chosen->supports_resident_keys();
    ASSERT_TRUE(rk.ok()) << rk.error().message;
    EXPECT_TRUE(*rk);
  }

  std::unique_ptr<VtokenProcess> tokens_[2];
  std::unique_ptr<PcscdProcess> pcscd_;
  std::vector<std::string> readers_;
};

TEST_F(FidoPcscTwoCards, DISABLED_TouchSelectsTheSecondCardAndCancelsTheFirst) {
  press_to_choose(1);
}

TEST_F(FidoPcscTwoCards, DISABLED_TouchSelectsTheFirstCardAndCancelsTheSecond) {
  press_to_choose(0);
}

// Each with its own pcscd, so each in its own process (tests/fido/isolated_test.h).
TEST(FidoPcscIsolated, EnrollSignVerifyAndResidentKeysOverPcsc) {
  run_isolated("FidoPcsc.DISABLED_EnrollSignVerifyAndResidentKeysOverPcsc");
}
TEST(FidoPcscIsolated, FoundByDiscoveryAndLongRequestsAreChained) {
  run_isolated("FidoPcsc.DISABLED_FoundByDiscoveryAndLongRequestsAreChained");
}
TEST(FidoPcscIsolated, TouchTimeoutCancelsTheCardsWait) {
  run_isolated("FidoPcsc.DISABLED_TouchTimeoutCancelsTheCardsWait");
}
TEST(FidoPcscIsolated, ACardThatSignedIsMissedWhenItLeavesTheReader) {
  run_isolated("FidoPcsc.DISABLED_ACardThatSignedIsMissedWhenItLeavesTheReader");
}
TEST(FidoPcscIsolated, TheSkHelperSaysWhenACardThatSignedLeft) {
  run_isolated("FidoPcsc.DISABLED_TheSkHelperSaysWhenACardThatSignedLeft");
}
TEST(FidoPcscIsolated, PinSetChangeWrongAndBlockedOverPcsc) {
  run_isolated("FidoPcscNoPin.DISABLED_PinSetChangeWrongAndBlockedOverPcsc");
}
TEST(FidoPcscIsolated, TouchSelectsTheSecondCardAndCancelsTheFirst) {
  run_isolated("FidoPcscTwoCards.DISABLED_TouchSelectsTheSecondCardAndCancelsTheFirst");
}
TEST(FidoPcscIsolated, TouchSelectsTheFirstCardAndCancelsTheSecond) {
  run_isolated("FidoPcscTwoCards.DISABLED_TouchSelectsTheFirstCardAndCancelsTheSecond");
}

}  // namespace
}  // namespace skagent::fido::testing
