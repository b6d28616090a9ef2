// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/pattern_match.h"

namespace skagent {

// Greedy scan that remembers the last '*' and retries from one character
// further on a mismatch: same answers as OpenSSH's recursive matcher, but
// O(|s|·|pattern|) instead of exponential on hostile patterns like "*a*a*a*b".
bool match_pattern(std::string_view s, std::string_view pattern) {
  size_t si = 0, pi = 0;
  size_t star = std::string_view::npos, resume = 0;
  while (si < s.size()) {
    if (pi < pattern.size() && (pattern[pi] == '?' || pattern[pi] == s[si])) {
      ++si, ++pi;
    } else if (pi < pattern.size() && pattern[pi] == '*') {
      star = pi++;
      resume = si;
    } else if (star != std::string_view::npos) {
      pi = star + 1;
      si = ++resume;
    } else {
      return false;
    }
  }
  while (pi < pattern.size() && pattern[pi] == '*') ++pi;
  return pi == pattern.size();
}

}  // namespace skagent
