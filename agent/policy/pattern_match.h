// SPDX-License-Identifier: BSD-2-Clause
// OpenSSH's single-pattern wildcard match (match.c match_pattern): '*' matches
// any run of characters, '?' exactly one; case-sensitive; the whole string
// must match. Used for the user part of destination constraints and for host
// certificate principals.
#pragma once

#include <string_view>

namespace skagent {

bool match_pattern(std::string_view s, std::string_view pattern);

}  // namespace skagent
