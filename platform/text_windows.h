// SPDX-License-Identifier: BSD-2-Clause
// Windows takes text as UTF-16 (the *W calls); the project keeps it in UTF-8.
#pragma once

#include <string>

namespace skagent {

// UTF-8 to UTF-16; invalid sequences become U+FFFD, as MultiByteToWideChar makes them.
std::wstring widen(const std::string& s);

}  // namespace skagent
