// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/request_context.h"

#include <algorithm>

#include "agent/connection.h"
#include "agent/keys/identity.h"
#include "agent/protocol/sshsig_request.h"
#include "agent/protocol/userauth_request.h"
#include "ssh/fingerprint.h"

namespace skagent {

namespace {

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

void json_string(std::string& out, std::string_view s) {
  out.push_back('"');
  std::string clean = printable(s, 1024);
  for (char c : clean) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      default:
        out.push_back(c);
    }
  }
  out.push_back('"');
}

}  // namespace

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

std::string audit_json(const SignContext& c, std::time_t now) {
  char when[32];
  struct tm tm {};
  gmtime_r(&now, &tm);
  strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
  std::string j = "{\"time\":\"";
  j += when;
  j += "\",\"event\":\"sign\",\"decision\":";
  json_string(j, c.decision);
  j += ",\"reason\":";
  json_string(j, c.reason);
  j += ",\"approval\":";
  json_string(j, c.approval.empty() ? "none" : c.approval);
  j += ",\"key\":";
  json_string(j, c.key_fp);
  j += ",\"key_type\":";
  json_string(j, c.key_type);
  j += ",\"comment\":";
  json_string(j, c.key_comment);
  j += ",\"caller\":{";
  if (c.caller) {
    j += "\"pid\":" + std::to_string(c.caller->pid) + ",\"uid\":" +
         (c.caller->uid == uid_t(-1) ? std::string("-1") : std::to_string(c.caller->uid));
    j += ",\"state\":";
    json_string(j, c.caller_fate == ProcessFate::exited     ? "exited"
                   : c.caller_fate == ProcessFate::replaced ? "replaced"
                                                            : "running");
    if (!c.caller->chain.empty()) {
      const auto& p = c.caller->chain[0];
      j += ",\"exe\":";
      json_string(j, p.exe);
      j += ",\"cmdline\":";
      json_string(j, join_argv(p.argv, p.argv_truncated, 512));
      j += ",\"parents\":[";
      for (size_t i = 1; i < c.caller->chain.size(); i++) {
        if (i > 1) j += ",";
        j += "{\"pid\":" + std::to_string(c.caller->chain[i].pid) + ",\"exe\":";
        json_string(j, process_name(c.caller->chain[i]));
        j += "}";
      }
      j += "]";
    }
  }
  j += "},\"forwarded\":";
  j += c.forwarded ? "true" : "false";
  if (c.bind_failed) j += ",\"bind_failed\":true";
  j += ",\"chain\":[";
  for (size_t i = 0; i < c.hops.size(); i++) {
    const auto& h = c.hops[i];
    if (i > 0) j += ",";
    j += "{\"host\":";
    json_string(j, h.names.names.empty() ? "" : h.names.names[0]);
    j += ",\"host_key\":";
    json_string(j, h.key_type + " " + h.fingerprint);
    j += ",\"forwarding\":";
    j += h.forwarding ? "true" : "false";
    if (h.names.revoked) j += ",\"revoked\":true";
    j += "}";
  }
  j += "],\"kind\":";
  json_string(j, c.kind == SignKind::userauth ? "userauth"
                 : c.kind == SignKind::sshsig ? "sshsig"
                                              : "other");
  if (c.kind == SignKind::userauth) {
    j += ",\"user\":";
    json_string(j, c.user);
    j += ",\"destination\":";
    json_string(j, c.destination && !c.destination->names.names.empty()
                       ? c.destination->names.names[0]
                       : "");
    if (c.destination) {
      j += ",\"destination_key\":";
      json_string(j, c.destination->key_type + " " + c.destination->fingerprint);
      j += ",\"destination_verified\":";
      j += c.destination_verified ? "true" : "false";
    }
  }
  if (c.kind == SignKind::sshsig) {
    j += ",\"namespace\":";
    json_string(j, c.sig_namespace);
  }
  j += "}";
  return j;
}

}  // namespace skagent
