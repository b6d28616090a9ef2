// SPDX-License-Identifier: BSD-2-Clause
// ssh-agent's command line, parsed into one value.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

#include "base/error.h"
#include "ssh/fingerprint.h"

namespace skagent {

// How a prompt may be shown (OpenSSH's read_passphrase rules; agent/prompts/confirm_prompt.cc).
struct AskpassSettings {
  std::string display;          // $DISPLAY
  std::string wayland_display;  // $WAYLAND_DISPLAY
  std::string require;          // $SSH_ASKPASS_REQUIRE: force, never, or anything else
  std::string program;          // $SSH_ASKPASS ("": /usr/bin/ssh-askpass)
};

// The session bus touch notifications go to (agent/prompts/touch_notice.cc).
struct SessionBus {
  std::string address;      // $DBUS_SESSION_BUS_ADDRESS
  std::string runtime_dir;  // $XDG_RUNTIME_DIR (its "bus" socket when no address is given)
};

struct AgentOptions {
  enum class Shell { auto_detect, sh, csh };
  Shell shell = Shell::auto_detect;  // -s / -c
  bool debug = false;                // -d: foreground, debug log to stderr
  bool foreground = false;           // -D
  bool kill = false;                 // -k
  bool version = false;              // -V
  std::string socket_path;           // -a
  bool tmp_socket = false;           // -T: the old $TMPDIR/ssh-XXXXXXXXXX/agent.<ppid> socket
  bool keep_stale = false;           // -U: no stale-socket cleanup in ~/.ssh/agent
  int clean_stale = 0;               // -u: clean ~/.ssh/agent and exit; -uu: of every host
  FingerprintHash fingerprint_hash = FingerprintHash::sha256;       // -E
  std::string allowed_providers = "/usr/lib*/*,/usr/local/lib*/*";  // -P
  uint32_t default_lifetime = 0;                                    // -t, seconds; 0 = forever
  bool allow_remote_providers = false;                              // -O allow-remote-pkcs11
  bool restrict_websafe = true;                                     // -O no-restrict-websafe clears
  std::string websafe_allowlist = "ssh:*";                          // -O websafe-allow=
  std::string policy_file;                    // -f: the policy file (skagent.conf(5))
  std::vector<std::string> policy_overrides;  // -o "Keyword value": policy lines that win
  std::vector<std::string> command;           // command mode

  // What the environment says, read once by main (agent/main.cc, read_environment) and passed
  // from here to the code that needs it: nothing below main calls getenv, and tests set these.
  AskpassSettings askpass;
  SessionBus session_bus;
  std::string home;             // $HOME ("": main falls back on the password database)
  std::string config_path;      // $SKAGENT_CONFIG: the policy file when -f is not given
  std::string xdg_config_home;  // $XDG_CONFIG_HOME
  std::string tmp_dir;          // $TMPDIR, for -T ("": /tmp)
  // $SKAGENT_VTOKEN as given: skagent-vtoken sockets (separated by commas) the built-in FIDO2
  // code may use, handed to the security key helper on its command line; "": real tokens only.
  std::string vtokens;
  // $SKAGENT_PKCS11_LOAD_TIMEOUT / _SIGN_TIMEOUT: a PKCS#11 helper's deadlines (0: the
  // defaults of agent/helpers/pkcs11_helper_client.h).
  std::chrono::milliseconds pkcs11_load_timeout{0};
  std::chrono::milliseconds pkcs11_sign_timeout{0};

  // Limits against hostile clients (agent/server.cc, agent/protocol/lock_requests.cc; README
  // "Security"). Not on the command line: the defaults hold for one person's agent, and
  // tests pass smaller ones.
  size_t max_connections = 4096;
  size_t max_connections_per_process = 1024;        // one ssh -A carries every forwarded channel
  size_t buffer_budget = size_t(32) << 20;          // bytes buffered for all connections together
  std::chrono::milliseconds frame_deadline{20000};  // an incomplete frame older than this closes
  std::chrono::microseconds unlock_delay_step{100000};  // added per failed unlock (cap 100 steps)
};

Result<AgentOptions> parse_agent_options(int argc, char** argv);

// ssh-agent's time format: "90", "1h30m", "2d" (s m h d w units).
std::optional<uint32_t> parse_duration(const std::string& s);

extern const char* const kAgentUsage;

}  // namespace skagent
