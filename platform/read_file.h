// SPDX-License-Identifier: BSD-2-Clause
// Reading a small file whole: a policy file, a /proc entry.
#pragma once

#include <cstddef>
#include <string>

#include "ssh/error.h"

namespace skagent {

// The first `limit` bytes of the regular file `path` (*truncated, when given,
// says whether there was more). A missing file is Errc::not_found.
Result<std::string> read_file_head(const std::string& path, size_t limit, bool* truncated = nullptr);

}  // namespace skagent
