// SPDX-License-Identifier: BSD-2-Clause
// A security-key signature with a person in the loop: the PIN of a
// verify-required key (asked through the askpass, or taken from the PinCache
// when the policy keeps it), the "touch your security key" notice while the
// helper waits for the touch, and what a wrong PIN or a removed token means.
// A wrong PIN is never sent again: the next attempt is a new prompt that says
// what went wrong (and how many tries the token has left, when it tells).
// The PIN stays a Secret (locked memory) all the way to the helper's frame.
// Only a PIN that was typed is cached, so use never extends PinCache; a cached
// PIN is used only while the policy still says PinCache.
#include "agent/helpers/sk_sign_flow.h"

#include "agent/connection.h"
#include "agent/keys/identity_store.h"
#include "fido/sk_abi.h"
#include "agent/prompts/prompt_text.h"

namespace skagent {

namespace {

constexpr int kMaxPinPrompts = 3;

}  // namespace

struct SkAttempt {
  std::shared_ptr<SignContext> ctx;
  std::shared_ptr<const Identity> id;
  SkSignRequest req;  // never holds the PIN
  SkHelper::Done done;
  KeyPolicy policy;
  bool pin_needed = false;
  bool tried_cache = false;
  bool pin_typed = false;  // the PIN being sent was typed now (not from the cache)
  int prompts = 0;
};

SkSignFlow::SkSignFlow(EventLoop& loop, const Logger& log, Prompter& prompter,
                       std::string sk_helper_path, const AgentOptions& options)
    : log_(log),
      prompter_(prompter),
      hash_(options.fingerprint_hash),
      pins_(loop),
      notifier_(loop, log, options.session_bus),
      helpers_(loop, log, std::move(sk_helper_path), options.vtokens) {}

std::string SkSignFlow::describe(const Identity& id) const { return describe_identity(id, hash_); }

void SkSignFlow::sign(std::shared_ptr<SignContext> ctx, std::shared_ptr<const Identity> id,
                      SkSignRequest req, const KeyPolicy& policy, SkHelper::Done done) {
  auto s = std::make_shared<SkAttempt>();
  s->policy = policy;
  s->ctx = std::move(ctx);
  s->id = std::move(id);
  s->req = std::move(req);
  s->req.pin.clear();
  s->done = std::move(done);
  s->pin_needed = (s->req.flags & fido::kUserVerificationRequired) != 0;
  attempt(std::move(s));
}

void SkSignFlow::attempt(std::shared_ptr<SkAttempt> s) {
  if (!s->pin_needed) return send(std::move(s), nullptr);
  if (!s->tried_cache) {
    s->tried_cache = true;
    const Secret* cached = s->policy.pin_cache > 0 ? pins_.get(s->id->blob) : nullptr;
    if (cached != nullptr) {
      s->ctx->approval.cached_pin = true;
      s->pin_typed = false;
      return send(std::move(s), cached->copy());
    }
  }
  if (s->prompts >= kMaxPinPrompts) {
    s->ctx->decision = SignOutcome::refused;
    s->ctx->reason = "wrong PIN " + std::to_string(kMaxPinPrompts) + " times";
    return s->done(
        make_error(Errc::pin_invalid, "wrong PIN " + std::to_string(kMaxPinPrompts) + " times"));
  }
  s->prompts++;
  check_caller(*s->ctx);
  const std::string text = pin_prompt_text(*s->ctx, pins_.note(s->id->blob));
  std::weak_ptr<Connection> weak = s->ctx->conn;
  auto prompt = prompter_.ask(
      Prompter::Kind::secret, text,
      [this, weak, s](PromptOutcome o) {
        if (auto c = weak.lock()) c->pending.reset();
        if (!o.yes || !o.secret || o.secret->empty()) {
          std::string why = o.yes ? "an empty PIN was given" : o.why;
          s->ctx->decision = SignOutcome::refused;
          s->ctx->reason = "PIN entry: " + why;
          log_.error("sign: no PIN for " + describe(*s->id) + ": " + why);
          return s->done(make_error(Errc::denied, "PIN entry: " + why));
        }
        s->ctx->approval.pins_typed++;
        s->pin_typed = true;
        send(s, std::move(o.secret));
      },
      std::chrono::seconds(s->policy.prompt_timeout));
  if (auto c = weak.lock()) c->pending = std::move(prompt);
}

void SkSignFlow::send(std::shared_ptr<SkAttempt> s, std::unique_ptr<Secret> pin) {
  SkSignRequest req = s->req;
  if (pin) req.pin = *pin;  // a locked copy
  // The notice: only while a touch is awaited. The caller it names is looked at (thoroughly)
  // and its text made only when there is a way to show it: with no session bus (no desktop)
  // that work was thrown away on every signature, and the audit line looks at the caller anyway.
  std::shared_ptr<void> notice;
  if ((req.flags & fido::kUserPresenceRequired) != 0) {
    if (s->policy.notify == NotifyMode::yes && notifier_.available()) {
      check_caller(*s->ctx);
      notice = notifier_.show(touch_notice_summary(), touch_notice_body(*s->ctx));
    } else if (s->policy.notify == NotifyMode::askpass && prompter_.available()) {
      check_caller(*s->ctx);
      // An askpass shows no summary: it leads the text.
      notice = prompter_.ask(Prompter::Kind::notice,
                             touch_notice_summary() + ": " + touch_notice_body(*s->ctx), nullptr,
                             std::chrono::seconds(120));
    }
  }
  // The connection holds the notice, so a client that goes away withdraws it too.
  std::weak_ptr<Connection> weak_conn = s->ctx->conn;
  if (auto c = weak_conn.lock()) {
    c->pending = std::move(notice);
  }
  std::shared_ptr<Secret> sent(pin.release());
  const bool typed = s->pin_typed;
  helpers_.for_provider(s->id->sk_provider)
      .sign(req, [this, s, sent, typed, weak_conn,
                  notice = std::move(notice)](Result<SkSignResult> res) mutable {
        // The touch came, or the request is over: withdraw the notice.
        if (auto c = weak_conn.lock()) c->pending.reset();
        notice.reset();
        const Bytes& blob = s->id->blob;
        if (res) {
          // Re-putting a cached PIN would restart its timer: PinCache counts from the typing.
          if (sent && typed && s->policy.pin_cache > 0) {
            pins_.put(blob, s->id->sk_provider, *sent, std::chrono::seconds(s->policy.pin_cache));
            wipe_registers_and_stack();  // the copy went through memcpy
            watch_cards_for(s->id->sk_provider);
          }
          pins_.set_note(blob, "");
          return s->done(std::move(res));
        }
        const Errc code = res.error().code;
        if (code == Errc::not_found) {
          // The token is gone: the PINs typed for it go too.
          pins_.forget_provider(s->id->sk_provider);
          log_.error("sign: security key not found; cached PINs for " + s->id->sk_provider +
                     " wiped");
        } else if (sent && (code == Errc::pin_invalid || code == Errc::pin_required)) {
          pins_.forget(blob);
          const int left = res.error().pin_retries;
          std::string note = s->prompts == 0 ? "The remembered PIN was refused." : "Wrong PIN.";
          if (left >= 0)
            note += " " + std::to_string(left) + (left == 1 ? " try" : " tries") +
                    " left before the key locks.";
          pins_.set_note(blob, note);
          log_.error("sign: wrong PIN for " + describe(*s->id) +
                     (left >= 0 ? " (" + std::to_string(left) + " tries left)" : std::string()));
          if (s->prompts < kMaxPinPrompts) return attempt(s);  // a new prompt, never a silent retry
          s->ctx->decision = SignOutcome::refused;
          s->ctx->reason = "wrong PIN";
        } else if (!sent && code == Errc::pin_required && !s->pin_needed) {
          // The token wants a PIN although the key's flags did not say so.
          s->pin_needed = true;
          s->tried_cache = true;
          return attempt(s);
        } else if (code == Errc::pin_blocked) {
          pins_.forget(blob);
          pins_.set_note(blob, "The PIN is blocked: the security key must be reset or unblocked.");
          s->ctx->decision = SignOutcome::refused;
          s->ctx->reason = "the PIN is blocked";
        }
        s->done(std::move(res));
      });
  // The PIN went through copies, encoding and write(): leave none of it behind.
  if (sent) wipe_registers_and_stack();
}

// A PC/SC card leaves no device node behind when it is taken away: while
// PINs typed for a provider's keys are kept, its helper is asked now and then.
void SkSignFlow::watch_cards_for(const std::string& provider) {
  helpers_.for_provider(provider).watch_cards(
      [this, provider] { return pins_.holds_provider(provider); },
      [this, provider] {
        if (!pins_.holds_provider(provider)) return;
        pins_.forget_provider(provider);
        log_.info("a security key card left its reader: cached PINs for " + provider + " wiped");
      });
}

}  // namespace skagent
