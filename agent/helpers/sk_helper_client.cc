// SPDX-License-Identifier: BSD-2-Clause
#include "agent/helpers/sk_helper_client.h"

#include <algorithm>
#include <thread>

namespace skagent {

namespace {

HelperProcess::Spawn sk_program(const std::string& helper_path, const std::string& provider,
                                const std::string& vtokens, bool no_token) {
  // The virtual tokens come on the command line: the helper reads no environment of its own.
  std::vector<std::string> args;
  if (no_token) args.push_back("--no-token");
  args.push_back(provider);
  if (!vtokens.empty() && !no_token) args.push_back(vtokens);
  return HelperProcess::program(helper_path, std::move(args));
}

}  // namespace

SkHelper::SkHelper(EventLoop& loop, const Logger& log, std::string helper_path,
                   std::string provider, std::string vtokens, size_t spares)
    : loop_(loop), log_(log), provider_(std::move(provider)) {
  // The built-in middleware exists to reach tokens: no spare could ever sign for it.
  if (provider_ == "internal") spares = 0;
  for (size_t i = 0; i <= spares; i++) {
    const bool spare = i > 0;
    processes_.push_back(std::make_unique<HelperProcess>(
        loop, log,
        HelperProcess::Options{
            .name = (spare ? "spare sk helper for " : "sk helper for ") + provider_,
            .max_frame = kMaxHelperFrame,
            .restart = true},
        sk_program(helper_path, provider_, vtokens, spare)));
  }
  in_flight_.assign(processes_.size(), 0);
}

SkHelper::~SkHelper() {
  if (card_timer_ != 0) loop_.cancel_timer(card_timer_);
}

size_t SkHelper::default_spares() {
  const unsigned cores = std::thread::hardware_concurrency();
  return std::clamp<size_t>(cores > 1 ? cores - 1 : 1, 1, 3);
}

// The main helper unless it is busy and a spare may take this request: no PIN (a PIN is for a
// token, and goes to no process that cannot reach one), and the provider not known to need
// its token. The least busy one; the main helper on a tie.
size_t SkHelper::pick(const SkSignRequest& req) const {
  if (in_flight_[0] == 0 || spares_refused_ || !req.pin.empty()) return 0;
  size_t best = 0;
  for (size_t i = 1; i < processes_.size(); i++) {
    if (in_flight_[i] < in_flight_[best]) best = i;
  }
  return best;
}

void SkHelper::sign(const SkSignRequest& req, Done done) {
  sign_on(pick(req), req, std::move(done));
}

void SkHelper::sign_on(size_t index, const SkSignRequest& req, Done done) {
  in_flight_[index]++;
  if (index == 0) {
    // The frame may hold a PIN: every buffer it passes through wipes itself.
    return processes_[0]->call(
        encode_sign_request(req), kRequestTimeout,
        liveness_.guard([this, done = std::move(done)](Result<Bytes> body) {
          in_flight_[0]--;
          done(body ? decode_sign_reply(*body) : Result<SkSignResult>(body.error()));
        }));
  }
  processes_[index]->call(
      encode_sign_request(req), kSpareTimeout,
      liveness_.guard([this, index, req, done = std::move(done)](Result<Bytes> body) mutable {
        in_flight_[index]--;
        auto res = body ? decode_sign_reply(*body) : Result<SkSignResult>(body.error());
        if (res) return done(std::move(res));
        // Whatever failed there reached no token: the main helper tries it. Only when it signs
        // there does the provider need its token, and keep its requests in the main helper
        // from then on; a request that fails in both (a key handle the provider refuses) says
        // nothing about the provider, and must not make every client's requests wait.
        sign_on(0, req,
                [this, why = res.error().message,
                 done = std::move(done)](Result<SkSignResult> again) mutable {
                  if (again && !spares_refused_) {
                    log_.info("sk helper for " + provider_ + ": it signs only with a token (" +
                              why + " without one); its requests wait for each other");
                    spares_refused_ = true;
                    for (size_t i = 1; i < processes_.size(); i++)
                      processes_[i]->stop("not needed");
                  }
                  done(std::move(again));
                });
      }));
}

void SkHelper::watch_cards(std::function<bool()> wanted, std::function<void()> left) {
  cards_wanted_ = std::move(wanted);
  card_left_ = std::move(left);
  if (card_timer_ != 0) return;
  card_timer_ =
      loop_.after(std::chrono::duration_cast<std::chrono::milliseconds>(kCardCheckInterval),
                  liveness_.guard([this] {
                    card_timer_ = 0;
                    check_cards();
                  }));
}

void SkHelper::check_cards() {
  if (!cards_wanted_ || !cards_wanted_()) return;
  // A helper that is not running (it died, or was stopped) forgot its cards:
  // whether they are still there is unknown, so the PINs go. Cards sign only in the main one.
  HelperProcess& main = *processes_[0];
  if (!main.running()) return card_left_();
  main.call(encode_check_cards_request(), kRequestTimeout,
            liveness_.guard([this](Result<Bytes> body) {
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
