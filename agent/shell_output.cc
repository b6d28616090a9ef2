// SPDX-License-Identifier: BSD-2-Clause
#include "agent/shell_output.h"

namespace skagent {

std::string env_line(bool csh, const std::string& name, const std::string& value) {
  if (csh) return "setenv " + name + " " + value + ";\n";
  return name + "=" + value + "; export " + name + ";\n";
}

std::string unset_line(bool csh, const std::string& name) {
  return (csh ? "unsetenv " : "unset ") + name + ";\n";
}

}  // namespace skagent
