// SPDX-License-Identifier: BSD-2-Clause
// An agent's CPU time (all its threads: user + system) from /proc/PID/stat, to
// divide by the signatures made in between: the agent's own cost per signature.
#pragma once

#include <sys/types.h>

#include <functional>

#include "base/error.h"

namespace skagent::bench {

Result<double> process_cpu_seconds(pid_t pid);

// CPU microseconds (this thread's) per call of `op`, called in rounds of `round` until about
// `seconds` were spent; the first error ends it. For the costs measured in-process (the raw
// signature, the unseal, the audit line).
Result<double> cpu_us_per_call(double seconds, int round, const std::function<Status()>& op);

}  // namespace skagent::bench
