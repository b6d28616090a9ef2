// SPDX-License-Identifier: BSD-2-Clause
#include "agent/helpers/pkcs11_helper_client.h"

#include <signal.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

#include "platform/helper_channel.h"
#include "platform/process.h"
#include "base/wire.h"

namespace skagent {

Pkcs11Helper::Pkcs11Helper(EventLoop& loop, const Logger& log, std::string helper_path,
                           std::string provider, Timeouts timeouts, DeathFn on_death)
    : loop_(loop),
      log_(log),
      helper_path_(std::move(helper_path)),
      provider_(std::move(provider)),
      timeouts_(timeouts),
      on_death_(std::move(on_death)) {}

namespace {

std::chrono::milliseconds whole_seconds(const char* v, std::chrono::milliseconds fallback) {
  if (v == nullptr || *v == 0) return fallback;
  char* end = nullptr;
  long s = strtol(v, &end, 10);
  if (*end != 0 || s < 1 || s > 600) return fallback;
  return std::chrono::seconds(s);
}

}  // namespace

Pkcs11Helper::Timeouts Pkcs11Helper::Timeouts::from_text(const char* load, const char* sign) {
  Timeouts t;
  t.load = whole_seconds(load, t.load);
  t.sign = whole_seconds(sign, t.sign);
  return t;
}

Pkcs11Helper::Timeouts Pkcs11Helper::Timeouts::given(std::chrono::milliseconds load,
                                                     std::chrono::milliseconds sign) {
  Timeouts t;
  if (load.count() > 0) t.load = load;
  if (sign.count() > 0) t.sign = sign;
  return t;
}

void stop_idle_providers(Pkcs11Providers& providers,
                         const std::function<bool(const std::string&)>& holds_keys) {
  std::erase_if(providers, [&](auto& entry) {
    auto& [path, p] = entry;
    if (p.loading || holds_keys(path)) return false;
    p.helper->stop("none of its keys is left");
    return true;
  });
}

Pkcs11Helper::~Pkcs11Helper() {
  *alive_ = false;
  shut("agent stopped it", false);
}

Status Pkcs11Helper::start() {
  auto helper = spawn_helper(helper_path_, {provider_});
  if (!helper) return helper.error();
  pid_ = helper->pid;
  fd_ = helper->fd;
  loop_.watch(fd_, EventLoop::kRead, [this, alive = alive_](uint32_t ev) {
    if (*alive) on_event(ev);
  });
  // Reap it; a death by a signal other than our SIGKILL is a crash in the module.
  const Logger& log = log_;
  std::string provider = provider_;
  exited_ = std::make_shared<bool>(false);
  loop_.on_child_exit(pid_, [&log, provider, exited = exited_](int status) {
    *exited = true;
    if (WIFSIGNALED(status) && WTERMSIG(status) != SIGKILL) {
      log.error("pkcs11 helper for " + provider + " crashed (signal " +
                std::to_string(WTERMSIG(status)) + ", " + strsignal(WTERMSIG(status)) + ")");
    }
  });
  log_.debug("started pkcs11 helper for " + provider_);
  return {};
}

void Pkcs11Helper::shut(const std::string& why, bool report) {
  if (dead_) return;
  dead_ = true;
  if (fd_ >= 0) {
    loop_.unwatch(fd_);
    close(fd_);
    fd_ = -1;
  }
  if (pid_ > 0) {
    if (report) {
      kill(pid_, SIGKILL);  // it crashed, hung or lost its token: nothing to wait for
    } else if (*alive_) {
      // Asked to stop: the closed channel makes the helper call C_Finalize (logging out of
      // the token) and exit; a helper stuck in its module is killed shortly after.
      loop_.after(kStopGrace, [pid = pid_, exited = exited_] {
        if (!*exited) kill(pid, SIGKILL);
      });
    }
    // Destroyed with the agent: the closed channel, or the agent's exit (PR_SET_PDEATHSIG), ends it.
  }
  pid_ = -1;
  if (timer_ != 0) loop_.cancel_timer(timer_);
  if (check_timer_ != 0) loop_.cancel_timer(check_timer_);
  timer_ = check_timer_ = 0;
  stream_.clear();
  auto pending = std::move(pending_);
  pending_.clear();
  if (!*alive_) return;  // destroyed with the agent: nobody is waiting any more
  std::string msg = "pkcs11 helper for " + provider_ + ": " + why;
  loop_.post([pending = std::move(pending), msg, why, report, on_death = on_death_]() mutable {
    for (auto& p : pending) p.done(make_error(Errc::internal, msg));
    if (report && on_death) on_death(why);
  });
}

void Pkcs11Helper::stop(const std::string& why) { shut(why, false); }

void Pkcs11Helper::die(const std::string& why) { shut(why, true); }

void Pkcs11Helper::call(Bytes request, std::chrono::milliseconds timeout, ReplyFn done) {
  if (!dead_ && fd_ < 0) {
    if (auto s = start(); !s) {
      log_.error("pkcs11 helper for " + provider_ + ": " + s.error().message);
      dead_ = true;
    }
  }
  if (dead_) {
    loop_.post([done = std::move(done), p = provider_] {
      done(make_error(Errc::internal, "pkcs11 helper for " + p + " is not running"));
    });
    return;
  }
  stream_.queue(request);
  pending_.push_back(Pending{timeout, std::move(done)});
  if (pending_.size() == 1) arm_timeout();
  flush();
}

void Pkcs11Helper::load(ByteView pin, LoadDone done) {
  call(pkcs11::encode_load_request(pin), timeouts_.load,
       [this, alive = alive_, done = std::move(done)](Result<Bytes> body) {
         if (!body) return done(body.error());
         auto reply = pkcs11::decode_load_reply(*body);
         if (reply && *alive) schedule_check();
         done(std::move(reply));
       });
}

void Pkcs11Helper::sign(ByteView key_blob, ByteView data, uint32_t flags, SignDone done) {
  call(pkcs11::encode_sign_request(key_blob, data, flags), timeouts_.sign,
       [done = std::move(done)](Result<Bytes> body) {
         if (!body) return done(body.error());
         done(pkcs11::decode_sign_reply(*body));
       });
}

// While loaded, the helper is asked every few seconds whether its tokens are
// still there; a pulled token makes its keys vanish without waiting for a
// signature to fail. A hung module is found the same way.
void Pkcs11Helper::schedule_check() {
  if (dead_ || check_timer_ != 0) return;
  check_timer_ = loop_.after(
      std::chrono::duration_cast<std::chrono::milliseconds>(kCheckInterval),
      [this, alive = alive_] {
        if (!*alive) return;
        check_timer_ = 0;
        if (dead_) return;
        call(pkcs11::encode_check_request(), kCheckTimeout, [this, alive](Result<Bytes> body) {
          if (!*alive || dead_) return;
          auto present = body ? pkcs11::decode_check_reply(*body) : Result<bool>(body.error());
          if (!present) {
            log_.error("pkcs11 helper for " + provider_ +
                       ": check failed: " + present.error().message);
            return die("helper answered a check with nonsense");
          }
          if (!*present) return die("token removed");
          schedule_check();
        });
      });
}

void Pkcs11Helper::arm_timeout() {
  if (timer_ != 0) loop_.cancel_timer(timer_);
  timer_ = 0;
  if (pending_.empty()) return;
  auto timeout = pending_.front().timeout;
  timer_ = loop_.after(timeout, [this, alive = alive_, timeout] {
    if (!*alive) return;
    timer_ = 0;
    die("no answer in " + std::to_string(timeout.count() / 1000) + " s; helper killed");
  });
}

void Pkcs11Helper::flush() {
  if (!stream_.flush(fd_)) return die("helper exited");
  loop_.set_interest(fd_, EventLoop::kRead | (stream_.writing() ? EventLoop::kWrite : 0));
}

void Pkcs11Helper::on_event(uint32_t events) {
  if (events & EventLoop::kWrite) flush();
  if (fd_ < 0 || !(events & EventLoop::kRead)) return;
  bool open = stream_.fill(fd_);
  for (;;) {
    auto body = stream_.next();
    if (!body) return die("helper sent an oversized frame");
    if (!*body) break;
    if (pending_.empty()) return die("protocol violation");
    Bytes reply = std::move(**body);
    auto done = std::move(pending_.front().done);
    pending_.pop_front();
    arm_timeout();
    // Callbacks run from the loop, never inside this handler, so they may
    // stop or destroy this helper.
    loop_.post(
        [done = std::move(done), reply = std::move(reply)]() mutable { done(std::move(reply)); });
  }
  if (!open) die("helper exited");
}

}  // namespace skagent
