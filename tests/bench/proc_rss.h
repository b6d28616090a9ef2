// Resident memory of a process and its descendants, from /proc. Counting the
// descendants keeps the comparison fair for an agent that keeps helpers.
#pragma once

#include <sys/types.h>

#include <cstdint>

#include "ssh/error.h"

namespace skagent::bench {

struct TreeRss {
  uint64_t total_kb = 0;
  unsigned processes = 0;
};

Result<uint64_t> vm_rss_kb(pid_t pid);
Result<TreeRss> tree_rss_kb(pid_t root);

}  // namespace skagent::bench
