// SPDX-License-Identifier: BSD-2-Clause
// Everything a person (and the audit log) needs to judge one sign request:
// who asks (the local process, from SO_PEERCRED and /proc), through which hosts
// (the verified session-bind chain, named from known_hosts), and what is to be
// signed (an SSH login as a user on a host, an SSHSIG signature for a namespace,
// or anything else), and its audit line. The texts shown to a person are in
// agent/prompts/prompt_text.h, the sanitiser in printable.h.
#pragma once

#include <sys/types.h>

#include <ctime>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "agent/prompts/host_candidates.h"
#include "agent/prompts/printable.h"
#include "agent/policy/known_hosts.h"
#include "agent/protocol/session_binding.h"
#include "platform/peer_identity.h"
#include "platform/process_info.h"
#include "base/bytes.h"
#include "ssh/key.h"

namespace skagent {

struct Connection;
struct Identity;

struct CallerInfo;

// What the host-name lookups and the audit line take from a caller: the same for every request
// on its connections, so made once, at the first sign request, not for every signature.
struct CallerText {
  // Host names from the command lines of the caller and its parent (host_candidates).
  std::vector<std::string> host_candidates;
  // The audit line's caller object around its state, which is checked per signature:
  // `"pid":42,"uid":1000` before it, `,"exe":...,"cmdline":...,"parents":[...]` after it
  // (empty when the caller could not be read).
  std::string audit_ids, audit_process;
};

// Holds a CallerInfo's text, built on first use (once, even from several threads). A copy of a
// CallerInfo starts without it: the copy may be changed before its text is made.
class CallerTextOnce {
 public:
  CallerTextOnce() = default;
  CallerTextOnce(const CallerTextOnce&) {}
  CallerTextOnce& operator=(const CallerTextOnce&) { return *this; }
  const CallerText& get(const CallerInfo& caller) const;

 private:
  mutable std::once_flag once_;
  mutable std::unique_ptr<const CallerText> text_;
};

// The local process at the other end of a connection, read once, when the connection is
// accepted: the process that connected, not whatever later runs under its pid (it may fork,
// hand the socket to a child, and exec another program).
struct CallerInfo {
  pid_t pid = -1;
  uid_t uid = uid_t(-1);
  std::vector<ProcessInfo> chain;      // the peer first, then its parents
  std::shared_ptr<const PidFd> pidfd;  // pins the peer (SO_PEERPIDFD) where the kernel can
  // The peer's /proc comm and cmdline held open since accept (null when they could not be):
  // check_caller's cheap look.
  std::shared_ptr<const ProcessWatch> watch;
  // Its host candidates and audit text, made at the first sign request; the fields above must
  // not change after that.
  const CallerText& text() const { return text_.get(*this); }

 private:
  CallerTextOnce text_;
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

// How a person was involved in a sign request, for the audit line: the confirmation (when the
// policy asks for one) and a security key's PIN. name() is its one text.
struct Approval {
  enum class Confirm { none, not_needed, approved_earlier, confirmed, refused };
  Confirm confirm = Confirm::none;
  bool cached_pin = false;  // the PinCache's PIN was sent (tried before any prompt)
  unsigned pins_typed = 0;  // PINs typed at the prompt, after it or a wrong one
  bool empty() const { return confirm == Confirm::none && !cached_pin && pins_typed == 0; }
  // "confirmed by the person, cached PIN, PIN entered"; "none" when empty.
  std::string name() const;
};

struct SignContext {
  // Who.
  std::shared_ptr<const CallerInfo> caller;
  // What became of the caller since it connected; checked (check_caller) only before a
  // prompt, a remembered approval or an audit line, not for every request.
  ProcessFate caller_fate = ProcessFate::running;
  bool caller_checked = false;  // by the thorough check (CallerCheck::thorough)
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
  Approval approval;
};

// A process as a person should see it named: its executable, else what it calls itself.
std::string process_name(const ProcessInfo& p);
// A command line on one line, cut after about `max` bytes (" ..." when the kernel cut it).
std::string join_argv(const std::vector<std::string>& argv, bool truncated, size_t max);

// Reads the process that connected (agent/server.cc, at accept). `pidfd` (-1: none) is
// taken over; `gone`: the kernel said it has already exited, so nothing is read.
std::shared_ptr<const CallerInfo> read_caller(const PeerIdentity& peer, int pidfd, bool gone);
// The caller of `conn`: the one read at accept (read now for a connection made otherwise).
std::shared_ptr<const CallerInfo> caller_of(Connection& conn);
// Fills in ctx.caller_fate. `thorough` (once per context): process_fate, which compares the
// executable (a round trip to the process-info service under the sandbox); for anything a
// person sees or approves. `audit`: for the audit line of a signature nobody was asked about,
// on every request: the caller's /proc comm and cmdline held open since accept
// (ProcessWatch::unchanged, two preads), and process_fate only when they show a change. The
// trade: an exec of another program that keeps the kernel name and the command line is logged
// as "running" (doc/SECURITY.md).
enum class CallerCheck { thorough, audit };
void check_caller(SignContext& ctx, CallerCheck how = CallerCheck::thorough);

// The known_hosts entries, and more host names to try on hashed ones (policy Destinations),
// for naming the hosts of a request. Asked for only when it has a host to name (a session-bind,
// or a user-auth request with a host key): most signatures have none.
struct HostNames {
  const KnownHosts* known_hosts = nullptr;
  std::vector<std::string> extra_candidates;
};
using HostNamesFn = std::function<HostNames()>;

// Builds the context; `host_names` is called at most once.
std::shared_ptr<SignContext> build_sign_context(Connection& conn, const Identity& id, ByteView data,
                                                const HostNamesFn& host_names);

}  // namespace skagent
