// SPDX-License-Identifier: BSD-2-Clause
// One CTAP request run on its own thread, for a transport that answers the
// platform while the request works (NFC: SW 9100 "still working" while the
// token waits for a touch, then the answer on NFCCTAP_GETRESPONSE). The
// request ends early when cancelled, or when the platform stops polling.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "vtoken/authenticator.h"

namespace skagent::vtoken {

class BackgroundRequest {
 public:
  // A platform silent for this long has gone away: the request is cancelled.
  static constexpr auto kPollTimeout = std::chrono::milliseconds(1000);

  BackgroundRequest(Authenticator& auth, Bytes request);
  // Cancels the request and waits for it to end.
  ~BackgroundRequest();
  BackgroundRequest(const BackgroundRequest&) = delete;
  BackgroundRequest& operator=(const BackgroundRequest&) = delete;

  // Waits up to `ms` for the answer; each call counts as a poll.
  std::optional<CtapReply> poll(std::chrono::milliseconds ms);
  // What the request waits on now: ctaphid::kStatusProcessing or kStatusUpNeeded.
  uint8_t status() const;
  void cancel();

 private:
  class Wait;
  void run(Authenticator& auth, Bytes request);

  mutable std::mutex mu_;
  std::condition_variable cv_;
  bool cancelled_ = false;
  uint8_t status_;
  std::chrono::steady_clock::time_point last_poll_;
  std::optional<CtapReply> reply_;
  std::thread thread_;
};

}  // namespace skagent::vtoken
