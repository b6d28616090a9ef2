// SPDX-License-Identifier: BSD-2-Clause
#include "agent/helpers/pkcs11_helper_client.h"

#include <cstdlib>

namespace skagent {

Pkcs11Helper::Pkcs11Helper(EventLoop& loop, const Logger& log, std::string helper_path,
                           std::string provider, Timeouts timeouts, DeathFn on_death)
    : loop_(loop),
      log_(log),
      provider_(std::move(provider)),
      timeouts_(timeouts),
      process_(loop, log,
               HelperProcess::Options{.name = "pkcs11 helper for " + provider_,
                                      .max_frame = pkcs11::kMaxFrame,
                                      .restart = false,
                                      .stop_grace = kStopGrace},
               HelperProcess::program(std::move(helper_path), {provider_}), std::move(on_death)) {}

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

Pkcs11Helper::~Pkcs11Helper() {
  if (check_timer_ != 0) loop_.cancel_timer(check_timer_);
}

void Pkcs11Helper::stop(const std::string& why) {
  if (check_timer_ != 0) loop_.cancel_timer(check_timer_);
  check_timer_ = 0;
  process_.stop(why);
}

void Pkcs11Helper::die(const std::string& why) {
  if (check_timer_ != 0) loop_.cancel_timer(check_timer_);
  check_timer_ = 0;
  process_.fail(why);
}

void Pkcs11Helper::load(ByteView pin, LoadDone done) {
  // The agent hears of the load even when this helper is gone by then; the checks do not start.
  auto start_checks = process_.guard([this] { schedule_check(); });
  process_.call(pkcs11::encode_load_request(pin), timeouts_.load,
                [start_checks, done = std::move(done)](Result<Bytes> body) mutable {
                  if (!body) return done(body.error());
                  auto reply = pkcs11::decode_load_reply(*body);
                  if (reply) start_checks();
                  done(std::move(reply));
                });
}

void Pkcs11Helper::sign(ByteView key_blob, ByteView data, uint32_t flags, SignDone done) {
  process_.call(pkcs11::encode_sign_request(key_blob, data, flags), timeouts_.sign,
                [done = std::move(done)](Result<Bytes> body) {
                  if (!body) return done(body.error());
                  done(pkcs11::decode_sign_reply(*body));
                });
}

// While loaded, the helper is asked every few seconds whether its tokens are
// still there; a pulled token makes its keys vanish without waiting for a
// signature to fail. A hung module is found the same way.
void Pkcs11Helper::schedule_check() {
  if (!process_.running() || check_timer_ != 0) return;
  check_timer_ = loop_.after(
      std::chrono::duration_cast<std::chrono::milliseconds>(kCheckInterval), process_.guard([this] {
        check_timer_ = 0;
        if (!process_.running()) return;
        process_.call(pkcs11::encode_check_request(), kCheckTimeout,
                      process_.guard([this](Result<Bytes> body) {
                        if (!process_.running()) return;
                        auto present =
                            body ? pkcs11::decode_check_reply(*body) : Result<bool>(body.error());
                        if (!present) {
                          log_.error("pkcs11 helper for " + provider_ +
                                     ": check failed: " + present.error().message);
                          return die("helper answered a check with nonsense");
                        }
                        if (!*present) return die("token removed");
                        schedule_check();
                      }));
      }));
}

}  // namespace skagent
