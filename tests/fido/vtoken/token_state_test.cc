#include "fido/vtoken/token_state.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "fido/vtoken/state_file.h"
#include "tests/fido/vtoken/vtoken_process.h"

namespace skagent::vtoken {
namespace {

TokenState sample() {
  TokenState s = TokenState::fresh();
  s.pin_hash = Bytes(16, 7);
  s.pin_retries = 5;
  s.sign_counter = 99;
  ResidentCredential c;
  c.id = Bytes(64, 1);
  c.rp_id = "ssh:";
  c.user_id = {1, 2};
  c.user_name = "alice";
  c.display_name = "Alice";
  c.alg = -8;
  c.cred_protect = 2;
  c.public_key = Bytes{0xa0};
  s.credentials.push_back(c);
  return s;
}

TEST(VtokenTokenState, RoundTrips) {
  TokenState s = sample();
  auto back = TokenState::parse(s.serialize());
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->master_secret, s.master_secret);
  EXPECT_EQ(back->pin_retries, 5);
  EXPECT_EQ(back->sign_counter, 99u);
  ASSERT_EQ(back->credentials.size(), 1u);
  EXPECT_EQ(back->credentials[0].alg, -8);
  EXPECT_EQ(back->credentials[0].display_name, "Alice");
}

TEST(VtokenTokenState, RefusesHostileFiles) {
  Bytes good = sample().serialize();
  for (size_t n = 0; n < good.size(); n++) EXPECT_FALSE(TokenState::parse(ByteView(good).first(n)).ok()) << n;
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(TokenState::parse(trailing).ok());
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; i++) {
    Bytes b = good;
    b[rng() % b.size()] = uint8_t(rng());
    (void)TokenState::parse(b);
  }
  TokenState bad = sample();
  bad.pin_retries = 9;
  EXPECT_FALSE(TokenState::parse(bad.serialize()).ok());
  bad = sample();
  bad.credentials[0].cred_protect = 0;
  EXPECT_FALSE(TokenState::parse(bad.serialize()).ok());
  bad = sample();
  bad.credentials.resize(kMaxResidentCredentials + 1, bad.credentials[0]);
  EXPECT_FALSE(TokenState::parse(bad.serialize()).ok());
}

TEST(VtokenStateFile, CreatesSavesAtomicallyWithMode0600) {
  std::string dir = testing::make_temp_dir("skvts");
  StateFile f(dir + "/state");
  auto s = f.load_or_create();
  ASSERT_TRUE(s.ok());
  struct stat st {};
  ASSERT_EQ(stat((dir + "/state").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  s->sign_counter = 42;
  ASSERT_TRUE(f.save(*s).ok());
  EXPECT_EQ(f.load_or_create()->sign_counter, 42u);
  size_t files = 0;
  for (auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1u);  // no temp files left behind
  std::ofstream(dir + "/state", std::ios::trunc) << "garbage";
  EXPECT_FALSE(f.load_or_create().ok());  // never silently replaced
  EXPECT_FALSE(StateFile(dir + "/missing-dir/state").load_or_create().ok());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace skagent::vtoken
