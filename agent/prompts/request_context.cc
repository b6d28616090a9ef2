// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/request_context.h"

#include <algorithm>
#include <cstdio>

#include "agent/connection.h"
#include "agent/keys/identity.h"
#include "agent/protocol/sshsig_request.h"
#include "agent/protocol/userauth_request.h"
#include "ssh/fingerprint.h"

namespace skagent {

namespace {

constexpr size_t kMaxCandidates = 48;

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '-' || c == '_';
}

bool plausible_host(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '-' || h.front() == '.') return false;
  return std::all_of(h.begin(), h.end(), host_char);
}

bool parse_port(std::string_view s, uint16_t& port) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + unsigned(c - '0');
  }
  if (v == 0 || v > 65535) return false;
  port = uint16_t(v);
  return true;
}

// "user@host:port", "[host]:port", "ssh://user@host:port" → host (and port).
void add_destination_word(std::string_view w, std::vector<std::string>& hosts,
                          std::vector<uint16_t>& ports) {
  if (w.substr(0, 6) == "ssh://") w.remove_prefix(6);
  if (auto slash = w.find('/'); slash != std::string_view::npos) w = w.substr(0, slash);
  if (auto at = w.rfind('@'); at != std::string_view::npos) w.remove_prefix(at + 1);
  uint16_t port = 0;
  if (!w.empty() && w.front() == '[') {
    auto close = w.find(']');
    if (close == std::string_view::npos) return;
    std::string_view rest = w.substr(close + 1);
    if (rest.size() > 1 && rest.front() == ':' && parse_port(rest.substr(1), port))
      ports.push_back(port);
    w = w.substr(1, close - 1);
  } else if (auto colon = w.find(':');
             colon != std::string_view::npos && w.find(':', colon + 1) == std::string_view::npos) {
    if (parse_port(w.substr(colon + 1), port)) ports.push_back(port);
    w = w.substr(0, colon);
  }
  if (plausible_host(w)) hosts.emplace_back(w);
}

std::string short_type(const PublicKey& k) { return std::string(key_type_info(k.type).short_name); }

HopInfo make_hop(const PublicKey& key, bool forwarding, const KnownHosts& kh,
                 const std::vector<std::string>& candidates) {
  HopInfo h;
  h.key = key;
  h.fingerprint = fingerprint(key, FingerprintHash::sha256);
  h.key_type = short_type(key);
  h.names = kh.names_for(key, candidates);
  h.forwarding = forwarding;
  return h;
}

}  // namespace

