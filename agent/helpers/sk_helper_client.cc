// SPDX-License-Identifier: BSD-2-Clause
#include "agent/helpers/sk_helper_client.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "platform/helper_channel.h"
#include "platform/process.h"
#include "base/wire.h"

namespace skagent {

namespace {
// Long enough for a person to touch a token; a hung library is killed after.
constexpr auto kRequestTimeout = std::chrono::seconds(120);
}  // namespace

SkHelper::SkHelper(EventLoop& loop, const Logger& log, std::string helper_path,
                   std::string provider, std::string vtokens)
    : loop_(loop),
      log_(log),
      helper_path_(std::move(helper_path)),
      provider_(std::move(provider)),
      vtokens_(std::move(vtokens)) {}

SkHelper::~SkHelper() {
  *alive_ = false;
  if (card_timer_ != 0) loop_.cancel_timer(card_timer_);
  stop("agent shutting down");
}

Status SkHelper::start() {
  // The virtual tokens come on the command line: the helper reads no environment of its own.
  std::vector<std::string> args = {provider_};
  if (!vtokens_.empty()) args.push_back(vtokens_);
  auto helper = spawn_helper(helper_path_, args);
  if (!helper) return helper.error();
  pid_ = helper->pid;
  fd_ = helper->fd;
  loop_.watch(fd_, EventLoop::kRead, [this, alive = alive_](uint32_t ev) {
    if (*alive) on_event(ev);
  });
  loop_.on_child_exit(pid_, [](int) {});  // reap; EOF on fd_ drives the logic
  log_.debug("started sk helper for " + provider_);
  return {};
}

void SkHelper::stop(const std::string& why) {
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) kill(pid_, SIGKILL);
  pid_ = -1;
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_ = 0;
  stream_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  if (!pending.empty()) log_.error("sk helper for " + provider_ + ": " + why);
  for (auto& done : pending) done(make_error(Errc::internal, "sk helper failed: " + why));
}

void SkHelper::call(ByteView request, ReplyFn done) {
  if (fd_ < 0) {
    if (auto s = start(); !s) return done(s.error());
  }
  stream_.queue(request);
  pending_.push_back(std::move(done));
  if (pending_.size() == 1) arm_timeout();
  flush();
}

void SkHelper::sign(const SkSignRequest& req, Done done) {
  // The frame may hold a PIN: every buffer it passes through wipes itself.
  call(encode_sign_request(req), [done = std::move(done)](Result<Bytes> body) {
    done(body ? decode_sign_reply(*body) : Result<SkSignResult>(body.error()));
  });
}

void SkHelper::watch_cards(std::function<bool()> wanted, std::function<void()> left) {
  cards_wanted_ = std::move(wanted);
  card_left_ = std::move(left);
  if (card_timer_ != 0) return;
  card_timer_ =
      loop_.after(std::chrono::duration_cast<std::chrono::milliseconds>(kCardCheckInterval),
                  [this, alive = alive_] {
                    if (!*alive) return;
                    card_timer_ = 0;
                    check_cards();
                  });
}

void SkHelper::check_cards() {
  if (!cards_wanted_ || !cards_wanted_()) return;
  // A helper that is not running (it died, or was stopped) forgot its cards:
  // whether they are still there is unknown, so the PINs go.
  if (fd_ < 0) return card_left_();
  call(encode_check_cards_request(), [this, alive = alive_](Result<Bytes> body) {
    if (!*alive) return;
    auto left = body ? decode_check_cards_reply(*body) : Result<bool>(body.error());
    if (!left || *left) {
      if (!left)
        log_.error("sk helper for " + provider_ + ": card check failed: " + left.error().message);
      if (card_left_) card_left_();
      return;
    }
    watch_cards(std::move(cards_wanted_), std::move(card_left_));
  });
}

void SkHelper::arm_timeout() {
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_ = loop_.after(std::chrono::duration_cast<std::chrono::milliseconds>(kRequestTimeout),
                       [this, alive = alive_] {
                         if (!*alive) return;
                         timer_ = 0;
                         stop("no answer in time; helper killed");
                       });
}

void SkHelper::flush() {
  if (!stream_.flush(fd_)) return stop("write failed");
  loop_.set_interest(fd_, EventLoop::kRead | (stream_.writing() ? EventLoop::kWrite : 0));
}

void SkHelper::on_event(uint32_t events) {
  if (events & EventLoop::kWrite) flush();
  if (fd_ < 0 || !(events & EventLoop::kRead)) return;
  bool open = stream_.fill(fd_);
  for (;;) {
    auto body = stream_.next();
    if (!body || (*body && pending_.empty())) return stop("protocol violation");
    if (!*body) break;
    Bytes reply = std::move(**body);
    auto done = std::move(pending_.front());
    pending_.pop_front();
    if (pending_.empty() && timer_ != 0) {
      loop_.cancel_timer(timer_);
      timer_ = 0;
    } else if (!pending_.empty()) {
      arm_timeout();
    }
    done(std::move(reply));
    if (fd_ < 0) return;
  }
  if (!open) stop("helper exited");
}

SkHelper& SkHelpers::for_provider(const std::string& provider) {
  auto& h = helpers_[provider];
  if (!h) h = std::make_unique<SkHelper>(loop_, log_, helper_path_, provider, vtokens_);
  return *h;
}

}  // namespace skagent
