// SPDX-License-Identifier: BSD-2-Clause
#include "platform/memory_trim.h"

#include <malloc.h>

namespace skagent {

// glibc keeps freed chunks below the mmap threshold (128 KiB) in its free lists, and returns
// only the top of the heap past M_TRIM_THRESHOLD; malloc_trim also releases whole free pages
// in the middle (madvise), which the sandbox allows.
void release_free_memory() { malloc_trim(0); }

}  // namespace skagent
