// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/provider_allowlist.h"

#include <climits>
#include <cstdlib>

#include "agent/policy/pattern_match.h"

namespace skagent {

int match_pattern_list(std::string_view s, std::string_view patterns) {
  int result = 0;
  while (!patterns.empty()) {
    size_t comma = patterns.find(',');
    std::string_view p = patterns.substr(0, comma);
    patterns = comma == std::string_view::npos ? std::string_view() : patterns.substr(comma + 1);
    bool negated = !p.empty() && p[0] == '!';
    if (negated) p.remove_prefix(1);
    if (!match_pattern(s, p)) continue;
    if (negated) return -1;
    result = 1;
  }
  return result;
}

Result<std::string> canonical_provider_path(const std::string& path, std::string_view allowlist) {
  char buf[PATH_MAX];
  if (realpath(path.c_str(), buf) == nullptr) {
    return make_error(Errc::not_found, "provider \"" + path + "\": realpath failed");
  }
  std::string canonical = buf;
  if (match_pattern_list(canonical, allowlist) != 1) {
    return make_error(Errc::denied, "provider " + canonical + " is not in the -P allowlist");
  }
  return canonical;
}

}  // namespace skagent
