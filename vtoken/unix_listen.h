// SPDX-License-Identifier: BSD-2-Clause
// The virtual token's listening sockets (CTAPHID and test control): UNIX
// stream sockets, mode 0600, a stale socket at the path replaced.
#pragma once

#include <string>

#include "base/error.h"

namespace skagent::vtoken {

// `what` names the socket in errors ("HID socket", "control socket").
Result<int> listen_unix(const std::string& path, const char* what, int backlog, bool nonblocking);

}  // namespace skagent::vtoken
