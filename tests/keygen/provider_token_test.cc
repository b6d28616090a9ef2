// SPDX-License-Identifier: BSD-2-Clause
// The SecurityKeyProvider backend against OpenSSH's test provider sk-dummy.so
// (Debian's openssh-tests package), when it is installed.
#include <dlfcn.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <dlfcn.h>

#include <cstdio>
#include <filesystem>

#include "keygen/generate_sk.h"
#include "keygen/sk_token.h"
#include "tests/agent/agent_harness.h"
#include "tests/keygen/keygen_test_util.h"

namespace skagent::keygen {
namespace {

constexpr const char* kSkDummy = "/usr/lib/openssh/regress/misc/sk-dummy/sk-dummy.so";

TEST(KeygenProviderToken, RefusesWhatIsNotAProvider) {
  auto t = open_provider_token("/nonexistent/provider.so");
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::not_found);
  // A real library that is not a provider (libc, by its full path): refused for its exports,
  // before any of its code runs.
  Dl_info libc{};
  ASSERT_NE(dladdr(reinterpret_cast<void*>(&printf), &libc), 0);
  t = open_provider_token(libc.dli_fname);
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::denied) << t.error().message;
  EXPECT_NE(t.error().message.find("does not export sk_api_version"), std::string::npos);
}

// A shared object without the sk-api exports (here a PKCS#11 test module) is refused by the
// export check (Errc::denied), before dlopen: it is never mapped, so none of its code ran.
TEST(KeygenProviderToken, RefusesALibraryWithoutProviderExportsBeforeLoadingIt) {
  auto path = std::filesystem::absolute(skagent::testing::build_dir() +
                                        "/bin/skagent-test-pkcs11-ctor-marker.so");
  ASSERT_TRUE(std::filesystem::exists(path)) << path << " missing (make)";
  auto t = open_provider_token(path.string());
  ASSERT_FALSE(t);
  EXPECT_EQ(t.error().code, Errc::denied) << t.error().message;
  EXPECT_NE(t.error().message.find("does not export sk_api_version"), std::string::npos)
      << t.error().message;
  EXPECT_EQ(dlopen(path.c_str(), RTLD_NOW | RTLD_NOLOAD), nullptr);
}

TEST(KeygenProviderToken, EnrollsThroughSkDummy) {
  if (access(kSkDummy, R_OK) != 0) GTEST_SKIP() << kSkDummy << " not installed";
  auto t = open_sk_token(kSkDummy, {});
  ASSERT_TRUE(t) << t.error().message;
  testing::FakeConsole c;
  for (KeyType type : {KeyType::sk_ed25519, KeyType::sk_ecdsa_p256}) {
    auto opts = parse_sk_enroll_options({"application=ssh:dummy"});
    auto made = enroll_sk_key(c, **t, type, *opts, true);
    ASSERT_TRUE(made) << made.error().message;
    EXPECT_EQ(made->key.public_key().type, type);
    EXPECT_EQ(made->key.public_key().application, "ssh:dummy");
    EXPECT_EQ(made->key.sk_flags(), fido::kUserPresenceRequired);
    EXPECT_FALSE(made->key.sk_key_handle().empty());
  }
  // sk-dummy keeps no resident keys.
  auto rks = (*t)->load_resident("", "");
  ASSERT_FALSE(rks);
  EXPECT_EQ(rks.error().code, Errc::unsupported);
  EXPECT_FALSE((*t)->list_devices());
}

}  // namespace
}  // namespace skagent::keygen
