// SPDX-License-Identifier: BSD-2-Clause
// Resident memory of a process and its descendants, from /proc. The agent's own
// VmRSS is the figure the issue compares; the tree's figures count the helpers
// an agent keeps: summed RSS counts each shared library page once per process,
// PSS divides shared pages among the processes that map them.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>

#include "base/error.h"

namespace skagent::bench {

struct TreeRss {
  uint64_t root_kb = 0;            // the root process's VmRSS
  uint64_t total_kb = 0;           // VmRSS summed over the tree
  std::optional<uint64_t> pss_kb;  // Pss summed; unset when smaps_rollup is unreadable
  unsigned processes = 0;
};

Result<uint64_t> vm_rss_kb(pid_t pid);
// Pss from /proc/PID/smaps_rollup (readable only with ptrace access: a
// non-dumpable agent's needs root).
Result<uint64_t> pss_kb(pid_t pid);
Result<TreeRss> tree_rss_kb(pid_t root);

}  // namespace skagent::bench
