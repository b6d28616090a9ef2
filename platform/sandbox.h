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
// The helpers (skagent-sk-helper, skagent-pkcs11-helper): a filter whose default action kills
// the helper, allowing what a token library needs (files, the hidraw ioctls, AF_UNIX and
// netlink sockets, threads, signals to itself only), and Landlock: read everything; write and
// ioctl only the device nodes and store directories the helper names; no exec, no TCP.
#pragma once

#include <string>
#include <vector>

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

// What a helper's token library may change; everything else it may only read.
struct HelperSandboxRules {
  // Device nodes it may open for writing and ioctl (an sk helper: the hidraw nodes present when
  // it starts). /dev/null is always writable; no other node under /dev is (no terminal).
  std::vector<std::string> devices;
  // Directories beneath which it may write, create and remove files (a PKCS#11 module's own
  // object store, e.g. SoftHSM2's token directory).
  std::vector<std::string> stores;
  // Reaches no token (an sk helper's token-free spare): no socket but the ones it was given
  // (socket and socketpair fail with EACCES) and no device node, not even to read (only
  // /dev/null, zero, random and urandom): no hidraw node, pcscd or virtual token.
  bool token_free = false;
};

// The hidraw nodes present now (/dev/hidraw*), the devices libfido2 opens.
std::vector<std::string> hidraw_nodes();

// Landlock and seccomp for a helper process (single-threaded when called: Landlock covers only
// the calling thread and the threads it starts later).
Status apply_helper_sandbox(const HelperSandboxRules& rules);

// The Landlock ABI the kernel offers (0: none), and whether seccomp filters are available.
int landlock_abi();

}  // namespace skagent
