// SPDX-License-Identifier: BSD-2-Clause
// The signing policy in force: parsed settings (agent/policy/policy_config.h) resolved
// for one key, and the decision for one sign request given its context.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "agent/log.h"
#include "agent/options.h"
#include "agent/policy/policy_config.h"
#include "agent/prompts/request_context.h"

namespace skagent {

// Every setting, resolved for one key (defaults where nothing was said).
struct KeyPolicy {
  ConfirmMode confirm = ConfirmMode::never;
  uint32_t approve_for = 0;
  ForwardedSigning forwarded_signing = ForwardedSigning::userauth;
  std::string sshsig_namespaces;  // empty: any
  std::optional<std::vector<DestinationSpec>> destinations;
  uint32_t pin_cache = 0;
  uint32_t prompt_timeout = 60;
  NotifyMode notify = NotifyMode::yes;
};

class Policy {
 public:
  Policy() = default;  // the defaults: what OpenSSH's agent does, plus ForwardedSigning userauth
  // `overrides` (from -o) first, then the file's sections.
  Policy(PolicyConfig overrides, PolicyConfig file);

  // Blocks apply when a pattern matches the key's SHA256 or MD5 fingerprint or
  // its comment (and no negated pattern does); the first value of each
  // keyword wins.
  KeyPolicy for_key(const std::string& sha256_fp, const std::string& md5_fp,
                    const std::string& comment) const;

  AuditTarget audit() const;
  // User files first, then the global ones (defaults ~/.ssh/known_hosts and
  // /etc/ssh/ssh_known_hosts); `home` expands the default user file.
  std::vector<std::string> known_hosts_files(const std::string& home) const;
  // The host names written in Destinations (candidates for hashed known_hosts entries).
  std::vector<std::string> literal_destination_hosts() const;

 private:
  std::vector<PolicyBlock> blocks_;
  GlobalSettings global_;
};

// What the policy says about one request before anyone is asked.
struct PolicyDecision {
  bool refuse = false;
  bool confirm = false;
  std::string reason;  // why refused / why confirmation is or is not needed
};

// `key_confirm`: the key was added with ssh-add -c (the policy never lifts that).
PolicyDecision decide(const KeyPolicy& policy, const SignContext& ctx, bool key_confirm);

// The Destinations check alone: every hop of the chain must be allowed.
bool destinations_allow(const std::vector<DestinationSpec>& specs, const SignContext& ctx,
                        std::string* why);

// The policy file in use and the policy built from it; reloaded on SIGHUP.
class PolicyStore {
 public:
  // Reads the file named by -f, else $SKAGENT_CONFIG, else
  // $XDG_CONFIG_HOME/skagent/config or ~/.config/skagent/config (only that
  // default may be missing), and applies -o lines over it. The variables and
  // $HOME come in `options`, as main read them.
  static Result<std::shared_ptr<PolicyStore>> open(const AgentOptions& options);
  // Defaults only (tests, and agents whose file failed before they started).
  // `home`: $HOME, for "~/" in policy lines.
  static std::shared_ptr<PolicyStore> defaults(std::string home = {});

  std::shared_ptr<const Policy> current() const { return policy_; }
  bool has_file() const { return !path_.empty(); }
  const std::string& home() const { return home_; }
  const std::string& path() const { return path_; }
  // Re-reads the file. On error the previous policy stays and the error is
  // returned ("file:line: reason"). `warning` gets what went wrong without
  // undoing the reload (a new audit file cannot be opened under the sandbox).
  Status reload(std::string* warning = nullptr);

  // The audit file descriptor (opened before any sandbox, kept across reloads
  // while the path stays the same); -1 when not auditing to a file.
  int audit_fd() const { return audit_fd_; }
  ~PolicyStore();

 private:
  Status load_from_disk();
  Status open_audit_file(const AuditTarget& t);

  std::string path_;
  bool may_be_missing_ = false;  // the default path: missing means an empty file
  std::vector<std::string> overrides_;
  std::string home_;
  std::shared_ptr<const Policy> policy_ = std::make_shared<Policy>();
  std::string audit_path_;
  int audit_fd_ = -1;
};

}  // namespace skagent
