// SPDX-License-Identifier: BSD-2-Clause
#include "vtoken/client_pin.h"

#include "vtoken/entities.h"
#include "vtoken/get_info.h"

namespace skagent::vtoken {

namespace {

// The subcommand numbers of authenticatorClientPIN (CTAP 2.1 §6.5.5).
enum class Subcommand : uint64_t {
  kGetRetries = 0x01,
  kGetKeyAgreement = 0x02,
  kSetPin = 0x03,
  kChangePin = 0x04,
  kGetPinToken = 0x05,
  kGetPinUvAuthTokenUsingPinWithPermissions = 0x09,
};

size_t code_points(ByteView utf8) {
  size_t n = 0;
  for (uint8_t c : utf8) n += (c & 0xC0) != 0x80;
  return n;
}

// The PIN inside a decrypted newPinEnc: 64 bytes, NUL-padded.
Result<Bytes> unpad_pin(ByteView padded, size_t min_length) {
  size_t len = 0;
  while (len < padded.size() && padded[len] != 0) len++;
  ByteView pin = padded.first(len);
  if (len > 63 || code_points(pin) < min_length) {
    return make_error(Errc::denied, "PIN violates the length policy");
  }
  return to_bytes(pin);
}

struct Shared {
  PinProtocol proto;
  Bytes secret;
};

// Protocol and key agreement checks common to every PIN-using subcommand.
Result<Shared> shared_secret(TokenContext& ctx, const ClientPinRequest& req, uint8_t& status) {
  if (!req.protocol || !req.key_agreement) {
    status = ctap::kMissingParameter;
    return make_error(Errc::not_found, "missing protocol or key agreement");
  }
  if (!PinProtocol::supported(*req.protocol) || !ctx.protocol_offered(*req.protocol)) {
    status = ctap::kInvalidParameter;
    return make_error(Errc::unsupported, "PIN protocol");
  }
  PinProtocol proto(uint8_t(*req.protocol));
  auto secret = proto.shared_secret(ctx.pin.key_agreement(), *req.key_agreement);
  if (!secret) {
    status = ctap::kInvalidParameter;
    return secret.error();
  }
  return Shared{proto, std::move(*secret)};
}

// Decrypts pinHashEnc and compares it with the stored hash. The retry counter
// is decremented and saved first, so pulling the plug after a wrong guess
// cannot save a retry.
uint8_t check_pin_hash(TokenContext& ctx, const Shared& sh, ByteView pin_hash_enc) {
  if (ctx.state.pin_retries == 0) return ctap::kPinBlocked;
  if (ctx.pin.auth_blocked()) return ctap::kPinAuthBlocked;
  size_t expected = sh.proto.version() == 1 ? 16 : 32;
  if (pin_hash_enc.size() != expected) return ctap::kInvalidParameter;
  auto hash = sh.proto.decrypt(sh.secret, pin_hash_enc);
  if (!hash) return ctap::kInvalidParameter;
  ctx.state.pin_retries--;
  if (!ctx.persist()) {
    ctx.state.pin_retries++;
    return ctap::kOther;
  }
  if (!equal_ct(*hash, ctx.state.pin_hash)) {
    ctx.pin.regenerate_key_agreement();
    ctx.pin.record_failure();
    if (ctx.state.pin_retries == 0) return ctap::kPinBlocked;
    if (ctx.pin.auth_blocked()) return ctap::kPinAuthBlocked;
    return ctap::kPinInvalid;
  }
  ctx.pin.record_success();
  ctx.state.pin_retries = kMaxPinRetries;
  if (!ctx.persist()) return ctap::kOther;
  return ctap::kOk;
}

uint8_t store_new_pin(TokenContext& ctx, const Shared& sh, ByteView new_pin_enc) {
  size_t expected = sh.proto.version() == 1 ? 64 : 80;
  if (new_pin_enc.size() != expected) return ctap::kInvalidParameter;
  auto padded = sh.proto.decrypt(sh.secret, new_pin_enc);
  if (!padded) return ctap::kInvalidParameter;
  auto pin = unpad_pin(*padded, ctx.config.min_pin_length);
  if (!pin) return ctap::kPinPolicyViolation;
  TokenState before = ctx.state;
  ctx.state.pin_hash = pin_hash_of(as_string(*pin));
  ctx.state.pin_retries = kMaxPinRetries;
  if (!ctx.persist()) {
    ctx.state = std::move(before);
    return ctap::kOther;
  }
  ctx.pin.invalidate_token();
  return ctap::kOk;
}

CtapReply set_pin(TokenContext& ctx, const ClientPinRequest& req) {
  if (!req.new_pin_enc || !req.pin_uv_auth_param) return CtapReply::error(ctap::kMissingParameter);
  uint8_t st = ctap::kOk;
  auto sh = shared_secret(ctx, req, st);
  if (!sh) return CtapReply::error(st);
  if (ctx.state.pin_set()) return CtapReply::error(ctap::kPinAuthInvalid);
  if (!sh->proto.verify(sh->proto.hmac_key(sh->secret), *req.new_pin_enc, *req.pin_uv_auth_param)) {
    return CtapReply::error(ctap::kPinAuthInvalid);
  }
  return CtapReply::error(store_new_pin(ctx, *sh, *req.new_pin_enc));
}

CtapReply change_pin(TokenContext& ctx, const ClientPinRequest& req) {
  if (!req.new_pin_enc || !req.pin_hash_enc || !req.pin_uv_auth_param) {
    return CtapReply::error(ctap::kMissingParameter);
  }
  uint8_t st = ctap::kOk;
  auto sh = shared_secret(ctx, req, st);
  if (!sh) return CtapReply::error(st);
  if (!ctx.state.pin_set()) return CtapReply::error(ctap::kPinNotSet);
  if (ctx.state.pin_retries == 0) return CtapReply::error(ctap::kPinBlocked);
  Bytes msg = *req.new_pin_enc;
  msg.insert(msg.end(), req.pin_hash_enc->begin(), req.pin_hash_enc->end());
  if (!sh->proto.verify(sh->proto.hmac_key(sh->secret), msg, *req.pin_uv_auth_param)) {
    return CtapReply::error(ctap::kPinAuthInvalid);
  }
  if (uint8_t s = check_pin_hash(ctx, *sh, *req.pin_hash_enc); s != ctap::kOk)
    return CtapReply::error(s);
  return CtapReply::error(store_new_pin(ctx, *sh, *req.new_pin_enc));
}

CtapReply get_token(TokenContext& ctx, const ClientPinRequest& req, bool with_permissions) {
  if (!req.pin_hash_enc) return CtapReply::error(ctap::kMissingParameter);
  uint8_t perms = permission::kMakeCredential | permission::kGetAssertion |
                  permission::kCredentialManagement;  // legacy getPinToken, as 2.0 tokens grant
  std::string rp_id;
  if (with_permissions) {
    if (!req.permissions) return CtapReply::error(ctap::kMissingParameter);
    if (*req.permissions == 0 || *req.permissions > 0xff)
      return CtapReply::error(ctap::kInvalidParameter);
    // No bio enrollment, large blobs or authenticator config on this token.
    if (*req.permissions & (permission::kBioEnrollment | permission::kLargeBlobWrite |
                            permission::kAuthenticatorConfig | 0xC0)) {
      return CtapReply::error(ctap::kUnauthorizedPermission);
    }
    perms = uint8_t(*req.permissions);
    rp_id = req.rp_id.value_or("");
  }
  uint8_t st = ctap::kOk;
  auto sh = shared_secret(ctx, req, st);
  if (!sh) return CtapReply::error(st);
  if (!ctx.state.pin_set()) return CtapReply::error(ctap::kPinNotSet);
  if (uint8_t s = check_pin_hash(ctx, *sh, *req.pin_hash_enc); s != ctap::kOk)
    return CtapReply::error(s);
  const Bytes& token = ctx.pin.issue_token(perms, std::move(rp_id));
  auto enc = sh->proto.encrypt(sh->secret, token);
  if (!enc) return CtapReply::error(ctap::kOther);
  ClientPinResponse resp;
  resp.pin_uv_auth_token = std::move(*enc);
  return CtapReply::ok(resp.encode());
}

}  // namespace

Bytes pin_hash_of(std::string_view pin) {
  Bytes h = sha256(view(pin));
  h.resize(16);
  return h;
}

Status set_pin_directly(TokenState& state, std::string_view pin) {
  if (pin.size() > 63 || code_points(view(pin)) < kMinPinLength || pin.find('\0') != pin.npos) {
    return make_error(Errc::malformed,
                      "a PIN has 4 to 63 bytes (at least 4 characters) and no NUL");
  }
  state.pin_hash = pin_hash_of(pin);
  state.pin_retries = kMaxPinRetries;
  return {};
}

Result<ClientPinRequest> ClientPinRequest::parse(const cbor_item_t* params) {
  if (!cbor::is_map(params)) return make_error(Errc::malformed, "parameters are not a map");
  ClientPinRequest r;
  if (auto st = cbor::optional_int(params, 0x01, r.protocol); !st) return st.error();
  const cbor_item_t* sub = cbor::map_get(params, 0x02);
  if (sub == nullptr) return make_error(Errc::not_found, "missing subCommand");
  auto s = cbor::get_uint(sub);
  if (!s) return s.error();
  r.subcommand = *s;
  if (const cbor_item_t* p = cbor::map_get(params, 0x03)) {
    auto k = CoseKey::parse_key_agreement(p);
    if (!k) return make_error(Errc::malformed, k.error().message);
    r.key_agreement = std::move(*k);
  }
  for (Status st : {cbor::optional_bytes(params, 0x04, 64, r.pin_uv_auth_param),
                    cbor::optional_bytes(params, 0x05, 256, r.new_pin_enc),
                    cbor::optional_bytes(params, 0x06, 64, r.pin_hash_enc),
                    cbor::optional_uint(params, 0x09, r.permissions),
                    cbor::optional_text(params, 0x0A, kMaxRpIdLength, r.rp_id)}) {
    if (!st) return st.error();
  }
  return r;
}

Bytes ClientPinResponse::encode() const {
  cbor::MapBuilder m;
  if (key_agreement) m.add(0x01, key_agreement->to_cbor());
  if (pin_uv_auth_token) m.add(0x02, cbor::bytes(*pin_uv_auth_token));
  if (retries) m.add(0x03, cbor::uint(*retries));
  return cbor::encode(m.build().get());
}

CtapReply handle_client_pin(TokenContext& ctx, const cbor_item_t* params) {
  auto req = ClientPinRequest::parse(params);
  if (!req) return CtapReply::error(status_for(req.error()));
  switch (Subcommand(req->subcommand)) {
    case Subcommand::kGetRetries: {
      ClientPinResponse resp;
      resp.retries = ctx.state.pin_retries;
      return CtapReply::ok(resp.encode());
    }
    case Subcommand::kGetKeyAgreement: {
      if (!req->protocol) return CtapReply::error(ctap::kMissingParameter);
      if (!PinProtocol::supported(*req->protocol) || !ctx.protocol_offered(*req->protocol)) {
        return CtapReply::error(ctap::kInvalidParameter);
      }
      auto k = ctx.pin.key_agreement_public();
      if (!k) return CtapReply::error(ctap::kOther);
      ClientPinResponse resp;
      resp.key_agreement = std::move(*k);
      return CtapReply::ok(resp.encode());
    }
    case Subcommand::kSetPin:
      return set_pin(ctx, *req);
    case Subcommand::kChangePin:
      return change_pin(ctx, *req);
    case Subcommand::kGetPinToken:
      return get_token(ctx, *req, false);
    case Subcommand::kGetPinUvAuthTokenUsingPinWithPermissions:
      return get_token(ctx, *req, true);
    default:
      return CtapReply::error(ctap::kInvalidSubcommand);
  }
}

}  // namespace skagent::vtoken
