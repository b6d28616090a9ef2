// SPDX-License-Identifier: BSD-2-Clause
#pragma once

#include <string>
#include <vector>

namespace skagent {

// Host-name candidates for hashed known_hosts entries, from a command line
// (ssh's destination, -J jump hosts, -p ports; other words are harmless).
std::vector<std::string> host_candidates(const std::vector<std::string>& argv);

}  // namespace skagent
