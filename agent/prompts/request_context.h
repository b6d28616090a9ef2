// SPDX-License-Identifier: BSD-2-Clause
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
#include <string_view>
#include <vector>

#include "agent/prompts/confirm_prompt.h"
#include "agent/policy/known_hosts.h"
#include "agent/protocol/session_binding.h"
#include "platform/peer_identity.h"
#include "platform/process_info.h"
#include "base/bytes.h"
#include "ssh/key.h"

namespace skagent {

struct Connection;
struct Identity;

// The local process at the other end of a connection, read once, when the connection is
// accepted: the process that connected, not whatever later runs under its pid (it may fork,
// hand the socket to a child, and exec another program).
struct CallerInfo {
  pid_t pid = -1;
  uid_t uid = uid_t(-1);
  std::vector<ProcessInfo> chain;      // the peer first, then its parents
  std::shared_ptr<const PidFd> pidfd;  // pins the peer (SO_PEERPIDFD) where the kernel can
};

struct HopInfo {
  PublicKey key;            // the host key (verified by session-bind, unless said otherwise)
  std::string fingerprint;  // "SHA256:..."
  std::string key_type;     // "ED25519"
  HostKeyNames names;       // from known_hosts
  bool forwarding = false;  // the binding was for agent forwarding
};

enum class SignKind { userauth, sshsig, other };

// What became of a sign request, for the audit line. A class rather than a bare enum so that
// the audit writer takes it as the text it is logged as ("allowed", "refused", "failed").
class SignOutcome {
 public:
  enum Kind { undecided, allowed, refused, failed };
  constexpr SignOutcome(Kind k = undecided) : kind_(k) {}
  constexpr bool operator==(const SignOutcome&) const = default;
  constexpr Kind kind() const { return kind_; }
  std::string_view name() const;
  operator std::string_view() const { return name(); }  // for the audit line

 private:
  Kind kind_;
};

struct SignContext {
  // Who.
  std::shared_ptr<const CallerInfo> caller;
  // What became of the caller since it connected; checked (check_caller) only before a
  // prompt, a remembered approval or an audit line, not for every request.
  ProcessFate caller_fate = ProcessFate::running;
  bool caller_checked = false;
  // Through which hosts: the connection's session-bind chain, oldest first.
  std::vector<HopInfo> hops;
  bool forwarded = false;    // Connection::forwarded(): forwarding bind, or a failed bind
  bool bind_failed = false;  // a session-bind on the connection failed: hosts unknown
  // What.
  SignKind kind = SignKind::other;
  std::string user;                    // user-auth: the user name
  std::optional<HopInfo> destination;  // user-auth: the server signed in to, when known
  bool destination_verified = false;   // it is the host of the last session-bind
  std::string sig_namespace;           // SSHSIG
  size_t data_len = 0;
  // Which key.
  std::string key_fp, key_fp_md5, key_type, key_comment;
  bool show_md5 = false;  // skagent -E md5: prompts show the MD5 fingerprint
  bool key_is_sk = false;
  // The connection asking (its `pending` holds our prompts, so that a client
  // that leaves cancels them).
  std::weak_ptr<Connection> conn;
  // Outcome, filled in as the request goes (for the audit line).
  SignOutcome decision;
  std::string reason;
  std::string approval;  // how a person was involved: "not needed", "confirmed", ...
};

// Reads the process that connected (agent/server.cc, at accept). `pidfd` (-1: none) is
// taken over; `gone`: the kernel said it has already exited, so nothing is read.
std::shared_ptr<const CallerInfo> read_caller(const PeerIdentity& peer, int pidfd, bool gone);
// The caller of `conn`: the one read at accept (read now for a connection made otherwise).
std::shared_ptr<const CallerInfo> caller_of(Connection& conn);
// Fills in ctx.caller_fate once.
void check_caller(SignContext& ctx);

// Host-name candidates for hashed known_hosts entries, from a command line
// (ssh's destination, -J jump hosts, -p ports; other words are harmless).
std::vector<std::string> host_candidates(const std::vector<std::string>& argv);

// Builds the context. `extra_candidates`: more host names to try on hashed
// entries (policy Destinations, ssh-add -h host names).
std::shared_ptr<SignContext> build_sign_context(Connection& conn, const Identity& id, ByteView data,
                                                const KnownHosts& known_hosts,
                                                const std::vector<std::string>& extra_candidates);

// The one sanitiser for text chosen by someone else (client, server, key
// comment, certificate, command line) on its way to a prompt, a notification
// or the audit log: backslash, C0/C1 controls, line and paragraph separators,
// format characters (Cf: bidi controls, zero-width, tags...), odd spaces and
// invalid UTF-8 (overlong, surrogates, truncated) become visible escapes
// (a backslash, \x0a, \u2029, \U000e0041); at most `max` bytes of it are kept, and a
// cut string ends in "...[cut]".
std::string printable(std::string_view s, size_t max = 200);

// A process as a person can name it: its executable, else its argv[0] (marked), else "[comm]".
std::string process_name(const ProcessInfo& p);
// argv joined by spaces, stopping once past `max` bytes; " ..." when `truncated`.
std::string join_argv(const std::vector<std::string>& argv, bool truncated, size_t max);

// Short descriptions.
std::string describe_caller(const CallerInfo& c);  // "/usr/bin/ssh (pid 42)"
std::string describe_asker(const SignContext& c);  // describe_caller, and what became of it
std::string describe_ancestry(
    const CallerInfo& c);  // "/usr/bin/git, /usr/bin/bash" (parents, nearest first)
std::string describe_hop(
    const HopInfo& h);  // "build.example.com" or "an unknown host (ED25519 SHA256:..)"
std::string describe_destination(const SignContext& c);  // "alice@host", "" when not a known login
std::string describe_path(const SignContext& c);  // "this machine > hop1 (agent forwarded) > hop2"
std::string describe_requester(const SignContext& c);  // "hop1 (through a forwarded agent)", "ssh"
std::string describe_task(
    const SignContext& c);  // "log in to alice@host", "sign a file (namespace \"file\")"
// The line a person decides on: "ssh wants key work-laptop to log in to git@github.com".
std::string describe_decision(const SignContext& c);

// The texts. A confirmation: the decision first, then the details.
ConfirmQuestion confirm_question(const SignContext& c, uint32_t approve_for_seconds);
std::string confirm_prompt_text(const SignContext& c,
                                uint32_t approve_for_seconds);  // its plain_text
std::string pin_prompt_text(const SignContext& c, const std::string& note);
std::string touch_notice_summary();
std::string touch_notice_body(const SignContext& c);

}  // namespace skagent
