// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/provider_allowlist.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <climits>
#include <filesystem>
#include <fstream>
#include <string>

namespace skagent {
namespace {

namespace fs = std::filesystem;

TEST(MatchPatternList, PositiveAndNegated) {
  const char* list = "/usr/lib*/*,!/usr/lib/evil*";
  EXPECT_EQ(match_pattern_list("/usr/lib/libsk.so", list), 1);
  EXPECT_EQ(match_pattern_list("/usr/lib64/x86_64/libsk.so", list), 1);
  EXPECT_EQ(match_pattern_list("/usr/lib/evil.so", list), -1);
  EXPECT_EQ(match_pattern_list("/usr/lib/evil/sub.so", list), -1);
  EXPECT_EQ(match_pattern_list("/opt/libsk.so", list), 0);
  EXPECT_EQ(match_pattern_list("/usr/lib", list), 0);
}

TEST(MatchPatternList, NegationWinsWhateverItsPosition) {
  EXPECT_EQ(match_pattern_list("/usr/lib/evil.so", "!/usr/lib/evil*,/usr/lib*/*"), -1);
  EXPECT_EQ(match_pattern_list("/usr/lib/evil.so", "/usr/lib*/*,/usr/*,!/usr/lib/evil*"), -1);
  EXPECT_EQ(match_pattern_list("/usr/lib/good.so", "!/usr/lib/evil*"),
            0);  // negation alone allows nothing
}

TEST(MatchPatternList, EdgeCases) {
  EXPECT_EQ(match_pattern_list("/usr/lib/a.so", ""), 0);
  EXPECT_EQ(match_pattern_list("/usr/lib/a.so", ","), 0);
  EXPECT_EQ(match_pattern_list("/usr/lib/a.so", "!"), 0);
  EXPECT_EQ(match_pattern_list("/usr/lib/a.so", "/usr/lib/a.so"), 1);
  EXPECT_EQ(match_pattern_list("/usr/lib/a.so", "/usr/lib/a.s"), 0);  // whole string must match
  EXPECT_EQ(match_pattern_list("/usr/lib/a.so", "/x,,/usr/lib/?.so,"), 1);
  EXPECT_EQ(match_pattern_list("/USR/LIB/a.so", "/usr/lib/*"), 0);  // case-sensitive
}

class CanonicalProviderPath : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/skagent-provider-test-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    char buf[PATH_MAX];
    ASSERT_NE(realpath(tmpl, buf), nullptr);
    dir_ = buf;
    fs::create_directories(dir_ / "allowed");
    fs::create_directories(dir_ / "outside");
    std::ofstream(dir_ / "allowed" / "libsk.so") << "x";
    std::ofstream(dir_ / "outside" / "evil.so") << "x";
    allow_ = (dir_ / "allowed").string() + "/*";
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
  std::string allow_;
};

TEST_F(CanonicalProviderPath, PlainFileInAllowlist) {
  std::string p = (dir_ / "allowed" / "libsk.so").string();
  auto r = canonical_provider_path(p, allow_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, p);
}

TEST_F(CanonicalProviderPath, FileOutsideAllowlistDenied) {
  auto r = canonical_provider_path((dir_ / "outside" / "evil.so").string(), allow_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::denied);
}

TEST_F(CanonicalProviderPath, SymlinkResolvingIntoAllowlist) {
  fs::create_symlink(dir_ / "allowed" / "libsk.so", dir_ / "outside" / "link.so");
  auto r = canonical_provider_path((dir_ / "outside" / "link.so").string(), allow_);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(*r, (dir_ / "allowed" / "libsk.so").string());
}

TEST_F(CanonicalProviderPath, SymlinkResolvingOutOfAllowlistDenied) {
  fs::create_symlink(dir_ / "outside" / "evil.so", dir_ / "allowed" / "link.so");
  auto r = canonical_provider_path((dir_ / "allowed" / "link.so").string(), allow_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::denied);
}

TEST_F(CanonicalProviderPath, DotDotEscapeDenied) {
  // The raw string matches "<dir>/allowed/*"; the canonical path does not.
  std::string p = (dir_ / "allowed").string() + "/../outside/evil.so";
  ASSERT_EQ(match_pattern_list(p, allow_), 1);
  auto r = canonical_provider_path(p, allow_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::denied);
}

TEST_F(CanonicalProviderPath, NegatedEntryDenies) {
  std::string list = allow_ + ",!" + (dir_ / "allowed").string() + "/lib*";
  auto r = canonical_provider_path((dir_ / "allowed" / "libsk.so").string(), list);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::denied);
}

TEST_F(CanonicalProviderPath, NonexistentPath) {
  auto r = canonical_provider_path((dir_ / "allowed" / "missing.so").string(), allow_);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.error().code, Errc::not_found);
  auto dangling_target = dir_ / "allowed" / "gone.so";
  fs::create_symlink(dangling_target, dir_ / "allowed" / "dangling.so");
  auto d = canonical_provider_path((dir_ / "allowed" / "dangling.so").string(), allow_);
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.error().code, Errc::not_found);
  EXPECT_FALSE(canonical_provider_path("", allow_).ok());
}

}  // namespace
}  // namespace skagent
