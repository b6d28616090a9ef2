// SPDX-License-Identifier: BSD-2-Clause
// The subcommands of skagent-bench. Measurement commands print metrics
// (see metrics.h) on stdout and problems on stderr; each returns an exit code.
#pragma once

#include <iostream>
#include <string_view>

#include "base/error.h"
#include "tests/bench/args.h"

namespace skagent::bench {

// sign --comment C --name N [--flags F] [--clients 1,8] [--seconds 3] [--pid AGENT]
int cmd_sign(const Args& args);
// roundtrip [--clients 1,8] [--seconds 3] [--pid AGENT]: a request answered with no work.
int cmd_roundtrip(const Args& args);
// raw [--seconds 1]: OpenSSL's own signature cost per key type on this machine, and the
// cost of unsealing such a key from skagent's key shield.
int cmd_raw(const Args& args);
// list [--calls 500] [--seconds 5]
int cmd_list(const Args& args);
// confirm --confirm-comment C --fast-comment C --marker PATH [--samples 300]
int cmd_confirm(const Args& args);
// rss --pid P --name N
int cmd_rss(const Args& args);
// report --ref FILE --new FILE: the comparison table with the targets.
int cmd_report(const Args& args);
// fido --vtoken SOCKET [--pin PIN] [--rounds 200]: fido/ against bare libfido2.
int cmd_fido(const Args& args);

inline int fail(std::string_view command, const Error& e) {
  std::cerr << "skagent-bench " << command << ": " << e.message << '\n';
  return 1;
}

}  // namespace skagent::bench
