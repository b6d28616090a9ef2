// SPDX-License-Identifier: BSD-2-Clause
// Finds a loaded key by its comment (the benchmark's key files carry
// distinct comments, which ssh-add passes on to the agent).
#pragma once

#include <string>
#include <string_view>

#include "base/bytes.h"
#include "base/error.h"

namespace skagent::bench {

Result<Bytes> find_key_by_comment(const std::string& socket, std::string_view comment);

}  // namespace skagent::bench
