// SPDX-License-Identifier: BSD-2-Clause
// The policy file parser (skagent.conf(5)): any text either parses or is refused with
// "source:line: reason"; a parsed policy resolves for any key without trouble.
#include "agent/policy/policy.h"
#include "agent/policy/policy_config.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto r = parse_policy_config(text, "conf", "/home/u");
  if (!r) {
    FUZZ_CHECK(r.error().message.rfind("conf", 0) == 0);
    return 0;
  }
  Policy p(PolicyConfig{}, *r);
  (void)p.for_key("SHA256:abc", "MD5:00:11", "work key");
  (void)p.known_hosts_files("/home/u");
  (void)p.literal_destination_hosts();
  return 0;
}
