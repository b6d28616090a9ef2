// SPDX-License-Identifier: BSD-2-Clause
// The person's side of SIGN_REQUEST: the request's context (caller, hops,
// what is signed), the policy's decision, the confirmation prompt with that
// context in it, remembered approvals, and one audit line per decision.
#include "agent/policy/sign_guard.h"

#include <unistd.h>

#include <ctime>

#include "agent/keys/identity_store.h"
#include "agent/prompts/audit_json.h"
#include "agent/prompts/prompt_text.h"
#include "agent/protocol/messages.h"
#include "base/wire.h"

namespace skagent {

std::string approval_key(const SignContext& c) {
  // (pid, start time) outlives an exec: a process that ran another program since it
  // connected is not the one approved, nor is another program it ran since and that connected
  // again (same pid and start time, another executable or command line).
  if (!c.caller || c.caller->chain.empty() || c.caller_fate != ProcessFate::running) return {};
  const ProcessInfo& p = c.caller->chain[0];
  std::string k = c.key_fp + "|" + std::to_string(p.pid) + ":" + std::to_string(p.start_time) + "|";
  Writer program;  // length-prefixed: no argument can pose as two
  program.string(p.exe);
  for (const auto& a : p.argv) program.string(a);
  const Bytes& prog = program.bytes();
  k.append(reinterpret_cast<const char*>(prog.data()), prog.size());
  k += "|";
  for (const auto& h : c.hops) k += h.fingerprint + (h.forwarding ? ">" : "|");
  k += c.kind == SignKind::userauth ? "userauth:" + c.user
       : c.kind == SignKind::sshsig ? "sshsig:" + c.sig_namespace
                                    : std::string("other");
  if (c.destination) k += "@" + c.destination->fingerprint;
  return k;
}

SignGuard::SignGuard(const AgentOptions& options, const Logger& log, Prompter& prompter,
                     std::shared_ptr<PolicyStore> policy)
    : options_(options), log_(log), prompter_(prompter), policy_(std::move(policy)) {
  if (!policy_) {  // embedded agents (tests): the policy the options name, else the defaults
    auto opened = PolicyStore::open(options_);
    if (!opened) log_.error("policy: " + opened.error().message + "; using the defaults");
    policy_ = opened ? *opened : PolicyStore::defaults(options_.home);
  }
}

KeyPolicy SignGuard::key_policy(const SignContext& ctx) const {
  return policy_->current()->for_key(ctx.key_fp, ctx.key_fp_md5, ctx.key_comment);
}

std::shared_ptr<SignContext> SignGuard::context(const std::shared_ptr<Connection>& conn,
                                                const Identity& id, ByteView data) {
  auto ctx = build_sign_context(*conn, id, data, [this] {
    auto policy = policy_->current();
    known_hosts_.set_paths(policy->known_hosts_files(policy_->home()));
    return HostNames{&known_hosts_.get(), policy->literal_destination_hosts()};
  });
  ctx->conn = conn;
  ctx->show_md5 = options_.fingerprint_hash == FingerprintHash::md5;
  return ctx;
}

void SignGuard::write_audit(SignContext& ctx) {
  AuditTarget target = policy_->current()->audit();
  if (target.kind == AuditTarget::Kind::none) return;
  // Once per signature: the cheap look, unless a prompt already made the thorough check.
  check_caller(ctx, CallerCheck::audit);
  std::string line = audit_json(ctx, std::time(nullptr));
  if (target.kind == AuditTarget::Kind::file && policy_->audit_fd() >= 0) {
    line.push_back('\n');
    if (write(policy_->audit_fd(), line.data(), line.size()) != ssize_t(line.size())) {
      log_.error("audit: cannot write the audit file");
    }
    return;
  }
  log_.info("audit: " + line);
}

ReplyFn SignGuard::audited(std::shared_ptr<SignContext> ctx, ReplyFn reply) {
  return [this, ctx = std::move(ctx), reply = std::move(reply)](Bytes message) {
    const bool signed_ok = !message.empty() && message[0] == msg::kSignResponse;
    if (signed_ok) {
      ctx->decision = SignOutcome::allowed;
    } else if (ctx->decision == SignOutcome::undecided) {
      ctx->decision = SignOutcome::failed;
      if (ctx->reason.empty() || ctx->approval.empty()) {
        ctx->reason = "the signature failed (see the agent's log)";
      } else {
        ctx->reason += "; then the signature failed (see the agent's log)";
      }
    }
    write_audit(*ctx);
    reply(std::move(message));
  };
}

void SignGuard::refuse(SignContext& ctx, const std::string& why, const ReplyFn& reply) {
  ctx.decision = SignOutcome::refused;
  ctx.reason = why;
  skagent::refuse(log_, reply, "sign: refused " + ctx.key_type + " " + ctx.key_fp + ": " + why);
}

void SignGuard::check(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                      Bytes data, uint32_t flags, ReplyFn reply, Permitted permitted) {
  const KeyPolicy kp = key_policy(*ctx);
  const PolicyDecision d = decide(kp, *ctx, id->confirm);
  if (d.refuse) return refuse(*ctx, d.reason, reply);
  ctx->reason = d.reason;
  if (!d.confirm) {
    ctx->approval.confirm = Approval::Confirm::not_needed;
    return permitted(std::move(ctx), std::move(id), std::move(data), flags, std::move(reply));
  }
  check_caller(*ctx);
  const std::string remembered = kp.approve_for > 0 ? approval_key(*ctx) : std::string();
  if (!remembered.empty() && approvals_.approved(remembered)) {
    ctx->approval.confirm = Approval::Confirm::approved_earlier;
    log_.info("sign: " + describe_identity(*id, options_.fingerprint_hash) +
              " approved earlier for this process and destination");
    return permitted(std::move(ctx), std::move(id), std::move(data), flags, std::move(reply));
  }
  const ConfirmQuestion question = confirm_question(*ctx, remembered.empty() ? 0 : kp.approve_for);
  std::weak_ptr<Connection> weak = ctx->conn;
  auto prompt = prompter_.ask(
      question,
      [this, weak, ctx, id, data = std::move(data), flags, reply = std::move(reply), remembered,
       approve_for = kp.approve_for, permitted = std::move(permitted)](PromptOutcome o) mutable {
        if (auto c = weak.lock()) c->pending.reset();
        if (!o.yes) {
          ctx->approval.confirm = Approval::Confirm::refused;
          return refuse(*ctx, "confirmation: " + o.why, reply);
        }
        ctx->approval.confirm = Approval::Confirm::confirmed;
        if (!remembered.empty()) approvals_.remember(remembered, std::chrono::seconds(approve_for));
        log_.info("sign: " + describe_identity(*id, options_.fingerprint_hash) + " confirmed");
        permitted(std::move(ctx), std::move(id), std::move(data), flags, std::move(reply));
      },
      std::chrono::seconds(kp.prompt_timeout));
  if (auto c = weak.lock()) c->pending = std::move(prompt);
}

}  // namespace skagent
