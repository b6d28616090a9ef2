// SPDX-License-Identifier: BSD-2-Clause
// Windows additions to platform/process.h: spawn_process keeps a handle to each child (a
// process id alone could be reused), and these wait for or end it.
#pragma once

#include <cstdint>

#include "platform/process.h"

namespace skagent {

// The exit code of a child started by spawn_process, waiting at most timeout_ms.
// Errc::timeout leaves the child running and waitable again; Errc::not_found for an unknown pid.
Result<int> wait_child(pid_t pid, uint32_t timeout_ms);

// Ends a child started by spawn_process (exit code 1) and forgets it.
void kill_child(pid_t pid);

}  // namespace skagent
