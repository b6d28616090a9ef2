// SPDX-License-Identifier: BSD-2-Clause
// Provider libraries (-P): a comma-separated pattern list with '!' negation,
// matched against the library's canonical path, as ssh-agent does.
#pragma once

#include <string>
#include <string_view>

#include "base/error.h"

namespace skagent {

// OpenSSH's match_pattern_list: 1 = a positive pattern matched, -1 = a
// negated pattern matched (which wins), 0 = nothing matched.
int match_pattern_list(std::string_view s, std::string_view patterns);

// realpath() of `path`, refused unless it matches `allowlist`.
Result<std::string> canonical_provider_path(const std::string& path, std::string_view allowlist);

}  // namespace skagent
