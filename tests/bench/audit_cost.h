// SPDX-License-Identifier: BSD-2-Clause
// The part of every signature that is skagent's duty, not its overhead: the request's context
// (who asks, which key) and the audit line written for it (issue 5: every signature audited).
#pragma once

#include "base/error.h"

namespace skagent::bench {

// CPU microseconds (this thread's) per signature for SignGuard's context and audit line, as
// the agent makes them for a local caller (this process, read from /proc like any client) with
// the audit going to a file; over about `seconds`.
Result<double> context_and_audit_us(double seconds);

}  // namespace skagent::bench
