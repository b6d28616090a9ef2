// Everything a person (and the audit log) needs to judge one sign request:
// who asks (the local process, from SO_PEERCRED and /proc), through which hosts
// (the verified session-bind chain, named from known_hosts), and what is to be
// signed (an SSH login as a user on a host, an SSHSIG signature for a namespace,
// or anything else). Also the texts built from it: prompts, notices, audit.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/confirm_prompt.h"
#include "agent/known_hosts.h"
#include "agent/session_binding.h"
#include "platform/process_info.h"
#include "ssh/bytes.h"
#include "ssh/key.h"

namespace skagent {

struct Connection;
struct Identity;

// The local process at the other end of a connection, read once per connection.
struct CallerInfo {
  pid_t pid = -1;
  uid_t uid = uid_t(-1);
  std::vector<ProcessInfo> chain;  // the peer first, then its parents
};

struct HopInfo {
  PublicKey key;             // the host key (verified by session-bind, unless said otherwise)
  std::string fingerprint;   // "SHA256:..."
  std::string key_type;      // "ED25519"
  HostKeyNames names;        // from known_hosts
  bool forwarding = false;   // the binding was for agent forwarding
};

enum class SignKind { userauth, sshsig, other };

struct SignContext {
  // Who.
  std::shared_ptr<const CallerInfo> caller;
  // Through which hosts: the connection's session-bind chain, oldest first.
  std::vector<HopInfo> hops;
  bool forwarded = false;  // some binding was made for agent forwarding
  // What.
  SignKind kind = SignKind::other;
  std::string user;                     // user-auth: the user name
  std::optional<HopInfo> destination;   // user-auth: the server signed in to, when known
  bool destination_verified = false;    // it is the host of the last session-bind
  std::string sig_namespace;            // SSHSIG
  size_t data_len = 0;
  // Which key.
  std::string key_fp, key_fp_md5, key_type, key_comment;
  bool show_md5 = false;  // skagent -E md5: prompts show the MD5 fingerprint
  bool key_is_sk = false;
  // The connection asking (its `pending` holds our prompts, so that a client
  // that leaves cancels them).
  std::weak_ptr<Connection> conn;
  // Outcome, filled in as the request goes (for the audit line).
  std::string decision;  // "allowed", "refused" or "failed"
  std::string reason;
  std::string approval;  // how a person was involved: "not needed", "confirmed", ...
};

// Reads the caller of `conn` (cached on the connection).
std::shared_ptr<const CallerInfo> caller_of(Connection& conn);

// Host-name candidates for hashed known_hosts entries, from a command line
// (ssh's destination, -J jump hosts, -p ports; other words are harmless).
std::vector<std::string> host_candidates(const std::vector<std::string>& argv);

// Builds the context. `extra_candidates`: more host names to try on hashed
// entries (policy Destinations, ssh-add -h host names).
std::shared_ptr<SignContext> build_sign_context(Connection& conn, const Identity& id, ByteView data,
                                                const KnownHosts& known_hosts,
                                                const std::vector<std::string>& extra_candidates);

// Text safe to show a person: control characters, invalid UTF-8 and
// bidirectional overrides become '?', and at most `max` bytes are kept.
std::string printable(std::string_view s, size_t max = 200);

// Short descriptions.
std::string describe_caller(const CallerInfo& c);      // "/usr/bin/ssh (pid 42)"
std::string describe_ancestry(const CallerInfo& c);    // "/usr/bin/git, /usr/bin/bash" (parents, nearest first)
std::string describe_hop(const HopInfo& h);            // "build.example.com" or "an unknown host (ED25519 SHA256:..)"
std::string describe_destination(const SignContext& c);  // "alice@host", "" when not a known login
std::string describe_path(const SignContext& c);       // "this machine > hop1 (agent forwarded) > hop2"
std::string describe_requester(const SignContext& c);  // "hop1 (through a forwarded agent)", "ssh"
std::string describe_task(const SignContext& c);       // "log in to alice@host", "sign a file (namespace \"file\")"
// The line a person decides on: "ssh wants key work-laptop to log in to git@github.com".
std::string describe_decision(const SignContext& c);

// The texts. A confirmation: the decision first, then the details.
ConfirmQuestion confirm_question(const SignContext& c, uint32_t approve_for_seconds);
std::string confirm_prompt_text(const SignContext& c, uint32_t approve_for_seconds);  // its plain_text
std::string pin_prompt_text(const SignContext& c, const std::string& note);
std::string touch_notice_summary();
std::string touch_notice_body(const SignContext& c);
// One JSON object (no newline): time, key, caller, chain, namespace, decision, reason.
std::string audit_json(const SignContext& c, std::time_t now);

}  // namespace skagent
