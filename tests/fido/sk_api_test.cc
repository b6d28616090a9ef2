// SPDX-License-Identifier: BSD-2-Clause
// fido/sk_api.h: OpenSSH's SecurityKeyProvider ABI on top of fido/: the
// version, options, error codes and argument checks (the token side is in
// middleware_e2e_test.cc and tests/integration/fido_openssh.sh).
#include "fido/sk_api.h"

#include <gtest/gtest.h>
#include <stdlib.h>

namespace skagent::fido {
namespace {

struct OptionList {
  std::vector<sk_option> opts;
  std::vector<sk_option*> ptrs;
  void add(const char* name, const char* value, bool required) {
    opts.push_back({const_cast<char*>(name), const_cast<char*>(value), uint8_t(required)});
  }
  sk_option** get() {
    ptrs.clear();
    for (auto& o : opts) ptrs.push_back(&o);
    ptrs.push_back(nullptr);
    return ptrs.data();
  }
};

// sk_enroll of an Ed25519 key for "ssh:" (a zero challenge, user presence) with the options `l`.
int enroll_with(OptionList& l, sk_enroll_response** er) {
  uint8_t chal[32] = {};
  return sk_enroll(1, chal, sizeof(chal), "ssh:", 0x01, nullptr, l.get(), er);
}

TEST(SkApi, VersionIsOpenSsh0x000a) { EXPECT_EQ(sk_api_version() & 0xffff0000u, 0x000a0000u); }

TEST(SkApi, NoOptionsIsFine) {
  auto po = parse_provider_options(nullptr);
  ASSERT_TRUE(po.ok());
  EXPECT_TRUE(po->device.empty());
  EXPECT_TRUE(po->user_id.empty());
  OptionList none;
  EXPECT_TRUE(parse_provider_options(none.get()).ok());
}

TEST(SkApi, DeviceAndUserOptions) {
  OptionList l;
  l.add("device", "vtoken:/tmp/x.sock", true);
  l.add("user", "alice", false);
  auto po = parse_provider_options(l.get());
  ASSERT_TRUE(po.ok()) << po.error().message;
  EXPECT_EQ(po->device, "vtoken:/tmp/x.sock");
  ASSERT_EQ(po->user_id.size(), 32u);  // as OpenSSH: the name in a 32-byte zeroed id
  EXPECT_EQ(as_string(ByteView(po->user_id).subspan(0, 5)), "alice");
  EXPECT_EQ(po->user_id[5], 0);
}

TEST(SkApi, UserOf32BytesOrMoreIsRefused) {
  OptionList l;
  std::string longname(32, 'u');
  l.add("user", longname.c_str(), false);
  EXPECT_FALSE(parse_provider_options(l.get()).ok());
}

TEST(SkApi, UnknownOptionFailsOnlyWhenRequired) {
  OptionList optional;
  optional.add("colour", "blue", false);
  EXPECT_TRUE(parse_provider_options(optional.get()).ok());
  OptionList required;
  required.add("colour", "blue", true);
  auto po = parse_provider_options(required.get());
  ASSERT_FALSE(po.ok());
  EXPECT_EQ(po.error().code, Errc::unsupported);
  EXPECT_NE(po.error().message.find("colour"), std::string::npos);
}

TEST(SkApi, UnknownRequiredOptionFailsEveryCallBeforeAnyToken) {
  OptionList l;
  l.add("colour", "blue", true);
  sk_enroll_response* er = nullptr;
  EXPECT_EQ(enroll_with(l, &er), kSkErrUnsupported);
  EXPECT_EQ(er, nullptr);
  uint8_t chal[32] = {};
  sk_sign_response* sr = nullptr;
  uint8_t kh[16] = {1};
  EXPECT_EQ(sk_sign(1, chal, sizeof(chal), "ssh:", kh, sizeof(kh), 0x01, nullptr, l.get(), &sr),
            kSkErrUnsupported);
  sk_resident_key** rks = nullptr;
  size_t n = 9;
  EXPECT_EQ(sk_load_resident_keys("1234", l.get(), &rks, &n), kSkErrUnsupported);
  EXPECT_EQ(n, 0u);
}

TEST(SkApi, NullArgumentsAreErrorsNotCrashes) {
  uint8_t chal[32] = {};
  EXPECT_EQ(sk_enroll(1, chal, sizeof(chal), "ssh:", 0x01, nullptr, nullptr, nullptr),
            kSkErrGeneral);
  sk_enroll_response* er = nullptr;
  EXPECT_EQ(sk_enroll(1, chal, sizeof(chal), nullptr, 0x01, nullptr, nullptr, &er), kSkErrGeneral);
  sk_sign_response* sr = nullptr;
  EXPECT_EQ(sk_sign(1, chal, sizeof(chal), "ssh:", nullptr, 0, 0x01, nullptr, nullptr, &sr),
            kSkErrGeneral);
  EXPECT_EQ(sk_load_resident_keys("1234", nullptr, nullptr, nullptr), kSkErrGeneral);
}

TEST(SkApi, NamedDeviceThatIsNotThereIsDeviceNotFound) {
  OptionList l;
  l.add("device", "vtoken:/nonexistent/skagent-test.sock", false);
  sk_enroll_response* er = nullptr;
  EXPECT_EQ(enroll_with(l, &er), kSkErrDeviceNotFound);
}

TEST(SkApi, ErrorCodesFollowOpenSsh) {
  EXPECT_EQ(sk_error_code(make_error(Errc::pin_required, "")), kSkErrPinRequired);
  EXPECT_EQ(sk_error_code(make_error(Errc::pin_invalid, "")),
            kSkErrPinRequired);  // caller asks again
  EXPECT_EQ(sk_error_code(make_error(Errc::not_found, "")), kSkErrDeviceNotFound);
  EXPECT_EQ(sk_error_code(make_error(Errc::exists, "")), kSkErrCredentialExists);
  EXPECT_EQ(sk_error_code(make_error(Errc::unsupported, "")), kSkErrUnsupported);
  EXPECT_EQ(sk_error_code(make_error(Errc::pin_blocked, "")), kSkErrGeneral);
  EXPECT_EQ(sk_error_code(make_error(Errc::timeout, "")), kSkErrGeneral);
}

}  // namespace
}  // namespace skagent::fido
