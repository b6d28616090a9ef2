// SPDX-License-Identifier: BSD-2-Clause
// A service child of this process (the spawner, the process-info reader): forked early, while
// the process is still small and single-threaded, and spoken to over a socketpair.
#pragma once

#include <functional>

#include "base/error.h"

namespace skagent {

// Forks the service over a SOCK_SEQPACKET socketpair. The child dies with its parent, is named
// `name` (prctl), keeps only fds 0-2 and its end of the pair as fd 3, and runs
// `child_main(3)`, which does not return. The parent gets its own end. `what` starts the
// error messages ("spawner fork: ...").
Result<int> fork_service(const char* name, const char* what,
                         const std::function<void(int sock)>& child_main);

}  // namespace skagent
