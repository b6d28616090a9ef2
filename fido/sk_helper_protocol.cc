// SPDX-License-Identifier: BSD-2-Clause
#include "fido/sk_helper_protocol.h"

#include "base/wire.h"

namespace skagent {

namespace {

constexpr uint8_t kSign = 1;
constexpr uint8_t kCheckCards = 2;
constexpr uint8_t kOk = 0, kFailed = 1;
constexpr uint32_t kMaxPinRetries = 255;  // CTAP2 counts them in one byte

Error bad(const char* what) {
  return make_error(Errc::malformed, std::string("sk-helper protocol: ") + what);
}

// The error a kFailed reply carries (its status byte already read): code, message and,
// when the token told them, the PIN tries left (a trailing uint32).
Error decode_failure(Reader& r) {
  uint32_t code = 0, retries = 0;
  std::string msg;
  if (!r.u32(code) || !r.cstring(msg) || code > uint32_t(Errc::internal)) {
    return bad("malformed error reply");
  }
  const bool has_retries = !r.empty();
  if (has_retries && (!r.u32(retries) || !r.empty() || retries > kMaxPinRetries)) {
    return bad("malformed error reply");
  }
  Error e = make_error(Errc(code), msg);
  if (has_retries) e.pin_retries = int(retries);
  return e;
}

}  // namespace

Bytes encode_sign_request(const SkSignRequest& req) {
  Writer w;
  w.u8(kSign);
  w.u32(req.alg);
  w.string(req.data);
  w.string(req.application);
  w.string(req.key_handle);
  w.u8(req.flags);
  w.string(view(req.pin.view()));
  return w.take();
}

Result<SkSignRequest> decode_sign_request(ByteView body) {
  Reader r(body);
  SkSignRequest req;
  uint8_t type = 0;
  ByteView data, kh, pin;
  if (!r.u8(type) || type != kSign) return bad("unknown request");
  if (!r.u32(req.alg) || !r.string(data) || !r.cstring(req.application) || !r.string(kh) ||
      !r.u8(req.flags) || !r.string(pin) || !r.empty()) {
    return bad("malformed sign request");
  }
  // Straight from the (self-wiping) frame into locked memory; a PIN is text.
  if (as_string(pin).find('\0') != std::string_view::npos) return bad("NUL in the PIN");
  if (!req.pin.append(reinterpret_cast<const char*>(pin.data()), pin.size())) {
    return bad("PIN too long");
  }
  req.data = to_bytes(data);
  req.key_handle = to_bytes(kh);
  return req;
}

Result<SkRequestKind> sk_request_kind(ByteView body) {
  if (body.empty()) return bad("empty request");
  if (body[0] == kSign) return SkRequestKind::sign;
  if (body[0] == kCheckCards && body.size() == 1) return SkRequestKind::check_cards;
  return bad("unknown request");
}

Bytes encode_check_cards_request() { return Bytes{kCheckCards}; }

Bytes encode_check_cards_reply(bool card_left) { return Bytes{kOk, uint8_t(card_left ? 1 : 0)}; }

Result<bool> decode_check_cards_reply(ByteView body) {
  Reader r(body);
  uint8_t status = 0, left = 0;
  if (!r.u8(status)) return bad("empty reply");
  if (status == kFailed) return decode_failure(r);
  if (status != kOk || !r.u8(left) || left > 1 || !r.empty())
    return bad("malformed card check reply");
  return left == 1;
}

Bytes encode_sign_reply(const Result<SkSignResult>& reply) {
  Writer w;
  if (!reply) {
    w.u8(kFailed);
    w.u32(uint32_t(reply.error().code));
    w.string(reply.error().message);
    const int retries = reply.error().pin_retries;
    if (retries >= 0 && uint32_t(retries) <= kMaxPinRetries) w.u32(uint32_t(retries));
    return w.take();
  }
  w.u8(kOk);
  w.string(reply->sig_r);
  w.string(reply->sig_s);
  w.u8(reply->flags);
  w.u32(reply->counter);
  return w.take();
}

Result<SkSignResult> decode_sign_reply(ByteView body) {
  Reader r(body);
  uint8_t status = 0;
  if (!r.u8(status)) return bad("empty reply");
  if (status == kFailed) return decode_failure(r);
  SkSignResult res;
  ByteView sr, ss;
  if (status != kOk || !r.string(sr) || !r.string(ss) || !r.u8(res.flags) || !r.u32(res.counter) ||
      !r.empty()) {
    return bad("malformed sign reply");
  }
  res.sig_r = to_bytes(sr);
  res.sig_s = to_bytes(ss);
  return res;
}

}  // namespace skagent
