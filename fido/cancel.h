// SPDX-License-Identifier: BSD-2-Clause
// Cancelling a token request (CTAPHID CANCEL) when its time is up or when the
// one who asked went away. libfido2 calls block; a CancelWatch runs beside
// one of them on a thread of its own and sends CANCEL to the device at the
// deadline or when the requester's descriptor hangs up.
//
//   Interrupts in(options);                 // deadline = now + options.timeout
//   { CancelWatch w(in, dev); r = fido_dev_get_assert(...); if (r) return w.error(r, ...); }
#pragma once

#include <atomic>
#include <chrono>
#include <optional>
#include <string_view>
#include <thread>

#include "fido/device.h"
#include "fido/options.h"
#include "base/error.h"

namespace skagent::fido {

using Clock = std::chrono::steady_clock;

// The limits of one operation: a deadline, and a descriptor whose hang-up
// means the requester is gone.
class Interrupts {
 public:
  explicit Interrupts(const Options& o)
      : deadline_(Clock::now() + o.timeout), timeout_(o.timeout), requester_fd_(o.requester_fd) {}

  Clock::time_point deadline() const { return deadline_; }
  int requester_fd() const { return requester_fd_; }
  bool expired() const { return Clock::now() >= deadline_; }
  bool requester_gone() const;
  int remaining_ms() const;
  // An error when the operation must stop now (deadline passed, requester gone).
  std::optional<Error> check(std::string_view what) const;
  Error timeout_error(std::string_view what) const;
  Error gone_error(std::string_view what) const;

 private:
  Clock::time_point deadline_;
  std::chrono::milliseconds timeout_;
  int requester_fd_;
};

class CancelWatch {
 public:
  enum class Reason { none, timeout, requester_gone };

  CancelWatch(const Interrupts& in, const Device& dev);
  ~CancelWatch();
  CancelWatch(const CancelWatch&) = delete;
  CancelWatch& operator=(const CancelWatch&) = delete;

  Reason reason() const { return reason_.load(); }
  // The error for a request that ended with libfido2 status `rc`: says so
  // when it ended because this watch cancelled it.
  Error error(int rc, std::string_view what, fido_dev_t* dev) const;

 private:
  void run();

  const Interrupts& in_;
  const Device& dev_;
  int stop_fd_ = -1;
  std::atomic<Reason> reason_{Reason::none};
  std::thread thread_;
};

}  // namespace skagent::fido
