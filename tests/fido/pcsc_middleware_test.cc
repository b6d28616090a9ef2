// fido/ over PC/SC: fido/pcsc_transport through a real pcscd (started by the
// test on a private socket) and vsmartcard's vpcd driver to skagent-vtoken
// playing the card. libfido2's own CBOR, PIN and credential-management code
// runs over our ISO 7816 transport.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <chrono>
#include <thread>

#include "fido/device_list.h"
#include "fido/pcsc_transport.h"
#include "fido/resident_keys.h"
#include "tests/fido/isolated_test.h"
#include "tests/fido/middleware_test_util.h"
#include "tests/fido/vtoken/pcsc_harness.h"

namespace skagent::fido::testing {
namespace {

using vtoken::testing::free_port_pair;
using vtoken::testing::kVpcdDriver;
using vtoken::testing::PcscdProcess;
using vtoken::testing::VtokenProcess;

bool have(const char* path) { return access(path, R_OK) == 0; }

class FidoPcsc : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(have("/usr/sbin/pcscd")) << "pcscd missing (tests/deps.sh lists it)";
    ASSERT_TRUE(have("/usr/bin/systemd-socket-activate")) << "systemd-socket-activate missing";
    ASSERT_TRUE(have(kVpcdDriver)) << "vpcd driver missing (package vsmartcard-vpcd)";
    uint16_t port = free_port_pair();
    ASSERT_NE(port, 0);
    token_ = std::make_unique<VtokenProcess>(
        VtokenProcess::Options{.hid = false, .vpcd = "127.0.0.1:" + std::to_string(port), .args = {"--pin", "2468"}});
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

  std::unique_ptr<VtokenProcess> token_;
  std::unique_ptr<PcscdProcess> pcscd_;
  std::string reader_;
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

// Each with its own pcscd, so each in its own process (tests/fido/isolated_test.h).
TEST(FidoPcscIsolated, EnrollSignVerifyAndResidentKeysOverPcsc) {
  run_isolated("FidoPcsc.DISABLED_EnrollSignVerifyAndResidentKeysOverPcsc");
}
TEST(FidoPcscIsolated, FoundByDiscoveryAndLongRequestsAreChained) {
  run_isolated("FidoPcsc.DISABLED_FoundByDiscoveryAndLongRequestsAreChained");
}

}  // namespace
}  // namespace skagent::fido::testing
