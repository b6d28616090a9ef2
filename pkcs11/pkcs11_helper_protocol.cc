// SPDX-License-Identifier: BSD-2-Clause
#include "pkcs11/pkcs11_helper_protocol.h"

#include "ssh/key.h"
#include "base/wire.h"

namespace skagent::pkcs11 {

namespace {

constexpr uint8_t kOk = 0, kFailed = 1;

Error bad(const char* what) {
  return make_error(Errc::malformed, std::string("pkcs11-helper protocol: ") + what);
}

bool read_text(Reader& r, std::string& out) { return r.cstring(out) && out.size() <= kMaxText; }

// Reads the status byte; on a failure reply, returns the error it carries.
Result<bool> read_status(Reader& r) {
  uint8_t status = 0;
  if (!r.u8(status)) return bad("empty reply");
  if (status == kOk) return true;
  if (status != kFailed) return bad("unknown reply status");
  uint32_t code = 0;
  std::string msg;
  if (!r.u32(code) || !read_text(r, msg) || !r.empty() || code > uint32_t(Errc::internal)) {
    return bad("malformed error reply");
  }
  return make_error(Errc(code), msg);
}

// A key the agent may hold for a token: plain RSA, ECDSA or Ed25519.
bool acceptable_key(ByteView blob) {
  auto k = parse_public_key(blob);
  if (!k || k->is_cert()) return false;
  switch (k->type) {
    case KeyType::rsa:
    case KeyType::ecdsa_p256:
    case KeyType::ecdsa_p384:
    case KeyType::ecdsa_p521:
    case KeyType::ed25519:
      return true;
    default:
      return false;
  }
}

}  // namespace

Bytes encode_load_request(ByteView pin) {
  Writer w;
  w.u8(uint8_t(RequestType::load));
  w.string(pin);
  return w.take();
}

Bytes encode_sign_request(ByteView key_blob, ByteView data, uint32_t flags) {
  Writer w;
  w.u8(uint8_t(RequestType::sign));
  w.string(key_blob);
  w.string(data);
  w.u32(flags);
  return w.take();
}

Bytes encode_check_request() { return Bytes{uint8_t(RequestType::check)}; }

Result<Request> decode_request(ByteView body) {
  Reader r(body);
  uint8_t type = 0;
  if (!r.u8(type)) return bad("empty request");
  Request req;
  switch (type) {
    case uint8_t(RequestType::load): {
      ByteView pin;
      if (!r.string(pin) || !r.empty()) return bad("malformed load request");
      if (pin.size() > kMaxPin) return bad("PIN too long");
      req.type = RequestType::load;
      req.pin = to_bytes(pin);
      return req;
    }
    case uint8_t(RequestType::sign): {
      ByteView blob, data;
      if (!r.string(blob) || !r.string(data) || !r.u32(req.flags) || !r.empty()) {
        return bad("malformed sign request");
      }
      req.type = RequestType::sign;
      req.key_blob = to_bytes(blob);
      req.data = to_bytes(data);
      return req;
    }
    case uint8_t(RequestType::check):
      if (!r.empty()) return bad("malformed check request");
      req.type = RequestType::check;
      return req;
    default:
      return bad("unknown request");
  }
}

Bytes encode_error_reply(const Error& error) {
  Writer w;
  w.u8(kFailed);
  w.u32(uint32_t(error.code));
  std::string msg = error.message.substr(0, kMaxText);
  for (char& c : msg) {
    if (c == '\0') c = '?';
  }
  w.string(msg);
  return w.take();
}

Bytes encode_load_reply(const LoadReply& reply) {
  Writer w;
  w.u8(kOk);
  w.u32(uint32_t(reply.keys.size()));
  for (const auto& k : reply.keys) {
    w.string(k.blob);
    w.string(k.label);
  }
  w.u32(uint32_t(reply.notes.size()));
  for (const auto& n : reply.notes) w.string(n);
  return w.take();
}

Bytes encode_sign_reply(ByteView signature) {
  Writer w;
  w.u8(kOk);
  w.string(signature);
  return w.take();
}

Bytes encode_check_reply(bool present) {
  Writer w;
  w.u8(kOk);
  w.boolean(present);
  return w.take();
}

Result<LoadReply> decode_load_reply(ByteView body) {
  Reader r(body);
  auto ok = read_status(r);
  if (!ok) return ok.error();
  LoadReply out;
  uint32_t n = 0;
  if (!r.u32(n) || n > kMaxKeys) return bad("bad key count");
  for (uint32_t i = 0; i < n; i++) {
    ByteView blob;
    TokenKey k;
    if (!r.string(blob) || !read_text(r, k.label)) return bad("truncated key list");
    if (!acceptable_key(blob))
      return bad("helper sent a key that is not a plain RSA, ECDSA or Ed25519 key");
    k.blob = to_bytes(blob);
    out.keys.push_back(std::move(k));
  }
  uint32_t m = 0;
  if (!r.u32(m) || m > kMaxNotes) return bad("bad note count");
  for (uint32_t i = 0; i < m; i++) {
    std::string note;
    if (!read_text(r, note)) return bad("truncated note list");
    out.notes.push_back(std::move(note));
  }
  if (!r.empty()) return bad("trailing bytes after load reply");
  return out;
}

Result<Bytes> decode_sign_reply(ByteView body) {
  Reader r(body);
  auto ok = read_status(r);
  if (!ok) return ok.error();
  ByteView sig;
  if (!r.string(sig) || !r.empty() || sig.empty() || sig.size() > kMaxSignature) {
    return bad("malformed sign reply");
  }
  return to_bytes(sig);
}

Result<bool> decode_check_reply(ByteView body) {
  Reader r(body);
  auto ok = read_status(r);
  if (!ok) return ok.error();
  bool present = false;
  if (!r.boolean(present) || !r.empty()) return bad("malformed check reply");
  return present;
}

}  // namespace skagent::pkcs11
