// SPDX-License-Identifier: BSD-2-Clause
// System-call and file-system sandboxes, installed once start-up is over.
//
// The agent: a seccomp filter (libseccomp) whose default is to fail an unlisted system call
// with EPERM, and which ends the process at once on the calls an attacker who took over the
// agent would need to get out: execve/execveat, ptrace, process_vm_readv/writev, fork-like
// clone, sockets other than AF_UNIX, mount, bpf, kexec, module loading... The agent never
// executes programs itself: prompts and helpers are started by a small spawner process forked
// before any key arrives (platform/process.h), so the filter need not allow exec. Where the
// kernel has Landlock, the agent may also only read files (no writing, creating, removing,
// executing; no TCP at all).
//
// The helpers (skagent-sk-helper): a filter whose default action kills the helper, allowing
// what a token library needs (files, the hidraw ioctls, AF_UNIX and netlink sockets, threads),
// and Landlock: read everything, read/write/ioctl under /dev only, no exec, no TCP.
#pragma once

#include <string>

#include "base/error.h"

namespace skagent {

// Landlock for the agent: read only; nothing may be written, created, removed or executed.
// (Its socket and directory are removed at exit by the spawner, outside the sandbox: a removal
// right would cover the whole tree beneath the socket's directory.) Per thread: call before any
// other thread starts (threads started afterwards inherit it). ok() when applied or when the
// kernel has no Landlock.
Status apply_agent_landlock();
// The agent's seccomp filter, for every thread of the process.
Status apply_agent_seccomp();

// Landlock and seccomp for a helper process (single-threaded when called).
Status apply_helper_sandbox();

// The Landlock ABI the kernel offers (0: none), and whether seccomp filters are available.
int landlock_abi();

}  // namespace skagent
