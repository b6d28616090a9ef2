// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace skagent {

// The one sanitiser for text chosen by someone else (client, server, key
// comment, certificate, command line) on its way to a prompt, a notification
// or the audit log: backslash, C0/C1 controls, line and paragraph separators,
// format characters (Cf: bidi controls, zero-width, tags...), odd spaces and
// invalid UTF-8 (overlong, surrogates, truncated) become visible escapes
// (a backslash, \x0a, \u2029, \U000e0041); at most `max` bytes of it are kept, and a
// cut string ends in "...[cut]".
std::string printable(std::string_view s, size_t max = 200);

}  // namespace skagent
