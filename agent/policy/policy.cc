// SPDX-License-Identifier: BSD-2-Clause
#include "agent/policy/policy.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "base/text.h"
#include "agent/policy/pattern_match.h"
#include "agent/policy/provider_allowlist.h"
#include "agent/prompts/prompt_text.h"
#include "platform/read_file.h"

namespace skagent {

namespace {

template <class T>
void take_first(std::optional<T>& into, const std::optional<T>& from) {
  if (!into && from) into = from;
}

bool block_matches(const PolicyBlock& b, const std::string& sha256_fp, const std::string& md5_fp,
                   const std::string& comment) {
  if (b.key_patterns.empty()) return true;
  bool positive = false;
  for (const auto& raw : b.key_patterns) {
    std::string_view p = raw;
    bool negated = p.front() == '!';
    if (negated) p.remove_prefix(1);
    bool hit = match_pattern(sha256_fp, p) || match_pattern(md5_fp, p) || match_pattern(comment, p);
    if (hit && negated) return false;
    if (hit) positive = true;
  }
  return positive;
}

// Some known_hosts name of the hop matches the host pattern.
bool hop_matches(const HopInfo& hop, const std::string& pattern) {
  if (hop.names.revoked) return false;
  const std::string p = ascii_lower(pattern);
  for (const auto& n : hop.names.names) {
    if (match_pattern(n, p)) return true;
  }
  return false;
}

}  // namespace

Policy::Policy(PolicyConfig overrides, PolicyConfig file) {
  for (auto& b : overrides.blocks) blocks_.push_back(std::move(b));
  for (auto& b : file.blocks) blocks_.push_back(std::move(b));
  global_ = std::move(overrides.global);
  take_first(global_.audit, file.global.audit);
  take_first(global_.user_known_hosts, file.global.user_known_hosts);
  take_first(global_.global_known_hosts, file.global.global_known_hosts);
}

KeyPolicy Policy::for_key(const std::string& sha256_fp, const std::string& md5_fp,
                          const std::string& comment) const {
  KeySettings s;
  for (const auto& b : blocks_) {
    if (!block_matches(b, sha256_fp, md5_fp, comment)) continue;
    take_first(s.confirm, b.settings.confirm);
    take_first(s.approve_for, b.settings.approve_for);
    take_first(s.forwarded_signing, b.settings.forwarded_signing);
    take_first(s.sshsig_namespaces, b.settings.sshsig_namespaces);
    take_first(s.destinations, b.settings.destinations);
    take_first(s.pin_cache, b.settings.pin_cache);
    take_first(s.prompt_timeout, b.settings.prompt_timeout);
    take_first(s.notify, b.settings.notify);
  }
  KeyPolicy k;
  if (s.confirm) k.confirm = *s.confirm;
  if (s.approve_for) k.approve_for = *s.approve_for;
  if (s.forwarded_signing) k.forwarded_signing = *s.forwarded_signing;
  if (s.sshsig_namespaces) k.sshsig_namespaces = *s.sshsig_namespaces;
  k.destinations = s.destinations;
  if (s.pin_cache) k.pin_cache = *s.pin_cache;
  if (s.prompt_timeout) k.prompt_timeout = *s.prompt_timeout;
  if (s.notify) k.notify = *s.notify;
  return k;
}

AuditTarget Policy::audit() const { return global_.audit.value_or(AuditTarget{}); }

std::vector<std::string> Policy::known_hosts_files(const std::string& home) const {
  std::vector<std::string> out;
  if (global_.user_known_hosts) {
    out = *global_.user_known_hosts;
  } else if (!home.empty()) {
    out = {home + "/.ssh/known_hosts", home + "/.ssh/known_hosts2"};
  }
  if (global_.global_known_hosts) {
    out.insert(out.end(), global_.global_known_hosts->begin(), global_.global_known_hosts->end());
  } else {
    out.push_back("/etc/ssh/ssh_known_hosts");
    out.push_back("/etc/ssh/ssh_known_hosts2");
  }
  return out;
}

std::vector<std::string> Policy::literal_destination_hosts() const {
  std::vector<std::string> out;
  for (const auto& b : blocks_) {
    if (!b.settings.destinations) continue;
    for (const auto& d : *b.settings.destinations) {
      for (const auto* h : {&d.from_host, &d.to_host}) {
        if (!h->empty() && h->find_first_of("*?") == std::string::npos && out.size() < 256) {
          out.push_back(ascii_lower(*h));
        }
      }
    }
  }
  return out;
}

bool destinations_allow(const std::vector<DestinationSpec>& specs, const SignContext& ctx,
                        std::string* why) {
  auto say = [&](std::string s) {
    if (why != nullptr) *why = std::move(s);
    return false;
  };
  if (ctx.hops.empty()) {
    // Local use without session binding: only a login needs a known destination.
    if (ctx.kind == SignKind::userauth) {
      return say(
          "the destination is unknown (no session binding), and the key is limited by "
          "Destinations");
    }
    return true;
  }
  for (size_t i = 0; i < ctx.hops.size(); i++) {
    const bool last = i + 1 == ctx.hops.size();
    bool ok = false;
    for (const auto& s : specs) {
      if (s.from_host.empty() ? i != 0 : (i == 0 || !hop_matches(ctx.hops[i - 1], s.from_host)))
        continue;
      if (!hop_matches(ctx.hops[i], s.to_host)) continue;
      if (last && !s.user.empty() && ctx.kind == SignKind::userauth &&
          !match_pattern(ctx.user, s.user))
        continue;
      ok = true;
      break;
    }
    if (!ok) {
      return say("hop " + std::to_string(i + 1) + " (" + describe_hop(ctx.hops[i]) +
                 ") is not allowed by Destinations");
    }
  }
  return true;
}

PolicyDecision decide(const KeyPolicy& p, const SignContext& ctx, bool key_confirm) {
  PolicyDecision d;
  for (const auto& h : ctx.hops) {
    if (h.names.revoked) {
      d.refuse = true;
      d.reason = "the host key of " + describe_hop(h) + " is marked @revoked in known_hosts";
      return d;
    }
  }
  if (ctx.destination && ctx.destination->names.revoked) {
    d.refuse = true;
    d.reason = "the destination's host key is marked @revoked in known_hosts";
    return d;
  }
  if (ctx.forwarded && p.forwarded_signing == ForwardedSigning::userauth &&
      ctx.kind != SignKind::userauth) {
    d.refuse = true;
    d.reason = std::string("a ") +
               (ctx.kind == SignKind::sshsig ? "SSHSIG signature" : "signature of other data") +
               " was asked for over a forwarded connection (policy ForwardedSigning userauth)";
    return d;
  }
  if (ctx.kind == SignKind::sshsig && !p.sshsig_namespaces.empty() &&
      match_pattern_list(ctx.sig_namespace, p.sshsig_namespaces) != 1) {
    d.refuse = true;
    d.reason = "SSHSIG namespace \"" + printable(ctx.sig_namespace, 64) +
               "\" is not in SshsigNamespaces " + p.sshsig_namespaces;
    return d;
  }
  if (p.destinations) {
    std::string why;
    if (!destinations_allow(*p.destinations, ctx, &why)) {
      d.refuse = true;
      d.reason = why;
      return d;
    }
  }
  if (key_confirm) {
    d.confirm = true;
    d.reason = "the key was added with confirmation (ssh-add -c)";
  } else if (p.confirm == ConfirmMode::always) {
    d.confirm = true;
    d.reason = "policy Confirm always";
  } else if (p.confirm == ConfirmMode::forwarded && ctx.forwarded) {
    d.confirm = true;
    d.reason = "policy Confirm forwarded, and the request came through a forwarded agent";
  } else {
    d.reason = "no confirmation required";
  }
  return d;
}

// ------------------------------------------------------------------ PolicyStore

std::shared_ptr<PolicyStore> PolicyStore::defaults(std::string home) {
  auto s = std::shared_ptr<PolicyStore>(new PolicyStore());
  s->home_ = std::move(home);
  return s;
}

Result<std::shared_ptr<PolicyStore>> PolicyStore::open(const AgentOptions& options) {
  auto s = defaults(options.home);
  s->overrides_ = options.policy_overrides;
  bool required = true;
  if (!options.policy_file.empty()) {
    s->path_ = options.policy_file;
  } else if (!options.config_path.empty()) {
    s->path_ = options.config_path;
  } else {
    required = false;
    const std::string& xdg = options.xdg_config_home;
    if (!xdg.empty() && xdg[0] == '/') {
      s->path_ = xdg + "/skagent/config";
    } else if (!s->home_.empty()) {
      s->path_ = s->home_ + "/.config/skagent/config";
    }
  }
  // The default file may be missing, now and at any SIGHUP: then it is an empty
  // policy (a SIGHUP must not end an agent whose file was never written).
  s->may_be_missing_ = !required;
  if (auto st = s->load_from_disk(); !st) return st.error();
  if (auto st = s->open_audit_file(s->policy_->audit()); !st) return st.error();
  return s;
}

Status PolicyStore::load_from_disk() {
  auto overrides = parse_policy_overrides(overrides_, home_);
  if (!overrides) return overrides.error();
  PolicyConfig file;
  if (!path_.empty()) {
    // The parser reports a larger file. A file others may write is refused (as ssh does).
    auto text = read_file_head(path_, kMaxPolicyFileSize + 1, nullptr, FileOwner::user_or_root);
    if (!text && !(may_be_missing_ && text.error().code == Errc::not_found)) return text.error();
    if (!text) text = std::string();
    auto parsed = parse_policy_config(*text, path_, home_);
    if (!parsed) return parsed.error();
    file = std::move(*parsed);
  }
  policy_ = std::make_shared<Policy>(std::move(*overrides), std::move(file));
  return {};
}

Status PolicyStore::open_audit_file(const AuditTarget& t) {
  if (t.kind != AuditTarget::Kind::file) return {};
  if (t.path == audit_path_ && audit_fd_ >= 0) return {};
  int fd = ::open(t.path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return make_error(Errc::io, "Audit " + t.path + ": " + strerror(errno));
  // Someone else's file (or one others may write) would let them edit the record.
  if (auto ok = check_file_owner(fd, t.path); !ok) {
    close(fd);
    return make_error(Errc::denied, "Audit " + ok.error().message);
  }
  if (audit_fd_ >= 0) close(audit_fd_);
  audit_fd_ = fd;
  audit_path_ = t.path;
  return {};
}

Status PolicyStore::reload(std::string* warning) {
  if (path_.empty() && overrides_.empty()) return {};
  if (auto st = load_from_disk(); !st) return st;
  if (auto st = open_audit_file(policy_->audit()); !st && warning != nullptr) {
    // The sandbox forbids creating files after start-up: keep the old audit file.
    *warning = st.error().message + " (a new audit file takes a restart; audit lines go to " +
               (audit_path_.empty() ? std::string("the log") : audit_path_) + ")";
  }
  return {};
}

PolicyStore::~PolicyStore() {
  if (audit_fd_ >= 0) close(audit_fd_);
}

}  // namespace skagent
