// SPDX-License-Identifier: BSD-2-Clause
// A single-threaded event loop: file descriptors, timers, signals and child
// exits dispatch callbacks on the loop thread; post() is the only call that
// other threads may make.
#pragma once

#include <signal.h>
#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <unordered_map>
#include <vector>

#include "base/error.h"

namespace skagent {

class EventLoop {
 public:
  using Clock = std::chrono::steady_clock;
  using FdCallback = std::function<void(uint32_t events)>;
  static constexpr uint32_t kRead = 1, kWrite = 2, kError = 4;

  // Fails (no exception) when the kernel gives no epoll or eventfd descriptor.
  static Result<std::unique_ptr<EventLoop>> create();
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  void watch(int fd, uint32_t interest, FdCallback cb);
  void set_interest(int fd, uint32_t interest);
  void unwatch(int fd);

  uint64_t after(std::chrono::milliseconds delay, std::function<void()> fn);
  void cancel_timer(uint64_t id);

  // Calls fn with the exit status when the child ends (pidfd based).
  void on_child_exit(pid_t pid, std::function<void(int status)> fn);
  // Calls fn on the loop thread for each delivery of one of these signals; fails when no
  // signalfd can be had (the signals stay blocked).
  Status on_signals(const std::vector<int>& signals, std::function<void(int signo)> fn);

  void post(std::function<void()> fn);  // thread-safe
  void run();
  void stop() { running_ = false; }

 private:
  EventLoop() = default;
  void run_timers();
  void release_fd(int fd);
  void run_posted();
  int next_timeout_ms() const;

  int epfd_ = -1;
  std::vector<int> owned_fds_;  // signalfds and live pidfds, closed with the loop
  sigset_t blocked_{};          // signals blocked for signalfd, unblocked with the loop
  int wakefd_ = -1;
  bool running_ = false;
  struct Watch {
    uint32_t interest;
    std::shared_ptr<FdCallback> cb;
  };
  std::unordered_map<int, Watch> watches_;
  std::multimap<Clock::time_point, uint64_t> timer_order_;
  std::unordered_map<uint64_t, std::pair<Clock::time_point, std::function<void()>>> timers_;
  uint64_t next_timer_ = 1;
  std::mutex posted_mu_;
  std::vector<std::function<void()>> posted_;
};

}  // namespace skagent
