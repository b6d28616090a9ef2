// SPDX-License-Identifier: BSD-2-Clause
// Head-of-line blocking under a confirm prompt: client A signs with a
// confirm-constrained key, and while the agent's prompt (SSH_ASKPASS) is open
// client B times signs with a plain software key. An agent that serves one
// request at a time makes B wait for the whole prompt.
#pragma once

#include <string>

#include "base/bytes.h"
#include "base/error.h"
#include "tests/bench/latency.h"

namespace skagent::bench {

struct ConfirmLoad {
  std::string socket;
  Bytes confirm_key;  // added with ssh-add -c
  Bytes fast_key;     // an ed25519 key without constraints
  // The askpass script creates this file when it starts and removes it just
  // before it exits: while it exists, the prompt is certainly open.
  std::string prompt_marker;
  size_t max_samples = 300;
  double prompt_timeout_s = 10;
};

struct ConfirmResult {
  bool granted = false;       // A's sign succeeded
  double confirm_wait_s = 0;  // A's whole request, prompt included
  // B's signs that started while the prompt was open.
  LatencySummary other;
};

Result<ConfirmResult> run_confirm_load(const ConfirmLoad& load);

}  // namespace skagent::bench
