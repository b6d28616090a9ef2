// SPDX-License-Identifier: BSD-2-Clause
#include "agent/helpers/helper_process.h"

namespace skagent {

namespace {

std::string describe(std::chrono::milliseconds d) {
  if (d.count() % 1000 == 0) return std::to_string(d.count() / 1000) + " s";
  return std::to_string(d.count()) + " ms";
}

}  // namespace

HelperProcess::HelperProcess(EventLoop& loop, const Logger& log, Options options, Spawn spawn,
                             Failed on_failure)
    : loop_(loop),
      log_(log),
      opts_(std::move(options)),
      spawn_(std::move(spawn)),
      on_failure_(std::move(on_failure)),
      stream_(opts_.max_frame) {}

HelperProcess::~HelperProcess() {
  // Nobody waits any more: no callback runs. A helper that cleans up is only asked to (the closed
  // channel; the agent's exit ends it through PR_SET_PDEATHSIG); any other is killed.
  if (timer_ != 0) loop_.cancel_timer(timer_);
  pending_.clear();
  const pid_t pid = pid_;
  close_channel();
  if (opts_.stop_grace.count() == 0 && pid > 0 && !*exited_) kill_helper(pid);
}

HelperProcess::Spawn HelperProcess::program(std::string path, std::vector<std::string> args) {
  return [path = std::move(path), args = std::move(args)] { return spawn_helper(path, args); };
}

Status HelperProcess::start() {
  auto helper = spawn_();
  if (!helper) return helper.error();
  pid_ = helper->pid;
  fd_ = helper->fd;
  ended_ = false;
  loop_.watch(fd_, EventLoop::kRead, guard([this](uint32_t ev) { on_event(ev); }));
  // Reaped here, and a death by a signal other than our SIGKILL is a crash worth a line; the
  // channel's EOF, not the exit, drives what happens to the requests.
  exited_ = std::make_shared<bool>(false);
  loop_.on_child_exit(pid_, [&log = log_, name = opts_.name, exited = exited_](int status) {
    *exited = true;
    if (auto crash = helper_crash(status); !crash.empty())
      log.error(name + " crashed (" + crash + ")");
  });
  log_.debug("started " + opts_.name);
  return {};
}

void HelperProcess::call(ByteView request, std::chrono::milliseconds deadline, Reply done) {
  if (fd_ < 0 && (!ended_ || opts_.restart)) {
    if (auto s = start(); !s) {
      log_.error(opts_.name + ": " + s.error().message);
      ended_ = true;
      return post_error(std::move(done), s.error());
    }
  }
  if (fd_ < 0) {
    return post_error(std::move(done), make_error(Errc::internal, opts_.name + " is not running"));
  }
  stream_.queue(request);
  pending_.push_back(Pending{deadline, std::move(done)});
  if (pending_.size() == 1) arm_deadline();
  flush();
}

void HelperProcess::stop(const std::string& why) { end(why, false); }

void HelperProcess::fail(const std::string& why) { end(why, true); }

void HelperProcess::end(const std::string& why, bool failed) {
  ended_ = true;
  if (fd_ < 0) return;  // nothing runs, so nothing waits
  const pid_t pid = pid_;
  pid_ = -1;
  close_channel();
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_ = 0;
  if (failed || opts_.stop_grace.count() == 0) {
    if (!*exited_) kill_helper(pid);  // crashed, hung or broke the protocol: nothing to wait for
  } else {
    // The closed channel makes it clean up and exit; one stuck in its library is killed later.
    loop_.after(opts_.stop_grace, [pid, exited = exited_] {
      if (!*exited) kill_helper(pid);
    });
  }
  auto pending = std::move(pending_);
  pending_.clear();
  if (failed && !pending.empty()) log_.error(opts_.name + ": " + why);
  const std::string msg = opts_.name + ": " + why;
  Failed told = failed ? on_failure_ : Failed();
  loop_.post([pending = std::move(pending), msg, why, told = std::move(told)] {
    for (const auto& p : pending) p.done(make_error(Errc::internal, msg));
    if (told) told(why);
  });
}

void HelperProcess::close_channel() {
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    close_helper_channel(fd_);
    fd_ = -1;
  }
  stream_.clear();
}

void HelperProcess::post_error(Reply done, Error e) {
  loop_.post([done = std::move(done), e = std::move(e)] { done(e); });
}

// The deadline of the oldest request, the one the helper is working on.
void HelperProcess::arm_deadline() {
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_ = 0;
  if (pending_.empty()) return;
  const auto deadline = pending_.front().deadline;
  timer_ = loop_.after(deadline, guard([this, deadline] {
                         timer_ = 0;
                         fail("no answer in " + describe(deadline) + "; helper killed");
                       }));
}

void HelperProcess::flush() {
  if (!stream_.flush(fd_)) return fail("helper exited");
  loop_.set_interest(fd_, EventLoop::kRead | (stream_.writing() ? EventLoop::kWrite : 0));
}

void HelperProcess::on_event(uint32_t events) {
  if (events & EventLoop::kWrite) flush();
  if (fd_ < 0 || !(events & EventLoop::kRead)) return;
  const bool open = stream_.fill(fd_);
  for (;;) {
    auto body = stream_.next();
    if (!body) return fail("helper sent an oversized frame");
    if (!*body) break;
    if (pending_.empty()) return fail("protocol violation");
    Bytes reply = std::move(**body);
    auto done = std::move(pending_.front().done);
    pending_.pop_front();
    arm_deadline();
    loop_.post(
        [done = std::move(done), reply = std::move(reply)]() mutable { done(std::move(reply)); });
  }
  if (!open) fail("helper exited");
}

}  // namespace skagent
