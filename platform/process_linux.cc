// SPDX-License-Identifier: BSD-2-Clause
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <unistd.h>

#include <cstring>
#include <optional>

#include "platform/process.h"

extern char** environ;

namespace skagent {

// platform/spawner_linux.cc: nullopt when no spawner runs.
std::optional<Result<pid_t>> spawn_through_spawner(const SpawnOptions& opts);

Result<pid_t> spawn_process(const SpawnOptions& opts) {
  if (opts.argv.empty()) return make_error(Errc::internal, "spawn: empty argv");
  if (auto r = spawn_through_spawner(opts)) return std::move(*r);
  std::vector<std::string> env_store;
  for (char** e = environ; *e != nullptr; e++) env_store.emplace_back(*e);
  env_store.insert(env_store.end(), opts.extra_env.begin(), opts.extra_env.end());
  std::vector<char*> argv, envp;
  for (const auto& a : opts.argv) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  for (const auto& e : env_store) envp.push_back(const_cast<char*>(e.c_str()));
  envp.push_back(nullptr);

  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (opts.null_stdin) posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
  for (auto [child, parent] : opts.fds) posix_spawn_file_actions_adddup2(&fa, parent, child);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  posix_spawnattr_setsigmask(&attr, &none);  // the agent blocks signals for signalfd
  sigset_t defaults;
  sigfillset(&defaults);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  // A new session without a controlling terminal: whatever runs in a helper (a token library)
  // or a prompter cannot type into the terminal the agent was started from (TIOCSTI).
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) return make_error(Errc::io, "cannot start " + opts.argv[0] + ": " + strerror(rc));
  return pid;
}

}  // namespace skagent
