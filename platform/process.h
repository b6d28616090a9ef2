// Starting helper and prompter processes.
#pragma once

#include <sys/types.h>

#include <string>
#include <utility>
#include <vector>

#include "ssh/error.h"

namespace skagent {

struct SpawnOptions {
  std::vector<std::string> argv;
  std::vector<std::string> extra_env;     // "NAME=value" added to our environ
  std::vector<std::pair<int, int>> fds;   // (child fd, parent fd) to dup2
  bool null_stdin = true;
};

// Spawns without a shell; stdin is /dev/null unless mapped; stderr is shared.
Result<pid_t> spawn_process(const SpawnOptions& opts);

}  // namespace skagent
