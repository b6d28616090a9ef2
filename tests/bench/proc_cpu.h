// SPDX-License-Identifier: BSD-2-Clause
// An agent's CPU time (all its threads: user + system) from /proc/PID/stat, to
// divide by the signatures made in between: the agent's own cost per signature.
#pragma once

#include <sys/types.h>

#include "base/error.h"

namespace skagent::bench {

Result<double> process_cpu_seconds(pid_t pid);

}  // namespace skagent::bench
