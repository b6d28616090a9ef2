// SPDX-License-Identifier: BSD-2-Clause
// Starting helper and prompter processes.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace skagent {

struct SpawnOptions {
  std::vector<std::string> argv;
  std::vector<std::string> extra_env;    // "NAME=value" added to our environ
  std::vector<std::pair<int, int>> fds;  // (child fd, parent fd) to dup2
  bool null_stdin = true;
};

// Spawns without a shell; stdin is /dev/null unless mapped; stderr is shared.
Result<pid_t> spawn_process(const SpawnOptions& opts);

// Forks the spawner (platform/spawner_linux.cc): a small process, made before any secret
// arrives and before the sandbox is installed, that from then on starts every child for
// spawn_process, so the caller itself never forks or executes (its seccomp filter forbids
// both). Children are re-parented to the caller (a child subreaper), which waits for them and
// signals them as before. Only programs named in `allowed` (argv[0] as given) may be started;
// they get the environment of the moment the spawner was made plus SpawnOptions::extra_env.
// `remove_at_exit` names the agent's socket and the directory made for it (absolute paths;
// "" for none): the spawner, outside the agent's sandbox, removes them when asked.
Status start_spawner(std::vector<std::string> allowed,
                     std::vector<std::string> remove_at_exit = {});

// Asks the spawner to remove the files named at its start: a socket only while it is still a
// socket, a directory only when empty. False when no spawner runs (the caller removes them).
bool remove_through_spawner();

}  // namespace skagent
