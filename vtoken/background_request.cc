// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/background_request.h"

#include "vtoken/ctaphid.h"

namespace skagent::vtoken {

using Clock = std::chrono::steady_clock;

// The request's side of a touch wait or slow step: it sleeps on the
// condition variable, so a cancel or a silent platform ends it at once.
class BackgroundRequest::Wait : public PresenceWait {
 public:
  explicit Wait(BackgroundRequest& r) : r_(r) {}
  bool cancelled(int ms) override { return wait(ctaphid::kStatusUpNeeded, ms); }
  bool processing(int ms) override { return wait(ctaphid::kStatusProcessing, ms); }

 private:
  bool wait(uint8_t status, int ms) {
    std::unique_lock lock(r_.mu_);
    r_.status_ = status;
    r_.cv_.wait_for(lock, std::chrono::milliseconds(ms), [&] { return r_.cancelled_; });
    return r_.cancelled_ || Clock::now() - r_.last_poll_ > kPollTimeout;
  }
  BackgroundRequest& r_;
};

BackgroundRequest::BackgroundRequest(Authenticator& auth, Bytes request)
    : status_(ctaphid::kStatusProcessing), last_poll_(Clock::now()) {
  thread_ =
      std::thread([this, &auth, req = std::move(request)]() mutable { run(auth, std::move(req)); });
}

BackgroundRequest::~BackgroundRequest() {
  cancel();
  thread_.join();
}

void BackgroundRequest::run(Authenticator& auth, Bytes request) {
  Wait w(*this);
  CtapReply reply = auth.handle(request, w);
  std::lock_guard lock(mu_);
  reply_ = std::move(reply);
  cv_.notify_all();
}

std::optional<CtapReply> BackgroundRequest::poll(std::chrono::milliseconds ms) {
  std::unique_lock lock(mu_);
  last_poll_ = Clock::now();
  cv_.wait_for(lock, ms, [&] { return reply_.has_value(); });
  return reply_;
}

uint8_t BackgroundRequest::status() const {
  std::lock_guard lock(mu_);
  return status_;
}

void BackgroundRequest::cancel() {
  std::lock_guard lock(mu_);
  cancelled_ = true;
  cv_.notify_all();
}

}  // namespace skagent::vtoken
