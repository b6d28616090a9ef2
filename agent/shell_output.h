// SPDX-License-Identifier: BSD-2-Clause
// The lines ssh-agent prints for `eval`, in sh or csh syntax.
#pragma once

#include <string>

namespace skagent {

std::string env_line(bool csh, const std::string& name, const std::string& value);
std::string unset_line(bool csh, const std::string& name);

}  // namespace skagent
