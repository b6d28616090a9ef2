// SPDX-License-Identifier: BSD-2-Clause
#include "agent/helpers/sk_helper_client.h"

namespace skagent {

SkHelper::SkHelper(EventLoop& loop, const Logger& log, std::string helper_path,
                   std::string provider, std::string vtokens)
    : loop_(loop),
      log_(log),
      provider_(std::move(provider)),
      process_(
          loop, log,
          HelperProcess::Options{
              .name = "sk helper for " + provider_, .max_frame = kMaxHelperFrame, .restart = true},
          // The virtual tokens come on the command line: the helper reads no environment
          // of its own.
          HelperProcess::program(std::move(helper_path),
                                 vtokens.empty() ? std::vector<std::string>{provider_}
                                                 : std::vector<std::string>{provider_, vtokens})) {}

SkHelper::~SkHelper() {
  if (card_timer_ != 0) loop_.cancel_timer(card_timer_);
}

void SkHelper::sign(const SkSignRequest& req, Done done) {
  // The frame may hold a PIN: every buffer it passes through wipes itself.
  process_.call(encode_sign_request(req), kRequestTimeout,
                [done = std::move(done)](Result<Bytes> body) {
                  done(body ? decode_sign_reply(*body) : Result<SkSignResult>(body.error()));
                });
}

void SkHelper::watch_cards(std::function<bool()> wanted, std::function<void()> left) {
  cards_wanted_ = std::move(wanted);
  card_left_ = std::move(left);
  if (card_timer_ != 0) return;
  card_timer_ =
      loop_.after(std::chrono::duration_cast<std::chrono::milliseconds>(kCardCheckInterval),
                  process_.guard([this] {
                    card_timer_ = 0;
                    check_cards();
                  }));
}

void SkHelper::check_cards() {
  if (!cards_wanted_ || !cards_wanted_()) return;
  // A helper that is not running (it died, or was stopped) forgot its cards:
  // whether they are still there is unknown, so the PINs go.
  if (!process_.running()) return card_left_();
  process_.call(encode_check_cards_request(), kRequestTimeout,
                process_.guard([this](Result<Bytes> body) {
                  auto left = body ? decode_check_cards_reply(*body) : Result<bool>(body.error());
                  if (!left || *left) {
                    if (!left)
                      log_.error("sk helper for " + provider_ +
                                 ": card check failed: " + left.error().message);
                    if (card_left_) card_left_();
                    return;
                  }
                  watch_cards(std::move(cards_wanted_), std::move(card_left_));
                }));
}

SkHelper& SkHelpers::for_provider(const std::string& provider) {
  auto& h = helpers_[provider];
  if (!h) h = std::make_unique<SkHelper>(loop_, log_, helper_path_, provider, vtokens_);
  return *h;
}

}  // namespace skagent
