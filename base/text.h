// SPDX-License-Identifier: BSD-2-Clause
// Small text helpers that several modules need: the one copy of each.
#pragma once

#include <charconv>
#include <string>
#include <string_view>

namespace skagent {

// `s` with ASCII A-Z made a-z; every other byte (UTF-8 included) as it is. Host names, option
// names and hash names compare this way, whatever the locale.
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  }
  return out;
}

// The whole of `s` as a decimal number of type T (no sign for unsigned T, no spaces, no
// trailing text, no overflow); false, with `out` unspecified, otherwise.
template <class T>
bool parse_number(std::string_view s, T& out) {
  if (s.empty()) return false;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

}  // namespace skagent
