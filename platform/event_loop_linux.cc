// SPDX-License-Identifier: BSD-2-Clause
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <string>

#include "platform/event_loop.h"

namespace skagent {

namespace {

uint32_t to_epoll(uint32_t interest) {
  uint32_t ev = 0;
  if (interest & EventLoop::kRead) ev |= EPOLLIN | EPOLLRDHUP;
  if (interest & EventLoop::kWrite) ev |= EPOLLOUT;
  return ev;
}

uint32_t from_epoll(uint32_t ev) {
  uint32_t out = 0;
  if (ev & (EPOLLIN | EPOLLRDHUP)) out |= EventLoop::kRead;
  if (ev & EPOLLOUT) out |= EventLoop::kWrite;
  if (ev & (EPOLLERR | EPOLLHUP)) out |= EventLoop::kError | EventLoop::kRead;
  return out;
}

}  // namespace

Result<std::unique_ptr<EventLoop>> EventLoop::create() {
  std::unique_ptr<EventLoop> loop(new EventLoop());
  sigemptyset(&loop->blocked_);
  loop->epfd_ = epoll_create1(EPOLL_CLOEXEC);
  loop->wakefd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (loop->epfd_ < 0 || loop->wakefd_ < 0) {  // the destructor closes the one made
    return make_error(Errc::io, std::string("event loop set-up failed: ") + std::strerror(errno));
  }
  EventLoop* self = loop.get();
  loop->watch(loop->wakefd_, kRead, [self](uint32_t) {
    uint64_t n;  // one read resets an eventfd's counter
    ssize_t ignored = read(self->wakefd_, &n, sizeof(n));
    (void)ignored;
    self->run_posted();
  });
  return loop;
}

EventLoop::~EventLoop() {
  for (int fd : owned_fds_) close(fd);
  sigprocmask(SIG_UNBLOCK, &blocked_, nullptr);
  if (wakefd_ >= 0) close(wakefd_);
  if (epfd_ >= 0) close(epfd_);
}

void EventLoop::watch(int fd, uint32_t interest, FdCallback cb) {
  struct epoll_event ev {};
  ev.events = to_epoll(interest);
  ev.data.fd = fd;
  bool known = watches_.count(fd) != 0;
  watches_[fd] = Watch{interest, std::make_shared<FdCallback>(std::move(cb))};
  epoll_ctl(epfd_, known ? EPOLL_CTL_MOD : EPOLL_CTL_ADD, fd, &ev);
}

void EventLoop::set_interest(int fd, uint32_t interest) {
  auto it = watches_.find(fd);
  if (it == watches_.end() || it->second.interest == interest) return;
  it->second.interest = interest;
  struct epoll_event ev {};
  ev.events = to_epoll(interest);
  ev.data.fd = fd;
  epoll_ctl(epfd_, EPOLL_CTL_MOD, fd, &ev);
}

void EventLoop::unwatch(int fd) {
  if (watches_.erase(fd) != 0) epoll_ctl(epfd_, EPOLL_CTL_DEL, fd, nullptr);
}

uint64_t EventLoop::after(std::chrono::milliseconds delay, std::function<void()> fn) {
  uint64_t id = next_timer_++;
  auto when = Clock::now() + delay;
  timers_[id] = {when, std::move(fn)};
  timer_order_.emplace(when, id);
  return id;
}

void EventLoop::cancel_timer(uint64_t id) {
  auto it = timers_.find(id);
  if (it == timers_.end()) return;
  auto range = timer_order_.equal_range(it->second.first);
  for (auto o = range.first; o != range.second; ++o) {
    if (o->second == id) {
      timer_order_.erase(o);
      break;
    }
  }
  timers_.erase(it);
}

void EventLoop::on_child_exit(pid_t pid, std::function<void(int)> fn) {
  int pidfd = int(syscall(SYS_pidfd_open, pid, 0));
  if (pidfd < 0) {  // already reaped or no pidfd support: report at once
    int status = 0;
    waitpid(pid, &status, WNOHANG);
    post([fn = std::move(fn), status] { fn(status); });
    return;
  }
  owned_fds_.push_back(pidfd);
  watch(pidfd, kRead, [this, pid, pidfd, fn = std::move(fn)](uint32_t) {
    int status = 0;
    if (waitpid(pid, &status, WNOHANG) == 0) return;
    release_fd(pidfd);
    fn(status);
  });
}

Status EventLoop::on_signals(const std::vector<int>& signals, std::function<void(int)> fn) {
  sigset_t set;
  sigemptyset(&set);
  for (int s : signals) sigaddset(&set, s);
  sigprocmask(SIG_BLOCK, &set, nullptr);
  for (int s : signals) sigaddset(&blocked_, s);
  int sfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
  if (sfd < 0) return make_error(Errc::io, std::string("signalfd: ") + std::strerror(errno));
  owned_fds_.push_back(sfd);
  watch(sfd, kRead, [sfd, fn = std::move(fn)](uint32_t) {
    struct signalfd_siginfo si;
    while (read(sfd, &si, sizeof(si)) == ssize_t(sizeof(si))) fn(int(si.ssi_signo));
  });
  return {};
}

void EventLoop::release_fd(int fd) {
  unwatch(fd);
  close(fd);
  std::erase(owned_fds_, fd);
}

void EventLoop::post(std::function<void()> fn) {
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    posted_.push_back(std::move(fn));
  }
  uint64_t one = 1;
  ssize_t ignored = write(wakefd_, &one, sizeof(one));
  (void)ignored;
}

void EventLoop::run_posted() {
  std::vector<std::function<void()>> batch;
  {
    std::lock_guard<std::mutex> lock(posted_mu_);
    batch.swap(posted_);
  }
  for (auto& fn : batch) fn();
}

int EventLoop::next_timeout_ms() const {
  if (timer_order_.empty()) return -1;
  auto d = timer_order_.begin()->first - Clock::now();
  auto ms = std::chrono::ceil<std::chrono::milliseconds>(d).count();
  return ms < 0 ? 0 : int(std::min<long long>(ms, 60000));
}

void EventLoop::run_timers() {
  auto now = Clock::now();
  while (!timer_order_.empty() && timer_order_.begin()->first <= now) {
    uint64_t id = timer_order_.begin()->second;
    timer_order_.erase(timer_order_.begin());
    auto it = timers_.find(id);
    if (it == timers_.end()) continue;
    auto fn = std::move(it->second.second);
    timers_.erase(it);
    fn();
  }
}

void EventLoop::run() {
  running_ = true;
  struct epoll_event events[64];
  while (running_) {
    int n = epoll_wait(epfd_, events, 64, next_timeout_ms());
    for (int i = 0; i < n && running_; i++) {
      auto it = watches_.find(events[i].data.fd);
      if (it == watches_.end()) continue;
      auto cb = it->second.cb;  // keeps the callback alive if it unwatches itself
      (*cb)(from_epoll(events[i].events));
    }
    run_timers();
  }
}

}  // namespace skagent