namespace {

// Code points that must not reach a person as themselves: they break or
// reorder lines, or are invisible (Unicode Zl, Zp, Cf, C1, and the spaces
// other than U+0020 that can fake alignment), so a client, a server, a key
// comment or a command line could forge prompt lines with them.
bool hidden_code_point(uint32_t cp) {
  static constexpr std::pair<uint32_t, uint32_t> kRanges[] = {
      {0x0080, 0x00a0},   {0x00ad, 0x00ad},   {0x034f, 0x034f},   {0x0600, 0x0605},
      {0x061c, 0x061c},   {0x06dd, 0x06dd},   {0x070f, 0x070f},   {0x0890, 0x0891},
      {0x08e2, 0x08e2},   {0x115f, 0x1160},   {0x1680, 0x1680},   {0x180b, 0x180f},
      {0x2000, 0x200f},   {0x2028, 0x202f},   {0x205f, 0x206f},   {0x3000, 0x3000},
      {0x3164, 0x3164},   {0xfe00, 0xfe0f},   {0xfeff, 0xfeff},   {0xffa0, 0xffa0},
      {0xfff0, 0xfffb},   {0xfffe, 0xffff},   {0x110bd, 0x110bd}, {0x110cd, 0x110cd},
      {0x13430, 0x1343f}, {0x1bca0, 0x1bca3}, {0x1d173, 0x1d17a}, {0xe0000, 0xe0fff},
  };
  for (const auto& [lo, hi] : kRanges) {
    if (cp >= lo && cp <= hi) return true;
  }
  return false;
}

// One UTF-8 sequence at s[i]: its length and code point, or 0 when invalid
// (bad lead or continuation byte, truncated, overlong, surrogate, > U+10FFFF).
size_t utf8_sequence(std::string_view s, size_t i, uint32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  size_t len = c >= 0xc2 && c < 0xe0   ? 2
               : c >= 0xe0 && c < 0xf0 ? 3
               : c >= 0xf0 && c < 0xf5 ? 4
                                       : 0;
  if (len == 0 || i + len > s.size()) return 0;
  cp = len == 2 ? c & 0x1f : len == 3 ? c & 0x0f : c & 0x07;
  for (size_t k = 1; k < len; k++) {
    auto cc = static_cast<unsigned char>(s[i + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
      (cp >= 0xd800 && cp <= 0xdfff)) {
    return 0;
  }
  return len;
}

std::string hex_escape(const char* fmt, uint32_t v) {
  char buf[16];
  snprintf(buf, sizeof(buf), fmt, unsigned(v));
  return buf;
}

}  // namespace

std::string printable(std::string_view s, size_t max) {
  static constexpr std::string_view kCut = "...[cut]";
  std::string out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::string piece;
    size_t used = 1;
    uint32_t cp = 0;
    if (c == '\\') {
      piece = "\\\\";  // so that a visible escape cannot be faked
    } else if (c >= 0x20 && c < 0x7f) {
      piece.assign(1, char(c));
    } else if (c < 0x80) {
      piece = hex_escape("\\x%02x", c);  // C0 controls and DEL
    } else if (size_t len = utf8_sequence(s, i, cp); len == 0) {
      piece = hex_escape("\\x%02x", c);  // invalid UTF-8, one byte at a time
    } else if (hidden_code_point(cp)) {
      piece = hex_escape(cp > 0xffff ? "\\U%08x" : "\\u%04x", cp);
      used = len;
    } else {
      piece.assign(s.substr(i, len));
      used = len;
    }
    if (out.size() + piece.size() > max) break;  // never half an escape or character
    out += piece;
    i += used;
  }
  if (i < s.size()) out += kCut;
  return out;
}

std::string join_argv(const std::vector<std::string>& argv, bool truncated, size_t max) {
  std::string s;
  for (const auto& a : argv) {
    if (!s.empty()) s.push_back(' ');
    s += a;
    if (s.size() > max) break;
  }
  if (truncated) s += " ...";
  return s;
}

std::string process_name(const ProcessInfo& p) {
  if (!p.exe.empty()) return p.exe;
  if (!p.argv.empty() && !p.argv[0].empty()) return p.argv[0] + " (as it names itself)";
  return "[" + p.name + "]";
}

std::string_view SignOutcome::name() const {
  switch (kind_) {
    case allowed:
      return "allowed";
    case refused:
      return "refused";
    case failed:
      return "failed";
    case undecided:
      break;
  }
  return "";
}

std::shared_ptr<const CallerInfo> read_caller(const PeerIdentity& peer, int pidfd, bool gone) {
  auto c = std::make_shared<CallerInfo>();
  c->pid = peer.pid;
  c->uid = peer.uid;
  if (pidfd >= 0) c->pidfd = std::make_shared<const PidFd>(pidfd);
  if (gone || peer.pid <= 0) return c;
  c->chain = read_process_chain(peer.pid, 4);
  // Exited before we read it: its pid may already name another process, whose /proc we read.
  // Name nobody rather than the wrong one. (Without a pidfd a reuse this quick goes unseen.)
  if (c->pidfd && pidfd_exited(c->pidfd->fd)) c->chain.clear();
  return c;
}

std::shared_ptr<const CallerInfo> caller_of(Connection& conn) {
  if (!conn.caller) conn.caller = read_caller(conn.peer, -1, false);
  return conn.caller;
}

void check_caller(SignContext& ctx) {
  if (ctx.caller_checked) return;
  ctx.caller_checked = true;
  if (!ctx.caller) return;
  if (ctx.caller->chain.empty()) {
    // Gone before it could be read; a pid of 0 (another pid namespace) tells nothing.
    if (ctx.caller->pid > 0) ctx.caller_fate = ProcessFate::exited;
    return;
  }
  ctx.caller_fate =
      process_fate(ctx.caller->chain[0], ctx.caller->pidfd ? ctx.caller->pidfd->fd : -1);
}

std::vector<std::string> host_candidates(const std::vector<std::string>& argv) {
  std::vector<std::string> hosts;
  std::vector<uint16_t> ports;
  for (size_t i = 1; i < argv.size() && i < kMaxCmdlineArgs; i++) {
    std::string_view a = argv[i];
    if (a == "-p" && i + 1 < argv.size()) {
      uint16_t p = 0;
      if (parse_port(argv[i + 1], p)) ports.push_back(p);
      i++;
      continue;
    }
    if (a.substr(0, 2) == "-p") {
      uint16_t p = 0;
      if (parse_port(a.substr(2), p)) ports.push_back(p);
      continue;
    }
    if (a == "-J" && i + 1 < argv.size()) a = argv[++i];
    else if (a.substr(0, 2) == "-J") a.remove_prefix(2);
    else if (!a.empty() && a.front() == '-') continue;
    size_t pos = 0;
    while (pos <= a.size()) {
      size_t end = a.find(',', pos);
      if (end == std::string_view::npos) end = a.size();
      add_destination_word(a.substr(pos, end - pos), hosts, ports);
      pos = end + 1;
    }
  }
  std::vector<std::string> out;
  auto add = [&](std::string s) {
    if (out.size() < kMaxCandidates && std::find(out.begin(), out.end(), s) == out.end()) {
      out.push_back(std::move(s));
    }
  };
  for (const auto& h : hosts) add(known_hosts_name(h));
  for (const auto& h : hosts) {
    for (uint16_t p : ports) add(known_hosts_name(h, p));
  }
  return out;
}

std::shared_ptr<SignContext> build_sign_context(Connection& conn, const Identity& id, ByteView data,
                                                const KnownHosts& known_hosts,
                                                const std::vector<std::string>& extra_candidates) {
  auto ctx = std::make_shared<SignContext>();
  ctx->caller = caller_of(conn);
  ctx->data_len = data.size();
  ctx->key_fp = fingerprint(id.key, FingerprintHash::sha256);
  ctx->key_fp_md5 = fingerprint(id.key, FingerprintHash::md5);
  ctx->key_type = short_type(id.key);
  ctx->key_comment = id.comment;
  ctx->key_is_sk = is_security_key(id.key.type);

  std::vector<std::string> candidates;
  for (size_t i = 0; i < ctx->caller->chain.size() && i < 2; i++) {
    for (auto& c : host_candidates(ctx->caller->chain[i].argv)) candidates.push_back(std::move(c));
  }
  for (const auto& d : id.destinations) {
    for (const auto* h : {&d.from.hostname, &d.to.hostname}) {
      if (!h->empty()) candidates.push_back(known_hosts_name(*h));
    }
  }
  for (const auto& c : extra_candidates) candidates.push_back(c);

  for (const auto& b : conn.bindings) {
    ctx->hops.push_back(make_hop(b.host_key, b.forwarding, known_hosts, candidates));
  }
  ctx->forwarded = conn.forwarded();
  ctx->bind_failed = conn.bind_failed;
  if (auto ua = parse_userauth_request(data, id.key)) {
    ctx->kind = SignKind::userauth;
    ctx->user = ua->user;
    if (!conn.bindings.empty() && !conn.bindings.back().forwarding &&
        equal(conn.bindings.back().session_id, ua->session_id)) {
      ctx->destination = ctx->hops.back();
      ctx->destination_verified = true;
    } else if (ua->host_key) {
      ctx->destination = make_hop(*ua->host_key, false, known_hosts, candidates);
    }
  } else if (auto sig = parse_sshsig_request(data)) {
    ctx->kind = SignKind::sshsig;
    ctx->sig_namespace = sig->sig_namespace;
  }
  return ctx;
}

std::string describe_caller(const CallerInfo& c) {
  if (c.chain.empty()) {
    return c.pid > 0 ? "process " + std::to_string(c.pid) + " (gone, or not visible)"
                     : "an unknown process";
  }
  return printable(process_name(c.chain[0]), 160) + " (pid " + std::to_string(c.pid) + ")";
}

// The program that connected, with what became of it when that is no longer what runs
// under its pid: the person must not approve a request by the program that runs there now.
std::string describe_asker(const SignContext& c) {
  if (!c.caller) return "an unknown process";
  std::string s = describe_caller(*c.caller);
  if (c.caller->chain.empty()) return s;
  if (c.caller_fate == ProcessFate::exited) {
    s.insert(s.size() - 1, ", which has exited since it connected");
  } else if (c.caller_fate == ProcessFate::replaced) {
    s.insert(s.size() - 1, ", which has run another program since it connected");
  }
  return s;
}

// "/usr/bin/git, /usr/bin/bash, ...": the caller's parents, nearest first, so
// a person sees which program (a build script, an editor) is behind the ssh
// that asks. Empty when no parent is known.
std::string describe_ancestry(const CallerInfo& c) {
  std::string s;
  for (size_t i = 1; i < c.chain.size(); i++) {
    s += (i == 1 ? "" : ", ") + printable(process_name(c.chain[i]), 100);
  }
  return s;
}

std::string describe_hop(const HopInfo& h) {
  std::string s;
  if (!h.names.names.empty()) {
    s = printable(h.names.names[0], 100);
    if (h.names.names.size() > 1)
      s += " (also " + printable(h.names.names[1], 60) + (h.names.names.size() > 2 ? ", ..." : "") +
           ")";
  } else if (h.names.known) {
    s = "a host known by a hashed or wildcard known_hosts entry (" + h.key_type + " " +
        h.fingerprint + ")";
  } else {
    s = "a host not in known_hosts (" + h.key_type + " " + h.fingerprint + ")";
  }
  if (h.names.revoked) s += " [REVOKED host key]";
  return s;
}

namespace {

// A host's name for the decision line (the details give its key).
std::string hop_name(const HopInfo& h) {
  if (!h.names.names.empty()) return printable(h.names.names[0], 100);
  return h.names.known ? "a host known by a hashed known_hosts entry" : "an unknown host";
}

std::string base_name(const std::string& path) { return path.substr(path.rfind('/') + 1); }

}  // namespace

std::string describe_requester(const SignContext& c) {
  if (c.forwarded) {
    // The asker runs on the last host the agent was forwarded to.
    for (size_t i = c.hops.size(); i-- > 0;) {
      if (c.hops[i].forwarding) return hop_name(c.hops[i]) + " (through a forwarded agent)";
    }
    return "a remote host (through a forwarded agent)";
  }
  if (c.caller && !c.caller->chain.empty()) {
    const ProcessInfo& p = c.caller->chain[0];
    std::string exe = !p.exe.empty() ? p.exe : !p.argv.empty() ? p.argv[0] : p.name;
    if (!exe.empty()) {
      // The decision line must not name a program that no longer asks.
      std::string name = printable(base_name(exe), 60);
      if (c.caller_fate == ProcessFate::exited) return name + " (exited since it connected)";
      if (c.caller_fate == ProcessFate::replaced)
        return name + " (since replaced by another program)";
      return name;
    }
  }
  return "a local process";
}

std::string describe_task(const SignContext& c) {
  switch (c.kind) {
    case SignKind::userauth:
      return "log in to " + printable(c.user, 64) + "@" +
             (c.destination ? hop_name(*c.destination) : std::string("an unidentified host"));
    case SignKind::sshsig: {
      const std::string ns = printable(c.sig_namespace, 64);
      if (ns == "git") return "make a git signature (namespace \"git\")";
      if (ns == "file") return "sign a file (namespace \"file\")";
      return "make a signature for namespace \"" + ns + "\"";
    }
    case SignKind::other:
      break;
  }
  return "sign " + std::to_string(c.data_len) +
         " bytes that are neither an SSH login nor an SSHSIG signature";
}

std::string describe_decision(const SignContext& c) {
  std::string key = c.key_comment.empty() ? "an " + c.key_type + " key without a comment"
                                          : "key " + printable(c.key_comment, 60);
  return describe_requester(c) + " wants " + key + " to " + describe_task(c);
}

std::string describe_destination(const SignContext& c) {
  if (c.kind != SignKind::userauth) return {};
  std::string host = c.destination ? describe_hop(*c.destination) : "an unidentified host";
  return printable(c.user, 64) + "@" + host;
}

std::string describe_path(const SignContext& c) {
  std::string s = "this machine";
  for (size_t i = 0; i < c.hops.size(); i++) {
    const bool is_destination = c.destination_verified && i + 1 == c.hops.size();
    if (is_destination) break;
    s += " > " + describe_hop(c.hops[i]) + (c.hops[i].forwarding ? " (agent forwarded)" : "");
  }
  if (c.bind_failed) s += " > an UNIDENTIFIED host (its session-bind failed)";
  return s;
}

ConfirmQuestion confirm_question(const SignContext& c, uint32_t approve_for_seconds) {
  ConfirmQuestion q;
  q.decision = describe_decision(c);
  q.key_name = c.key_comment.empty() ? "(no comment)" : printable(c.key_comment, 60);
  q.fingerprint = (c.show_md5 ? c.key_fp_md5 : c.key_fp) + " (" + c.key_type + ")";
  auto& d = q.details;
  if (c.kind == SignKind::userauth) {
    d.push_back("Server: " +
                (c.destination ? describe_hop(*c.destination) : std::string("not identified")));
    if (c.destination && !c.destination_verified) {
      d.push_back("(The server is named by the request only; no session binding proves it.)");
    }
  }
  if (!c.hops.empty() || c.forwarded) {
    d.push_back("Path: " + describe_path(c) +
                (c.destination_verified ? " > " + describe_hop(*c.destination) : std::string()));
  }
  d.push_back("Asked by: " + describe_asker(c));
  if (c.caller && c.caller->chain.size() > 1)
    d.push_back("Started from: " + describe_ancestry(*c.caller));
  if (c.caller && !c.caller->chain.empty() && !c.caller->chain[0].argv.empty()) {
    d.push_back(
        "Command line: " +
        printable(join_argv(c.caller->chain[0].argv, c.caller->chain[0].argv_truncated, 160), 160));
  }
  if (approve_for_seconds > 0) {
    uint32_t m = (approve_for_seconds + 59) / 60;
    d.push_back("A yes also lets this process do the same for " + std::to_string(m) + " minute" +
                (m == 1 ? "" : "s") + " without asking.");
  }
  return q;
}

std::string confirm_prompt_text(const SignContext& c, uint32_t approve_for_seconds) {
  return plain_text(confirm_question(c, approve_for_seconds));
}

std::string pin_prompt_text(const SignContext& c, const std::string& note) {
  std::string t;
  if (!note.empty()) t += note + "\n";
  t += "Enter the PIN of your security key: " + describe_decision(c) + "\n";
  t += "Key " + c.key_type + " " + (c.show_md5 ? c.key_fp_md5 : c.key_fp) + " (" +
       printable(c.key_comment, 100) + ")\n";
  t += "Asked by " + describe_asker(c);
  if (c.forwarded) t += " through " + describe_path(c);
  t += "\nPIN:";
  return without_markup(t);
}

std::string touch_notice_summary() { return "Touch your security key"; }

// Notification services render markup in the body (and askpass notices may):
// what others chose is made markup-free.
std::string touch_notice_body(const SignContext& c) {
  std::string t = describe_decision(c) + ".";
  if (c.forwarded) t += " Path: " + describe_path(c) + ".";
  t += " Asked by " + describe_asker(c) + ".";
  return without_markup(t);
}

}  // namespace skagent
