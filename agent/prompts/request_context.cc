// SPDX-License-Identifier: BSD-2-Clause
#include "agent/prompts/request_context.h"

#include <algorithm>

#include "agent/connection.h"
#include "agent/keys/identity.h"
#include "agent/prompts/audit_json.h"
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

std::string Approval::name() const {
  std::string out;
  auto add = [&out](std::string_view part) {
    if (!out.empty()) out += ", ";
    out += part;
  };
  // In Confirm's order.
  static constexpr std::string_view kConfirm[] = {"", "not needed", "approved earlier (ApproveFor)",
                                                  "confirmed by the person", "refused"};
  if (confirm != Confirm::none) add(kConfirm[size_t(confirm)]);
  if (cached_pin) add("cached PIN");
  for (unsigned i = 0; i < pins_typed; i++) add("PIN entered");
  return out.empty() ? "none" : out;
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
  if (!c->chain.empty()) {
    if (auto w = ProcessWatch::open(c->chain[0])) {
      c->watch = std::make_shared<const ProcessWatch>(std::move(*w));
    }
  }
  // Exited before we read it: its pid may already name another process, whose /proc we read.
  // Name nobody rather than the wrong one. (Without a pidfd a reuse this quick goes unseen.)
  if (c->pidfd && pidfd_exited(c->pidfd->fd)) c->chain.clear(), c->watch.reset();
  return c;
}

const CallerText& CallerTextOnce::get(const CallerInfo& caller) const {
  std::call_once(once_, [&] {
    auto t = std::make_unique<CallerText>();
    for (size_t i = 0; i < caller.chain.size() && i < 2; i++) {
      for (auto& c : host_candidates(caller.chain[i].argv))
        t->host_candidates.push_back(std::move(c));
    }
    t->audit_ids = audit_caller_ids(caller);
    t->audit_process = audit_caller_process(caller);
    text_ = std::move(t);
  });
  return *text_;
}

std::shared_ptr<const CallerInfo> caller_of(Connection& conn) {
  if (!conn.caller) conn.caller = read_caller(conn.peer, -1, false);
  return conn.caller;
}

void check_caller(SignContext& ctx, CallerCheck how) {
  if (ctx.caller_checked) return;
  if (!ctx.caller) return;
  if (ctx.caller->chain.empty()) {
    // Gone before it could be read; a pid of 0 (another pid namespace) tells nothing.
    if (ctx.caller->pid > 0) ctx.caller_fate = ProcessFate::exited;
    ctx.caller_checked = true;
    return;
  }
  // The cheap look leaves caller_checked unset: a prompt after it still gets the thorough one.
  if (how == CallerCheck::audit && ctx.caller->watch &&
      ctx.caller->watch->unchanged(ctx.caller->chain[0])) {
    ctx.caller_fate = ProcessFate::running;
    return;
  }
  ctx.caller_checked = true;
  ctx.caller_fate =
      process_fate(ctx.caller->chain[0], ctx.caller->pidfd ? ctx.caller->pidfd->fd : -1);
}

std::shared_ptr<SignContext> build_sign_context(Connection& conn, const Identity& id, ByteView data,
                                                const HostNamesFn& host_names) {
  auto ctx = std::make_shared<SignContext>();
  ctx->caller = caller_of(conn);
  ctx->data_len = data.size();
  // The blob clients name the key by is its plain blob unless it is a certificate.
  const Bytes cert_key = id.key.is_cert() ? id.key.plain().blob() : Bytes{};
  const ByteView plain = id.key.is_cert() ? ByteView(cert_key) : ByteView(id.blob);
  ctx->key_fp = plain_blob_fingerprint(plain, FingerprintHash::sha256);
  ctx->key_fp_md5 = plain_blob_fingerprint(plain, FingerprintHash::md5);
  ctx->key_type = short_type(id.key);
  ctx->key_comment = id.comment;
  ctx->key_is_sk = is_security_key(id.key.type);

  // The known_hosts files and the names to try on hashed entries, fetched at the first host
  // to name.
  std::optional<HostNames> names;
  std::vector<std::string> candidates;
  auto known_hosts = [&]() -> const KnownHosts& {
    if (!names) {
      names = host_names();
      candidates = ctx->caller->text().host_candidates;
      for (const auto& d : id.destinations) {
        for (const auto* h : {&d.from.hostname, &d.to.hostname}) {
          if (!h->empty()) candidates.push_back(known_hosts_name(*h));
        }
      }
      for (const auto& c : names->extra_candidates) candidates.push_back(c);
    }
    static const KnownHosts kNone;
    return names->known_hosts != nullptr ? *names->known_hosts : kNone;
  };

  for (const auto& b : conn.bindings) {
    const KnownHosts& kh = known_hosts();
    ctx->hops.push_back(make_hop(b.host_key, b.forwarding, kh, candidates));
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
      const KnownHosts& kh = known_hosts();
      ctx->destination = make_hop(*ua->host_key, false, kh, candidates);
    }
  } else if (auto sig = parse_sshsig_request(data)) {
    ctx->kind = SignKind::sshsig;
    ctx->sig_namespace = sig->sig_namespace;
  }
  return ctx;
}

}  // namespace skagent
