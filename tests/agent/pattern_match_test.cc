// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/pattern_match.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

namespace skagent {
namespace {

// A pattern, the names it matches and the names it does not.
struct Expectation {
  const char* pattern;
  std::vector<const char*> matching, other;
};

void expect_patterns(const std::vector<Expectation>& expectations) {
  for (const Expectation& e : expectations) {
    for (const char* name : e.matching)
      EXPECT_TRUE(match_pattern(name, e.pattern)) << '"' << name << "\" ~ \"" << e.pattern << '"';
    for (const char* name : e.other)
      EXPECT_FALSE(match_pattern(name, e.pattern)) << '"' << name << "\" ~ \"" << e.pattern << '"';
  }
}

TEST(PatternMatch, Literal) {
  expect_patterns({
      {"alice", {"alice"}, {"alic", "Alice"}},  // case-sensitive, as OpenSSH
      {"alic", {}, {"alice"}},
      {"", {""}, {"a"}},
      {"a", {}, {""}},
  });
}

TEST(PatternMatch, Star) {
  expect_patterns({
      {"*", {"", "anything"}, {}},
      {"*.example.com", {"host.example.com"}, {"example.com"}},
      {"a*bcd", {"abcbcd"}, {}},  // needs backtracking
      {"a**b", {"ab"}, {}},
      {"a*b*", {"axxb"}, {"axxc"}},
      {"--BADUSER", {"--BADUSER"}, {"alice"}},
  });
}

TEST(PatternMatch, Question) {
  expect_patterns({
      {"host_?", {"host_a"}, {"host_", "host_ab"}},
      {"?*?", {"abc"}, {"a"}},
  });
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
