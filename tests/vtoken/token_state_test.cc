// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/token_state.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include "vtoken/state_file.h"
#include "tests/vtoken/vtoken_process.h"
#include "tests/common/mutate.h"

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
  for (size_t n = 0; n < good.size(); n++)
    EXPECT_FALSE(TokenState::parse(ByteView(good).first(n)).ok()) << n;
  Bytes trailing = good;
  trailing.push_back(0);
  EXPECT_FALSE(TokenState::parse(trailing).ok());
  std::mt19937 rng(11);
  for (int i = 0; i < 5000; i++)
    (void)TokenState::parse(skagent::testing::with_random_byte(good, rng));
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

// A state file in a directory of its own, removed after the test.
class VtokenStateFile : public ::testing::Test {
 protected:
  void TearDown() override { std::filesystem::remove_all(dir_); }
  size_t regular_files() const {
    size_t files = 0;
    for (auto& e : std::filesystem::directory_iterator(dir_)) files += e.is_regular_file();
    return files;
  }
  const std::string dir_ = testing::make_temp_dir("skvts");
  const std::string path_ = dir_ + "/state";
  StateFile f_{path_};
};

TEST_F(VtokenStateFile, CreatesSavesAtomicallyWithMode0600) {
  auto s = f_.load_or_create();
  ASSERT_TRUE(s.ok());
  struct stat st {};
  ASSERT_EQ(stat(path_.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  s->sign_counter = 42;
  ASSERT_TRUE(f_.save(*s).ok());
  EXPECT_EQ(f_.load_or_create()->sign_counter, 42u);
  EXPECT_EQ(regular_files(), 1u);  // no temp files left behind
  std::ofstream(path_, std::ios::trunc) << "garbage";
  EXPECT_FALSE(f_.load_or_create().ok());  // never silently replaced
  EXPECT_FALSE(StateFile(dir_ + "/missing-dir/state").load_or_create().ok());
}

Bytes file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// A save writes a new file and renames it over the old one: never in place.
TEST_F(VtokenStateFile, SaveReplacesTheFileWithANew0600One) {
  auto s = f_.load_or_create();
  ASSERT_TRUE(s.ok());
  ASSERT_EQ(chmod(path_.c_str(), 0644), 0);  // as a person might have left it
  struct stat before {
  }, after{};
  ASSERT_EQ(stat(path_.c_str(), &before), 0);
  s->sign_counter = 7;
  ASSERT_TRUE(f_.save(*s).ok());
  ASSERT_EQ(stat(path_.c_str(), &after), 0);
  EXPECT_NE(after.st_ino, before.st_ino);
  EXPECT_EQ(after.st_mode & 0777, 0600u);
  EXPECT_EQ(f_.load_or_create()->sign_counter, 7u);
}

// A save that fails half way (here: the file size limit stops the write)
// leaves the old state whole and no temp file behind. Root ignores file
// modes, so the failure comes from RLIMIT_FSIZE, in a child process.
TEST_F(VtokenStateFile, FailedSaveLeavesTheOldStateIntact) {
  auto s = f_.load_or_create();
  ASSERT_TRUE(s.ok());
  Bytes old = file_bytes(path_);
  ASSERT_FALSE(old.empty());
  TokenState changed = sample();
  pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    signal(SIGXFSZ, SIG_IGN);  // write() fails with EFBIG instead of killing
    struct rlimit lim = {16, 16};
    setrlimit(RLIMIT_FSIZE, &lim);
    _exit(f_.save(changed).ok() ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 3);  // the save reported its failure
  EXPECT_EQ(file_bytes(path_), old);
  EXPECT_EQ(regular_files(), 1u);  // the temp file was removed
  auto back = f_.load_or_create();
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->master_secret, s->master_secret);
}

}  // namespace
}  // namespace skagent::vtoken
