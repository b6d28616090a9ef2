// ssh-agent's command line, parsed into one value.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ssh/error.h"
#include "ssh/fingerprint.h"

namespace skagent {

struct AgentOptions {
  enum class Shell { auto_detect, sh, csh };
  Shell shell = Shell::auto_detect;     // -s / -c
  bool debug = false;                   // -d: foreground, debug log to stderr
  bool foreground = false;              // -D
  bool kill = false;                    // -k
  bool version = false;                 // -V
  std::string socket_path;              // -a
  bool tmp_socket = false;              // -T: the old $TMPDIR/ssh-XXXXXXXXXX/agent.<ppid> socket
  bool keep_stale = false;              // -U: no stale-socket cleanup in ~/.ssh/agent
  int clean_stale = 0;                  // -u: clean ~/.ssh/agent and exit; -uu: of every host
  FingerprintHash fingerprint_hash = FingerprintHash::sha256;  // -E
  std::string allowed_providers = "/usr/lib*/*,/usr/local/lib*/*";  // -P
  uint32_t default_lifetime = 0;        // -t, seconds; 0 = forever
  bool allow_remote_providers = false;  // -O allow-remote-pkcs11
  bool restrict_websafe = true;         // -O no-restrict-websafe clears
  std::string websafe_allowlist = "ssh:*";  // -O websafe-allow=
  std::string policy_file;              // -f: the policy file (skagent.conf(5))
  std::vector<std::string> policy_overrides;  // -o "Keyword value": policy lines that win
  std::vector<std::string> command;     // command mode
};

Result<AgentOptions> parse_agent_options(int argc, char** argv);

// ssh-agent's time format: "90", "1h30m", "2d" (s m h d w units).
std::optional<uint32_t> parse_duration(const std::string& s);

extern const char* const kAgentUsage;

}  // namespace skagent
