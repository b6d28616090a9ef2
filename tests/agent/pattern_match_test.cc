// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/pattern_match.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>

namespace skagent {
namespace {

TEST(PatternMatch, Literal) {
  EXPECT_TRUE(match_pattern("alice", "alice"));
  EXPECT_FALSE(match_pattern("alice", "alic"));
  EXPECT_FALSE(match_pattern("alic", "alice"));
  EXPECT_FALSE(match_pattern("Alice", "alice"));  // case-sensitive, as OpenSSH
  EXPECT_TRUE(match_pattern("", ""));
  EXPECT_FALSE(match_pattern("a", ""));
  EXPECT_FALSE(match_pattern("", "a"));
}

TEST(PatternMatch, Star) {
  EXPECT_TRUE(match_pattern("", "*"));
  EXPECT_TRUE(match_pattern("anything", "*"));
  EXPECT_TRUE(match_pattern("host.example.com", "*.example.com"));
  EXPECT_FALSE(match_pattern("example.com", "*.example.com"));
  EXPECT_TRUE(match_pattern("abcbcd", "a*bcd"));  // needs backtracking
  EXPECT_TRUE(match_pattern("ab", "a**b"));
  EXPECT_TRUE(match_pattern("axxb", "a*b*"));
  EXPECT_FALSE(match_pattern("axxc", "a*b*"));
  EXPECT_TRUE(match_pattern("--BADUSER", "--BADUSER"));
  EXPECT_FALSE(match_pattern("alice", "--BADUSER"));
}

TEST(PatternMatch, Question) {
  EXPECT_TRUE(match_pattern("host_a", "host_?"));
  EXPECT_FALSE(match_pattern("host_", "host_?"));
  EXPECT_FALSE(match_pattern("host_ab", "host_?"));
  EXPECT_TRUE(match_pattern("abc", "?*?"));
  EXPECT_FALSE(match_pattern("a", "?*?"));
}

TEST(PatternMatch, NoSpecialMeaningForOtherCharacters) {
  EXPECT_FALSE(match_pattern("a", "[a]"));
  EXPECT_FALSE(match_pattern("alice", "!alice"));  // not a pattern list
  EXPECT_FALSE(match_pattern("a", "a,b"));
}

TEST(PatternMatch, HostilePatternIsFast) {
  std::string s(4000, 'a');
  std::string p;
  for (int i = 0; i < 200; ++i) p += "*a";
  p += "*b";
  auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(match_pattern(s, p));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
}

}  // namespace
}  // namespace skagent
