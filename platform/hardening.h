// SPDX-License-Identifier: BSD-2-Clause
// Process hardening applied at start-up, before any key arrives.
#pragma once

#include "base/error.h"

namespace skagent {

// No core dumps, not ptrace-attachable by the same uid (PR_SET_DUMPABLE 0).
Status harden_process();

}  // namespace skagent
