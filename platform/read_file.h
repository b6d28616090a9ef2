// SPDX-License-Identifier: BSD-2-Clause
// Reading a small file whole: a policy file, a /proc entry.
#pragma once

#include <cstddef>
#include <string>

#include "base/error.h"

namespace skagent {

// Who may have written a file the caller trusts. `user_or_root`: as ssh(1) checks its
// config, the file (after symlinks: the file opened) must be owned by this process's user or
// root and be writable by nobody else (no group or other write bit).
enum class FileOwner { any, user_or_root };

// Errc::denied naming the owner or mode when the open file `fd` fails that check.
Status check_file_owner(int fd, const std::string& path);

// The first `limit` bytes of the regular file `path` (*truncated, when given,
// says whether there was more). A missing file is Errc::not_found.
Result<std::string> read_file_head(const std::string& path, size_t limit, bool* truncated = nullptr,
                                   FileOwner owner = FileOwner::any);

}  // namespace skagent
