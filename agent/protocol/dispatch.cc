// SPDX-License-Identifier: BSD-2-Clause
// Request dispatch: the lock gate, message routing, key expiry.
#include <algorithm>
#include <thread>

#include "agent/agent.h"
#include "agent/protocol/messages.h"
#include "ssh/fingerprint.h"

namespace skagent {

Result<std::unique_ptr<Agent>> Agent::create(const AgentOptions& options, const Logger& log,
                                             EventLoop& loop, std::string sk_helper_path,
                                             std::string pkcs11_helper_path,
                                             std::shared_ptr<PolicyStore> policy) {
  auto shield = KeyShield::create();
  if (!shield) return shield.error();
  return std::unique_ptr<Agent>(new Agent(options, log, loop, std::move(*shield),
                                          std::move(sk_helper_path), std::move(pkcs11_helper_path),
                                          std::move(policy)));
}

Agent::Agent(const AgentOptions& options, const Logger& log, EventLoop& loop,
             std::unique_ptr<KeyShield> shield, std::string sk_helper_path,
             std::string pkcs11_helper_path, std::shared_ptr<PolicyStore> policy)
    : options_(options),
      log_(log),
      loop_(loop),
      lock_(loop, log, options.unlock_delay_step),
      shield_(std::move(shield)),
      workers_(std::max(2u, std::thread::hardware_concurrency())),
      prompter_(loop, log, options.askpass),
      guard_(options, log, prompter_, std::move(policy)),
      sk_(loop, log, prompter_, std::move(sk_helper_path), options),
      pkcs11_(loop, log, options, ids_, std::move(pkcs11_helper_path),
              [this] { schedule_expiry(); }) {}

Agent::~Agent() {
  if (expiry_timer_ != 0) loop_.cancel_timer(expiry_timer_);
}

void Agent::dispatch(Request req) {
  if (next_expiry_ && *next_expiry_ <= std::chrono::steady_clock::now()) schedule_expiry();
  // While locked, only UNLOCK works, the key list is empty and extensions decide for
  // themselves (session-bind still works: OpenSSH 10.5).
  if (lock_.locked() && req.type != msg::kUnlock && req.type != msg::kExtension) {
    if (req.type == msg::kRequestIdentities)
      return req.reply(Bytes{msg::kIdentitiesAnswer, 0, 0, 0, 0});
    return refuse(log_, req.reply, "agent locked: refusing request " + std::to_string(req.type),
                  Logger::Level::debug);
  }
  switch (req.type) {
    case msg::kRequestIdentities:
      return list_identities(req);
    case msg::kSignRequest:
      return sign(req);
    case msg::kAddIdentity:
    case msg::kAddIdConstrained:
      return add_identity(req);
    case msg::kRemoveIdentity:
      return remove_identity(req);
    case msg::kRemoveAllIdentities:
    case msg::kRemoveAllV1:
      remove_all_identities();
      return req.reply(msg::status(true));
    case msg::kAddSmartcardKey:
    case msg::kAddSmartcardKeyConstrained:
    case msg::kRemoveSmartcardKey:
      return smartcard(req);
    case msg::kLock:
      return lock(req);
    case msg::kUnlock:
      return unlock(req);
    case msg::kExtension:
      return extension(req);
    default:
      return refuse(log_, req.reply, "unknown message type " + std::to_string(req.type),
                    Logger::Level::debug);
  }
}

void Agent::remove_all_identities() {
  log_.info("removing all " + std::to_string(ids_.size()) + " identities");
  ids_.clear();
  wipe_secrets("all identities removed");
  pkcs11_.stop_all("all identities removed");  // no token key is left to sign with
  schedule_expiry();
}

void Agent::schedule_expiry() {
  next_expiry_ = ids_.expire(std::chrono::steady_clock::now());
  // A PKCS#11 module whose keys are all gone (expired, removed) logs out of its tokens.
  pkcs11_.stop_idle();
  if (expiry_timer_ != 0) loop_.cancel_timer(expiry_timer_);
  expiry_timer_ = 0;
  if (!next_expiry_) return;
  auto delay = std::chrono::ceil<std::chrono::milliseconds>(*next_expiry_ -
                                                            std::chrono::steady_clock::now());
  expiry_timer_ = loop_.after(std::max(delay, std::chrono::milliseconds(0)), [this] {
    expiry_timer_ = 0;
    schedule_expiry();
  });
}

std::string Agent::describe(const Identity& id) const {
  return describe_identity(id, options_.fingerprint_hash);
}

void Agent::wipe_secrets(const std::string& why) {
  if (sk_.cached_pins() > 0 || guard_.approvals() > 0)
    log_.info("wiping cached PINs and approvals: " + why);
  sk_.wipe_pins();
  guard_.forget_approvals();
}

bool Agent::reload_policy() {
  if (!guard_.policy().has_file()) return false;
  std::string warning;
  if (auto s = guard_.policy().reload(&warning); !s) {
    log_.error("policy: " + s.error().message + "; keeping the previous policy");
  } else {
    log_.info("policy: reloaded " + guard_.policy().path());
    if (!warning.empty()) log_.error("policy: " + warning);
    // PINs and approvals were kept under the old policy (PinCache, ApproveFor).
    wipe_secrets("policy reloaded");
  }
  return true;
}

}  // namespace skagent
