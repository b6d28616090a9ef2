// SPDX-License-Identifier: BSD-2-Clause
// session-bind@openssh.com bodies: parse_session_bind, then apply_session_bind twice on one
// connection's bindings (the second a replay). A failed apply leaves the bindings unchanged.
#include "agent/protocol/session_binding.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ByteView body(data, size);
  auto req = parse_session_bind(body);
  std::vector<SessionBinding> bindings;
  auto first = apply_session_bind(body, bindings);
  if (!req) FUZZ_CHECK(!first.ok());
  FUZZ_CHECK(bindings.size() == (first.ok() ? 1u : 0u));
  auto copy = bindings;
  auto second = apply_session_bind(body, bindings);
  if (!second) FUZZ_CHECK(bindings.size() == copy.size());
  FUZZ_CHECK(bindings.size() <= kMaxSessionBindings);
  if (req) FUZZ_CHECK(req->session_id.size() <= kMaxSessionIdLen);
  return 0;
}
