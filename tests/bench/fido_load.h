// SPDX-License-Identifier: BSD-2-Clause
// fido/ against bare libfido2 on the same virtual token (immediate touch):
// enroll, sign and resident-key load, each made the middleware's way and the
// bare way, alternately, so both see the same token and the same machine
// load. The difference is what fido/ adds per operation (device opening and
// selection, option handling, the cancel watch, checks and conversions).
#pragma once

#include <string>

#include "base/error.h"
#include "tests/bench/latency.h"

namespace skagent::bench {

struct FidoBench {
  std::string vtoken_socket;  // a token with `pin` set and touch "immediate"
  std::string pin;
  unsigned rounds = 200;  // per operation and per side
};

struct FidoOpTiming {
  LatencySummary bare, fido;
};

struct FidoBenchResult {
  FidoOpTiming enroll, sign, load, sign_discovery;
};

Result<FidoBenchResult> run_fido_bench(const FidoBench& b);

}  // namespace skagent::bench
