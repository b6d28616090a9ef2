// SPDX-License-Identifier: BSD-2-Clause
// known_hosts text: any file parses (bad lines skipped), and lookups on what was parsed
// neither crash nor read out of bounds, for plain keys and host certificates alike.
#include "agent/policy/known_hosts.h"
#include "tests/fuzz/fuzz_util.h"

using namespace skagent;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const PublicKey host = fuzz::read_key(fuzz::fixed_ed25519_private(1)).public_key();
  KnownHosts kh;
  kh.add_text(std::string_view(reinterpret_cast<const char*>(data), size), "fuzz");
  FUZZ_CHECK(kh.size() <= KnownHosts::kMaxEntries);
  std::vector<std::string> candidates = {"host", "[host]:2222", "a.example.com"};
  (void)kh.names_for(host, candidates);
  (void)kh.known_for("host", host);
  for (const auto& e : kh.entries()) {
    (void)known_hosts_entry_matches(e, "host");
    (void)kh.names_for(e.key, candidates);
  }
  return 0;
}
