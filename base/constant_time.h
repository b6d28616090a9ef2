// SPDX-License-Identifier: BSD-2-Clause
// Marking where constant-time code lets a secret-derived value become public.
//
// Code that handles secrets must not branch on them or index memory with them. The few
// places where a decision on secret-derived data is allowed (ML-DSA's rejection checks, see
// ssh/mldsa44.cc) call declassify() on exactly the value the branch reads. Under valgrind
// memcheck, a test marks the secret inputs undefined (tests/ssh/mldsa44_ct_main.cc); every
// branch or index on data derived from them is then reported, except on declassified values.
// Outside valgrind the client request costs a few instructions and does nothing.
#pragma once

#include <cstddef>

#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define SKAGENT_MEMCHECK_DEFINED(p, n) VALGRIND_MAKE_MEM_DEFINED((p), (n))
#else
#define SKAGENT_MEMCHECK_DEFINED(p, n) ((void)(p), (void)(n))
#endif

namespace skagent {

// Declares that `n` bytes at `p` may be branched on: call it only with a comment saying
// why revealing the value leaks nothing about the secret.
inline void declassify(const void* p, size_t n) { SKAGENT_MEMCHECK_DEFINED(p, n); }

}  // namespace skagent
