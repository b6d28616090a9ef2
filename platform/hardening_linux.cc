// SPDX-License-Identifier: BSD-2-Clause
#include <sys/prctl.h>
#include <sys/resource.h>

#include <cerrno>
#include <cstring>

#include "platform/hardening.h"

namespace skagent {

Status harden_process() {
  struct rlimit none = {0, 0};
  if (setrlimit(RLIMIT_CORE, &none) != 0) {
    return make_error(Errc::io, std::string("setrlimit(RLIMIT_CORE): ") + strerror(errno));
  }
  if (prctl(PR_SET_DUMPABLE, 0) != 0) {
    return make_error(Errc::io, std::string("prctl(PR_SET_DUMPABLE): ") + strerror(errno));
  }
  return {};
}

}  // namespace skagent
